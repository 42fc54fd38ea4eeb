"""Progressions and cadences: the chord on each beat, how chords follow each other, how phrases end.

A composition is a (tracks, steps, 128) piano roll on the 16th-note grid, the melody first, as in
:mod:`composerlab.music.harmony` (whose beats these are). The measures:

- :func:`beat_chords`: the chord heard on each beat, read by template matching of the pitch classes
  sounding then (the four triads; sevenths read as their triad) with the bass as tie-breaker;
- :func:`progression_counts` and :func:`progression_cross_entropy`: how consecutive chords follow
  each other, as transitions between (scale degree of the root, quality) in the melody's key, scored
  against a reference table of transitions (the training chorales') in bits per chord change;
  :func:`root_motions` and :func:`distribution_distance`: the intervals between consecutive roots;
- :func:`phrase_ends`: where phrases end, from fermatas when a score has them, else from the
  melody's held notes; :func:`cadences`: the chord at each phrase end (I, V, authentic, half);
- :func:`ends_on_tonic`: whether the last melody note is harmonised by the key's tonic chord.

The key is the melody's (:func:`composerlab.music.metrics.estimate_key`), so no accompaniment can
move the yardstick it is measured with. Each function is pure and vectorised where it matters.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from composerlab.music.harmony import beat_steps
from composerlab.music.pianoroll import STEPS_PER_BEAT, roll_to_notes, steps_per_bar

QUALITIES = ("major", "minor", "diminished", "augmented")
"""Chord qualities a reading names; a seventh chord is read as the triad it contains."""
TEMPLATES = (
    ("major", (0, 4, 7)), ("minor", (0, 3, 7)), ("diminished", (0, 3, 6)), ("augmented", (0, 4, 8)),
    ("major", (0, 4, 7, 10)), ("major", (0, 4, 7, 11)), ("minor", (0, 3, 7, 10)),
    ("diminished", (0, 3, 6, 10)), ("diminished", (0, 3, 6, 9)),
)
"""Chord shapes above the root (the four triads, then five seventh chords) and the quality each is read as."""
N_SYMBOLS = 12 * len(QUALITIES)
"""Chord symbols relative to a key: scale degree of the root (0-11 semitones above the tonic) x quality."""
MISSING_TONE_COST = 0.5
"""What a template tone that does not sound costs against a sounding tone it explains (weight 1 per note)."""
DOMINANT = 7
"""The dominant's root, in semitones above the tonic."""


class Chord(NamedTuple):
    """A chord read from the music: its root pitch class (C = 0) and quality (one of :data:`QUALITIES`)."""

    root: int
    quality: str

    def degree(self, tonic: int) -> int:
        """The root's distance above ``tonic`` in semitones (0-11)."""
        return (self.root - tonic) % 12


def _templates() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    masks, roots, qualities = [], [], []
    for quality, shape in TEMPLATES:
        for root in range(12):
            mask = np.zeros(12, bool)
            mask[(root + np.array(shape)) % 12] = True
            masks.append(mask)
            roots.append(root)
            qualities.append(QUALITIES.index(quality))
    return np.array(masks), np.array(roots), np.array(qualities)


_MASKS, _ROOTS, _QUALITY_INDEX = _templates()


def read_chord(weights: np.ndarray, bass: int | None = None) -> Chord | None:
    """The chord that best explains pitch-class ``weights`` (12 note counts), or None for fewer than two classes.

    Score of a template = weight of the notes it explains - weight of the notes it does not -
    :data:`MISSING_TONE_COST` per template tone not sounding. Ties go to the template whose root is
    ``bass`` (the lowest note's pitch class), then to triads before sevenths, then to the lower root.
    """
    weights = np.asarray(weights, dtype=float)
    if np.count_nonzero(weights) < 2:
        return None
    present = weights > 0
    explained = _MASKS @ weights
    score = explained - (weights.sum() - explained) - MISSING_TONE_COST * (_MASKS & ~present).sum(axis=1)
    if bass is not None:
        score = score + 1e-3 * (_ROOTS == bass % 12)
    best = int(np.argmax(score))  # the first best: triads are listed before sevenths
    return Chord(int(_ROOTS[best]), QUALITIES[_QUALITY_INDEX[best]])


def _as_bool(composition) -> np.ndarray:
    composition = np.asarray(composition) > 0
    return composition if composition.ndim == 3 else composition[None]


