"""The rules' side of chord decoding: the chords, the costs' weights, beats, passing notes.

:mod:`composerlab.models.gan.voicing` searches for a chord and a voicing per
beat; this module holds what that search draws on and needs no model: the
chords it may choose (:data:`CHORD_SHAPES`) and their extra costs, the
weights of every rule (:class:`VoicingWeights`), the beats of a meter, and
the passing notes added after the search (:func:`add_passing_notes`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from composerlab.music.harmony import DISSONANT_INTERVAL_CLASSES, beat_steps, parallel_motions
from composerlab.music.key import PITCH_CLASS_NAMES, estimate_key, scale_mask

CHORD_SHAPES = {
    "major": (0, 4, 7), "minor": (0, 3, 7), "diminished": (0, 3, 6),
    "dominant seventh": (0, 4, 7, 10), "minor seventh": (0, 3, 7, 10),
    "half-diminished seventh": (0, 3, 6, 10), "diminished seventh": (0, 3, 6, 9),
}
"""Chords the decoder may choose, as semitones above the root: root, third, fifth (and seventh).

The shapes of :data:`composerlab.music.harmony.CHORDS` that four-part chorale
writing uses; the augmented triad and the major seventh chord are left out."""

SHAPE_COSTS = {
    "major": 0.0, "minor": 0.0, "diminished": 1.5, "dominant seventh": 0.6, "minor seventh": 1.2,
    "half-diminished seventh": 1.5, "diminished seventh": 1.5,
}
"""Extra cost of each shape: the plain triads are free, the rest are rarer in chorale writing."""


@dataclass(frozen=True)
class VoicingWeights:
    """The costs of :mod:`composerlab.models.gan.voicing`'s rules, in units of the model's log probability.

    A cost of 1 is worth a factor of e in one voice's probability of its pitch.
    The defaults were set by hand while watching 40 training chorales, the
    validation chorales and ``bench/bench_harmony.py``'s ``TUNES``; its
    ``EXTRA_TUNES`` were measured only once they were final (the held-out check).
    The model card (``data/models/bach_gan.md``) has the figures.
    """

    model: float = 1.0
    """Weight of the model's log probability of each voice's pitch."""
    candidates: int = 3
    """Chord tones tried per voice and chord: the ones the model finds likeliest."""
    chords: int = 8
    """Chords kept per beat for the search (the best by melody, key, shape and the model's mass on their tones)."""
    states: int = 48
    """(Chord, voicing) pairs kept per beat for the search, the cheapest before voice leading (a beam)."""
    melody_nonchord: float = 5.0
    """The melody's note on the beat is not in the chord (allowed over a complete triad only)."""
    melody_offbeat: float = 1.5
    """Times the share of the beat's melody (after its first step) outside the chord."""
    chromatic: float = 2.0
    """Per chord tone outside the melody's key (``inf``: chords in the key only, ``compose(in_key=True)``)."""
    seventh: float = 2.0
    """Added to every seventh chord's :data:`SHAPE_COSTS`."""
    no_third: float = 4.0
    """A chord without its third (in the voices or the melody's notes on the beat)."""
    no_root: float = 3.0
    no_fifth: float = 0.4
    bass_third: float = 0.8
    """The bass on the chord's third (first inversion); on the root costs nothing."""
    bass_fifth: float = 2.5
    bass_seventh: float = 2.0
    crossing: float = 8.0
    """A voice above the one over it (the alto above the melody's note, the tenor above the alto...)."""
    unison: float = 1.0
    """Two accompanying voices on one pitch."""
    spacing: float = 1.0
    """More than an octave between soprano and alto or alto and tenor, or more than a twelfth between tenor and bass."""
    step: float = 0.15
    """A voice moving by a second."""
    leap: float = 0.35
    """Per semitone beyond a second (half of it for the bass, whose leaps are normal)."""
    big_leap: float = 3.0
    """A voice leaping more than an octave."""
    parallel: float = 15.0
    """Two voices a fifth or octave apart moving in the same direction to the same interval."""
    change: float = 0.2
    """A new chord (the same chord held costs nothing)."""
    epsilon: float = 1e-3
    """Floor on a probability before its log."""
    passing_notes: bool = True
    """Fill a voice's leap of a third between beats with a passing note (:func:`add_passing_notes`)."""
    register: float = 0.5
    """Weight, in steps, of a voice's pitches over the whole tune beside a beat's own probabilities."""
    dissonance: float | None = 0.25
    """Share of beats with a dissonance (a second, seventh or tritone among the sounding pitch classes)
    the decoder aims at in each tune: about a quarter in Bach's chorales (consonant beats 0.749, see
    :data:`composerlab.music.harmony.CHORALE_REFERENCE`). None: no aim, the costs alone decide."""
    dissonance_tolerance: float = 0.05
    """How far from :attr:`dissonance` a tune may stay without a search for the price."""
    max_price: float = 6.0
    """The largest price (or reward) put on a dissonant beat in that search."""
    price_steps: int = 5
    """Bisection steps of that search at most."""
    follow: float = 0.0
    """How far each voice's register follows the melody's from phrase to phrase: semitones per semitone the
    melody's phrase lies above or below its mean over the tune (:func:`register_shifts`; 0: the model's alone)."""
    wander: float = 0.0
    """Spread (standard deviation, semitones) of a seeded wander of each voice's register from phrase to
    phrase, beside :attr:`follow` (0: none, and the seed does not reach the decoding)."""
    phrase: int = 64
    """Steps per phrase for :attr:`follow` and :attr:`wander` (4 bars of 4/4)."""
    rests: float = 1.0
    """A voice rests at a step where the model gives resting more than this probability (1: never; the
    chorales' voices sing through every beat the melody sings). A string quartet's parts rest for bars and
    play detached notes where a chorale's hold; the model learned where (:func:`rest_where_the_model_rests`)."""
    tacet: float = 1.0
    """A voice rests through a bar where the model's probability of resting, averaged over the bar, passes
    this (1: never): the bars of rest of a quartet's second violin or viola."""


def _chord_table():
    """(roots, shapes, tone pitch-class sets) of every chord: (n,), (n,), (n, 4) with -1 for no seventh."""
    roots, shapes, tones = [], [], []
    for shape, intervals in CHORD_SHAPES.items():
        for root in range(12):
            roots.append(root)
            shapes.append(shape)
            row = [(root + i) % 12 for i in intervals] + [-1] * (4 - len(intervals))
            tones.append(row)
    return np.array(roots), shapes, np.array(tones)


CHORD_ROOTS, CHORD_SHAPE_NAMES, CHORD_TONES = _chord_table()
CHORD_MASKS = np.zeros((len(CHORD_ROOTS), 12), bool)
for _i, _row in enumerate(CHORD_TONES):
    CHORD_MASKS[_i, _row[_row >= 0]] = True
SHAPE_COST = np.array([SHAPE_COSTS[s] for s in CHORD_SHAPE_NAMES])


def chord_name(index: int) -> str:
    """A chord of the table by its index: "G dominant seventh"."""
    return f"{PITCH_CLASS_NAMES[CHORD_ROOTS[index]]} {CHORD_SHAPE_NAMES[index]}"


def beat_segments(n_steps: int, time_signature=(4, 4)) -> list[tuple[int, int]]:
    """The (start, end) steps of each beat in ``n_steps`` steps (see :func:`composerlab.music.harmony.beat_steps`)."""
    starts = list(beat_steps(n_steps, tuple(time_signature)))
    return [(s, e) for s, e in zip(starts, starts[1:] + [n_steps]) if e > s]


INTERVAL_CLASS = np.minimum(np.arange(12), 12 - np.arange(12))
CLASH = np.isin(INTERVAL_CLASS[(np.arange(12)[None, :] - np.arange(12)[:, None]) % 12], DISSONANT_INTERVAL_CLASSES)
"""(12, 12) whether two pitch classes form a second, seventh or tritone (harmony.DISSONANT_INTERVAL_CLASSES)."""

SILENT = -1000
"""The melody's pitch index where it is silent (the melody may lie below model pitch 0)."""


def top_pitch(line: np.ndarray) -> np.ndarray:
    """(steps,) the highest sounding pitch index of a (steps, pitches) roll, -1 where silent."""
    top = line.shape[1] - 1 - np.argmax(line[:, ::-1], axis=1)
    return np.where(line.any(axis=1), top, -1)


def add_passing_notes(voices: np.ndarray, melody: np.ndarray, lowest: int, time_signature=(4, 4),
                      key: tuple[int, str] | None = None, probabilities: np.ndarray | None = None,
                      threshold: float = 0.0) -> np.ndarray:
    """Fill a voice's leap of a third between two beats with the scale note between, in the beat's second half.

    The eighth-note passing motion of chorale inner voices and bass. A passing
    note is added only where it makes no parallel fifth or octave with another
    voice (the melody included) and, if ``probabilities`` are given, where the
    model gives its pitch at least ``threshold`` (mean over the half beat).
    ``voices`` (3, steps, pitches) as :func:`harmonize` returns them; a new array.
    """
    voices = np.array(voices, dtype=bool)
    melody = np.asarray(melody) > 0
    steps, n_pitches = voices.shape[1], voices.shape[2]
    in_key = scale_mask(key or estimate_key(melody[:steps]))
    tops = top_pitch(melody[:steps])
    lines = np.stack([np.where(tops >= 0, tops - lowest, -1)] + [top_pitch(v) for v in voices])  # model pitch indexes

    def parallels(lo: int, hi: int) -> int:
        lo, hi = max(lo, 0), min(hi, steps)
        part = np.zeros((4, hi - lo, n_pitches + 128), bool)
        for i in range(4):
            t = np.flatnonzero(lines[i, lo:hi] > -1)
            part[i, t, lines[i, lo:hi][t] + 64] = True  # shifted so the melody's notes below the model's fit
        return parallel_motions(part)

    segments = beat_segments(steps, time_signature)
    for v in (1, 2, 3):
        for (start, end), (nxt, _) in zip(segments, segments[1:]):
            if end - start < 4:
                continue
            here, there = lines[v, end - 1], lines[v, nxt]
            if here < 0 or there < 0 or abs(there - here) not in (3, 4) or lines[v, start] != here:
                continue
            mid = start + (end - start) // 2
            between = [p for p in range(min(here, there) + 1, max(here, there)) if in_key[(p + lowest) % 12]]
            if len(between) != 1:
                continue
            passing = between[0]
            if probabilities is not None and probabilities[v - 1, mid:end, passing].mean() < threshold:
                continue
            before = parallels(start - 1, nxt + 2)
            lines[v, mid:end] = passing
            if parallels(start - 1, nxt + 2) > before:
                lines[v, mid:end] = here
    out = np.zeros_like(voices)
    for v in range(3):
        t = np.flatnonzero(lines[v + 1] >= 0)
        out[v, t, lines[v + 1, t]] = True
    return out


def register_shifts(melody: np.ndarray, weights: VoicingWeights, seed: int | None = None) -> np.ndarray:
    """(3, steps) semitones by which each voice's register moves, phrase by phrase, smoothly between phrases.

    A generator trained on two-bar windows gives each voice nearly one register for a whole tune,
    while a composer's inner voices and bass range over half as much again from phrase to phrase:
    partly with the melody (:attr:`VoicingWeights.follow` times how far the melody's phrase lies from its
    mean), partly on their own (:attr:`VoicingWeights.wander`, drawn from a generator seeded with ``seed``:
    the same seed, the same shifts). Each phrase's value sits at its middle, linearly joined to the next.
    """
    melody = np.asarray(melody) > 0
    steps, size = melody.shape[0], max(1, weights.phrase)
    starts = np.arange(0, steps, size)
    t, p = np.nonzero(melody)
    shifts = np.zeros((3, len(starts)))
    if weights.follow and len(p):
        centre = p.mean()
        for i, start in enumerate(starts):
            here = p[(t >= start) & (t < start + size)]
            shifts[:, i] = weights.follow * (here.mean() - centre) if len(here) else 0.0
    if weights.wander and seed is not None:
        shifts += np.random.default_rng(seed).normal(0.0, weights.wander, shifts.shape)
    middles = np.minimum(starts + size / 2, steps)
    return np.stack([np.interp(np.arange(steps), middles, row) for row in shifts])


def shift_registers(probabilities: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Move each voice's pitch probabilities up or down by ``shifts`` (3, steps) semitones, by octaves.

    A shift of s semitones mixes the probabilities moved by the two whole octaves either side of s
    (a shift of 6: half an octave up, half unmoved), so every pitch class keeps the model's weight and
    only the register moves; pitches pushed past the model's range are dropped.
    """
    def moved(octaves):  # (3, steps, pitches) moved by a per-step number of octaves
        out = np.zeros_like(probabilities)
        for k in np.unique(octaves):
            semis = int(12 * k)
            at = octaves == k
            rolled = np.roll(probabilities, semis, axis=2)
            if semis > 0:
                rolled[..., :semis] = 0.0
            elif semis < 0:
                rolled[..., semis:] = 0.0
            out = np.where(at[..., None], rolled, out)
        return out

    octaves = np.floor(np.asarray(shifts) / 12.0)
    upper = np.asarray(shifts) / 12.0 - octaves
    return (1.0 - upper)[..., None] * moved(octaves) + upper[..., None] * moved(octaves + 1)


def rest_where_the_model_rests(voices: np.ndarray, resting: np.ndarray, threshold: float = 1.0,
                               bar: int | None = None, bar_threshold: float = 1.0) -> np.ndarray:
    """``voices`` (3, steps, pitches) silenced at each step where ``resting`` (3, steps), the model's probability
    that the voice rests there, passes ``threshold`` (:attr:`VoicingWeights.rests`), and through each bar of
    ``bar`` steps where its mean over the bar passes ``bar_threshold`` (:attr:`VoicingWeights.tacet`); a new array.

    The chord decoding chooses pitches a beat at a time and holds them through the beat; the generator's
    probabilities also say *when* a voice sounds. Reading its rests back gives the accompaniment the
    genre's rhythm (bars of rest, detached notes) while the pitches stay the decoding's."""
    resting = np.asarray(resting, dtype=np.float64)
    silent = resting > threshold
    if bar and bar_threshold < 1.0:
        bars = resting.shape[1] // bar
        mean = resting[:, : bars * bar].reshape(3, bars, bar).mean(axis=2)
        silent[:, : bars * bar] |= np.repeat(mean > bar_threshold, bar, axis=1)
    return np.asarray(voices, dtype=bool) & ~silent[..., None]