def chord_at(composition: np.ndarray, step: int) -> Chord | None:
    """The chord sounding at ``step`` of a (tracks, steps, 128) composition, every track counted."""
    sounding = _as_bool(composition)[:, step]  # (tracks, 128)
    pitches = np.nonzero(sounding)[1]
    if pitches.size == 0:
        return None
    weights = np.bincount(pitches % 12, minlength=12)
    return read_chord(weights, int(pitches.min()))


def beat_chords(composition: np.ndarray, time_signature: tuple[int, int] = (4, 4)) -> list[Chord | None]:
    """The chord on each beat (:func:`composerlab.music.harmony.beat_steps`); None where fewer than two pitch classes sound."""
    composition = _as_bool(composition)
    return [chord_at(composition, int(s)) for s in beat_steps(composition.shape[1], time_signature)]


def chord_changes(chords) -> list[Chord]:
    """The chords in order with repeats and gaps (None) left out: the chord changes a listener hears."""
    out = []
    for chord in chords:
        if chord is not None and (not out or chord != out[-1]):
            out.append(chord)
    return out


def symbol(chord: Chord, tonic: int) -> int:
    """A chord as a number in ``range(N_SYMBOLS)``: 4 x its root's scale degree + its quality's index."""
    return chord.degree(tonic) * len(QUALITIES) + QUALITIES.index(chord.quality)


def progression_counts(chords, key: tuple[int, str]) -> np.ndarray:
    """(N_SYMBOLS, N_SYMBOLS) counts of transitions between consecutive chord changes, in ``key``."""
    changes = chord_changes(chords)
    counts = np.zeros((N_SYMBOLS, N_SYMBOLS))
    symbols = [symbol(c, key[0]) for c in changes]
    np.add.at(counts, (symbols[:-1], symbols[1:]), 1)
    return counts


def transition_table(counts: np.ndarray, smoothing: float = 0.1) -> np.ndarray:
    """Pooled transition counts -> probabilities P(next | previous), each row add-``smoothing`` smoothed."""
    counts = np.asarray(counts, dtype=float) + smoothing
    return counts / counts.sum(axis=1, keepdims=True)


def progression_cross_entropy(chords, key: tuple[int, str], table: np.ndarray) -> float:
    """Mean surprise of a piece's chord changes under ``table`` (:func:`transition_table`), in bits per change.

    Low: the piece moves between chords the way the reference does. NaN with fewer than two chord changes.
    """
    counts = progression_counts(chords, key)
    total = counts.sum()
    if total == 0:
        return float("nan")
    return float(-(counts * np.log2(table)).sum() / total)


def root_motions(chords) -> np.ndarray:
    """(12,) counts of the intervals (semitones up, mod 12) between the roots of consecutive chord changes."""
    roots = np.array([c.root for c in chord_changes(chords)], dtype=int)
    return np.bincount(np.diff(roots) % 12, minlength=12).astype(float) if roots.size > 1 else np.zeros(12)


def distribution_distance(counts: np.ndarray, reference: np.ndarray) -> float:
    """Total-variation distance (0 to 1) between two histograms, each normalised; NaN if either is empty."""
    counts, reference = np.asarray(counts, float).ravel(), np.asarray(reference, float).ravel()
    if counts.sum() == 0 or reference.sum() == 0:
        return float("nan")
    return float(0.5 * np.abs(counts / counts.sum() - reference / reference.sum()).sum())


def beat_length(time_signature: tuple[int, int]) -> int:
    """Steps per beat of ``time_signature``, as :func:`composerlab.music.harmony.beat_steps` counts them."""
    steps = beat_steps(steps_per_bar(time_signature) + 1, time_signature)
    return int(steps[1] - steps[0]) if len(steps) > 1 else STEPS_PER_BEAT


def melody_notes(melody: np.ndarray) -> list[tuple[int, int, int]]:
    """The top line of a (steps, 128) melody roll as (start, pitch, length), one note per start (the highest)."""
    notes = {}
    for note in roll_to_notes(np.asarray(melody)):
        if note.start not in notes or note.pitch > notes[note.start][1]:
            notes[note.start] = (note.start, note.pitch, note.length)
    return [notes[s] for s in sorted(notes)]


def phrase_ends(melody: np.ndarray, time_signature: tuple[int, int] = (4, 4), fermatas=None,
                hold: float = 2.0) -> np.ndarray:
    """Steps where phrase-ending melody notes start, in increasing order.

    With ``fermatas`` (the steps of notes marked with a fermata, as chorales have them) those, plus
    the last note. Otherwise from the melody alone: a note whose time before the next note (its
    length plus any rest after it) is at least ``hold`` times the tune's median and at least a beat
    is held, and so ends a phrase; the last note always does.

    Parameters
    ----------
    melody : ndarray
        (steps, 128) roll of the melody (velocity or boolean).
    fermatas : sequence of int, optional
        Steps of fermata notes.
    """
    notes = melody_notes(melody)
    if not notes:
        return np.zeros(0, dtype=int)
    starts = np.array([n[0] for n in notes])
    last = int(starts[-1])
    if fermatas is not None and len(fermatas):
        return np.unique(np.append(np.asarray(fermatas, dtype=int), last))
    spans = np.append(np.diff(starts), notes[-1][2])
    limit = max(hold * float(np.median(spans)), beat_length(time_signature))
    held = starts[spans >= limit]
    return np.unique(np.append(held, last)).astype(int)


def cadences(composition: np.ndarray, ends, key: tuple[int, str],
             time_signature: tuple[int, int] = (4, 4)) -> list[str]:
    """What each phrase end's chord is, in ``key``: one label per step of ``ends``.

    ``"authentic"``: the tonic chord reached from the dominant (the chord change before it);
    ``"tonic"``: the tonic chord reached otherwise; ``"half"``: the dominant chord (major);
    ``"other"``: any other chord; ``"none"``: fewer than two pitch classes sound.
    """
    composition = _as_bool(composition)
    tonic = key[0]
    beats = beat_steps(composition.shape[1], time_signature)
    labels = []
    for end in ends:
        chord = chord_at(composition, int(end))
        if chord is None:
            labels.append("none")
            continue
        if chord.degree(tonic) == 0:
            before = [c for c in (chord_at(composition, int(s)) for s in beats[beats < end]) if c is not None]
            previous = next((c for c in reversed(before) if c != chord), None)
            authentic = previous is not None and previous.degree(tonic) == DOMINANT and previous.quality == "major"
            labels.append("authentic" if authentic else "tonic")
        elif chord.degree(tonic) == DOMINANT and chord.quality == "major":
            labels.append("half")
        else:
            labels.append("other")
    return labels


def cadence_rate(labels) -> float:
    """Share of phrase ends on the tonic or the dominant chord (authentic, tonic or half); NaN without ends."""
    labels = list(labels)
    return float(np.mean([lab in ("authentic", "tonic", "half") for lab in labels])) if labels else float("nan")


def ends_on_tonic(composition: np.ndarray, key: tuple[int, str]) -> bool:
    """Whether the chord sounding where the melody's last note starts has the key's tonic as its root.

    The melody is the composition's first track; a major or minor tonic both count (a minor piece
    may close on a major chord).
    """
    composition = _as_bool(composition)
    notes = melody_notes(composition[0])
    if not notes:
        return False
    chord = chord_at(composition, notes[-1][0])
    return chord is not None and chord.degree(key[0]) == 0


def evaluate_progressions(composition: np.ndarray, key: tuple[int, str], table: np.ndarray,
                          reference_motions: np.ndarray, time_signature: tuple[int, int] = (4, 4),
                          fermatas=None) -> dict:
    """The progression and cadence figures of one composition (melody first).

    Returns ``progression_bits`` (:func:`progression_cross_entropy` under ``table``),
    ``root_motion_distance`` (:func:`distribution_distance` of :func:`root_motions` from
    ``reference_motions``), ``cadence_rate`` and ``authentic_rate`` over :func:`phrase_ends`,
    ``ends_on_tonic`` (1.0 or 0.0), ``chord_changes`` and ``phrases``.
    """
    composition = _as_bool(composition)
    chords = beat_chords(composition, time_signature)
    ends = phrase_ends(composition[0], time_signature, fermatas)
    labels = cadences(composition, ends, key, time_signature)
    return {
        "progression_bits": progression_cross_entropy(chords, key, table),
        "root_motion_distance": distribution_distance(root_motions(chords), reference_motions),
        "cadence_rate": cadence_rate(labels),
        "authentic_rate": float(np.mean([lab == "authentic" for lab in labels])) if labels else float("nan"),
        "ends_on_tonic": float(ends_on_tonic(composition, key)),
        "chord_changes": len(chord_changes(chords)),
        "phrases": len(ends),
    }
