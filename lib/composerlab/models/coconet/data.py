"""The harmoniser's data: Bach chorales as four voices on an eighth-note grid, with meter and fermatas.

Every chorale of music21's corpus with Soprano, Alto, Tenor and Bass parts, in any meter our
grid holds (4/4, 3/4, 3/2 ...), is read once with its fermatas (where Bach's phrases end) and kept
in ``.cache/``. A piece is stored on the kit's 16th-note grid as one pitch per voice per step
(-1 for a rest); the model works on cells of two steps (an eighth note): a voice's pitch in a cell
is the one sounding at the cell's start. The split by chorale is the GAN's
(:func:`composerlab.models.gan.data.is_validation`), so the two models hold out the same pieces.

What the network reads at each cell (:func:`cell_inputs`): the melody (every pitch sounding in
the cell), the three other voices where they are known, a mask saying which are, and where the
cell sits: beat and bar position in the piece's meter, phrase ends (fermatas, or held melody
notes: :func:`composerlab.music.progressions.phrase_ends`), distance to the first and last melody
note, and the melody's pitch-class profile over the whole piece.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from composerlab.models.corpora.cache import Cache
from composerlab.models.corpora.chorales import parse_distinct, voice_index
from composerlab.models.gan.data import is_validation
from composerlab.music.harmony import beat_steps
from composerlab.music.pianoroll import steps_per_bar
from composerlab.music.progressions import melody_notes, phrase_ends

CACHE = Cache("coconet_chorales", version=1)
"""The parsed chorales (``.cache/coconet_chorales_v1.npz``), written once, atomically."""
STEPS_PER_CELL = 2
"""16th-note steps per model cell: the model writes one pitch per voice per eighth note."""
LOWEST_PITCH = 30
"""Lowest MIDI pitch of the model's pitch axis (F#1)."""
N_PITCHES = 60
"""Pitches on the model's axis: LOWEST_PITCH to LOWEST_PITCH + 59 (F6)."""
SOPRANO_CENTRE = 70
"""About the chorale sopranos' mean pitch: a melody is moved by whole octaves to sit near it."""
N_POSITION = 14
"""Position features per cell (see :func:`position_features`)."""
PAIRS = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
"""Pairs of lines (0 soprano, 1 alto, 2 tenor, 3 bass) whose interval the network reads at each cell."""
N_RELATIONS = len(PAIRS) * 12 + 4 * 3
"""Relation features per cell (see :func:`relations`)."""
N_INPUTS = N_PITCHES * 4 + 3 + N_RELATIONS + N_POSITION + 12
"""Input channels per cell: melody, three voices, three masks, relations, position, the melody's pitch-class profile."""


@dataclass
class Piece:
    """One chorale: ``pitches`` (4, steps) int16, the MIDI pitch of each voice at each 16th step or -1;
    ``onsets`` (4, steps) bool where a note starts; ``fermatas`` the steps of the soprano's fermata notes."""

    name: str
    time_signature: tuple
    pitches: np.ndarray
    onsets: np.ndarray
    fermatas: np.ndarray


def parse_piece(path) -> Piece | None:
    """A corpus file as a :class:`Piece`, or None when it lacks one of the four voices or its meter is off the grid."""
    import music21  # deferred: parsing the corpus is slow to import and rarely needed

    score = music21.corpus.parse(path)
    signatures = score.recurse().getElementsByClass(music21.meter.TimeSignature)
    if not signatures:
        return None
    meter = (signatures[0].numerator, signatures[0].denominator)
    try:
        bar = steps_per_bar(meter)
    except ValueError:
        return None
    parts = {}
    for part in score.parts:
        v = voice_index(part.partName or "")
        if v is not None and v not in parts:
            parts[v] = part
    if len(parts) != 4:
        return None
    measures = parts[0].getElementsByClass(music21.stream.Measure)
    shift = float(measures[0].paddingLeft or 0.0) if measures else 0.0  # a pickup: bar lines stay on the grid's
    notes = {v: [] for v in range(4)}
    fermatas = []
    for v, part in parts.items():
        for element in part.stripTies().flatten().notes:
            start = int(round((float(element.offset) + shift) * 4))
            length = int(round(float(element.quarterLength) * 4))
            if length <= 0:
                continue  # grace notes
            midi = [p.midi for p in element.pitches]
            notes[v].append((start, length, max(midi) if v < 2 else min(midi)))
            if v == 0 and any(isinstance(e, music21.expressions.Fermata) for e in element.expressions):
                fermatas.append(start)
    end = max(s + n for voice in notes.values() for s, n, _ in voice)
    steps = -(-end // bar) * bar
    pitches = np.full((4, steps), -1, dtype=np.int16)
    onsets = np.zeros((4, steps), dtype=bool)
    for v, voice in notes.items():
        for start, length, midi in voice:
            pitches[v, start: start + length] = midi
            onsets[v, start] = True
    return Piece(Path(str(path)).stem, meter, pitches, onsets, np.array(sorted(set(fermatas)), dtype=np.int32))


def load_pieces(limit: int | None = None, progress: bool = False) -> list[Piece]:
    """Every four-voice Bach chorale of the music21 corpus, parsed once and cached; the first ``limit`` by name.
    A chorale whose soprano repeats one kept is left out (one copy on each side of the split would leak)."""
    cached = CACHE.load()
    if cached is None:
        CACHE.save(_parse_corpus(progress))
        cached = CACHE.load()
    data = cached[0]
    names, meters = [str(n) for n in data["names"]], data["meters"]
    lengths, pitches, onsets = data["lengths"], data["pitches"], data["onsets"]
    n_fermatas, fermatas = data["n_fermatas"], data["fermatas"]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    f_bounds = np.concatenate([[0], np.cumsum(n_fermatas)])
    pieces = [Piece(names[i], tuple(int(x) for x in meters[i]), pitches[:, bounds[i]: bounds[i + 1]].copy(),
                    onsets[:, bounds[i]: bounds[i + 1]].copy(), fermatas[f_bounds[i]: f_bounds[i + 1]].copy())
              for i in range(len(names))]
    return pieces[:limit] if limit else pieces


def _parse_corpus(progress: bool) -> dict[str, np.ndarray]:
    """The corpus's chorales parsed, packed as the arrays :data:`CACHE` keeps."""
    import music21  # deferred: only the first run parses the corpus

    files = sorted((p for p in music21.corpus.getComposer("bach") if p.suffix in (".mxl", ".xml", ".krn")),
                   key=lambda p: p.name)
    pieces = parse_distinct(parse_piece, lambda piece: piece.pitches[0].tobytes(), files, progress)
    return {"names": np.array([p.name for p in pieces]), "meters": np.array([p.time_signature for p in pieces]),
            "lengths": np.array([p.pitches.shape[1] for p in pieces]),
            "pitches": np.concatenate([p.pitches for p in pieces], axis=1),
            "onsets": np.concatenate([p.onsets for p in pieces], axis=1),
            "n_fermatas": np.array([len(p.fermatas) for p in pieces]),
            "fermatas": np.concatenate([p.fermatas for p in pieces]).astype(np.int32)}


def split(pieces: list[Piece]) -> tuple[list[Piece], list[Piece]]:
    """(training, held-out) chorales, by the GAN's fixed hash of each name."""
    return [p for p in pieces if not is_validation(p.name)], [p for p in pieces if is_validation(p.name)]


def to_roll(pitches: np.ndarray, onsets: np.ndarray | None = None) -> np.ndarray:
    """(voices, steps) pitches (-1 rest) -> a (voices, steps, 128) uint8 roll; ``onsets`` keep repeated notes apart."""
    voices, steps = pitches.shape
    roll = np.zeros((voices, steps, 128), dtype=np.uint8)
    v, t = np.nonzero(pitches >= 0)
    velocity = np.full(len(v), 90, dtype=np.uint8)
    if onsets is not None:
        # A struck note takes the other of two velocities than the note before it, so repeats stay apart.
        parity = np.cumsum(onsets, axis=1) % 2
        velocity = (89 + parity[v, t]).astype(np.uint8)
    roll[v, t, pitches[v, t]] = velocity
    return roll


def melody_from_roll(roll: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A (steps, 128) melody roll -> (pitches, onsets): its top line, one pitch per step (-1: rest)."""
    steps = roll.shape[0]
    pitches = np.full(steps, -1, dtype=np.int16)
    onsets = np.zeros(steps, dtype=bool)
    for start, pitch, length in melody_notes(roll):
        pitches[start: start + length] = np.maximum(pitches[start: start + length], pitch)
        onsets[start] = True
    return pitches, onsets


def cells_of(pitches: np.ndarray) -> np.ndarray:
    """(voices, steps) step pitches -> (voices, cells): each voice's pitch at the start of each cell
    (at its second step when it rests at the first)."""
    steps = pitches.shape[-1]
    padded = np.full(pitches.shape[:-1] + (-(-steps // STEPS_PER_CELL) * STEPS_PER_CELL,), -1, dtype=pitches.dtype)
    padded[..., :steps] = pitches
    pairs = padded.reshape(pitches.shape[:-1] + (-1, STEPS_PER_CELL))
    return np.where(pairs[..., 0] >= 0, pairs[..., 0], pairs[..., 1])


def position_features(n_cells: int, time_signature, first: int, last: int, ends) -> np.ndarray:
    """(n_cells, N_POSITION) where each cell sits: meter, bar and beat, phrase ends, distance to the edges.

    ``first`` and ``last``: the cells where the melody starts and where its last note starts;
    ``ends``: the cells of phrase-ending notes. Columns: bar start, beat start, the cell's place in
    its bar (cosine and sine), beats per bar 2 / 3 / 4 / other (one-hot), compound meter,
    phrase-end note starts here, cells to the next phrase end (1 at it, falling to 0 eight cells
    before), cells to the last note and from the first (each as 1 / (1 + distance / 4)), before
    the first or after the last note.
    """
    bar = steps_per_bar(time_signature) // STEPS_PER_CELL
    beats = beat_steps(steps_per_bar(time_signature), time_signature)
    cell = np.arange(n_cells)
    in_bar = cell % bar
    out = np.zeros((n_cells, N_POSITION), dtype=np.float32)
    out[:, 0] = in_bar == 0
    out[:, 1] = np.isin(in_bar * STEPS_PER_CELL, beats)
    out[:, 2] = np.cos(2 * np.pi * in_bar / bar)
    out[:, 3] = np.sin(2 * np.pi * in_bar / bar)
    per_bar = len(beats)
    out[:, 4 + {2: 0, 3: 1, 4: 2}.get(per_bar, 3)] = 1
    numerator, denominator = time_signature
    out[:, 8] = denominator == 8 and numerator % 3 == 0 and numerator > 3
    ends = np.asarray(sorted(ends), dtype=int)
    out[ends[(ends >= 0) & (ends < n_cells)], 9] = 1
    if ends.size:
        following = np.searchsorted(ends, cell)  # the next phrase end at or after each cell
        distance = np.where(following < ends.size, ends[np.minimum(following, ends.size - 1)] - cell, 99)
        out[:, 10] = np.clip(1 - distance / 8, 0, 1)
    out[:, 11] = 1 / (1 + np.abs(last - cell) / 4)
    out[:, 12] = 1 / (1 + np.abs(cell - first) / 4)
    out[:, 13] = (cell < first) | (cell > last)
    return out


def melody_cells(pitches: np.ndarray) -> np.ndarray:
    """(steps,) melody pitches -> (cells, N_PITCHES) booleans: every model pitch sounding in each cell."""
    steps = len(pitches)
    n_cells = -(-steps // STEPS_PER_CELL)
    out = np.zeros((n_cells, N_PITCHES), dtype=bool)
    index = np.asarray(pitches, dtype=int) - LOWEST_PITCH
    t = np.flatnonzero((pitches >= 0) & (index >= 0) & (index < N_PITCHES))
    out[t // STEPS_PER_CELL, index[t]] = True
    return out


def context(melody_pitches: np.ndarray, melody_onsets: np.ndarray, time_signature,
            fermatas=None) -> np.ndarray:
    """(cells, N_PITCHES + N_POSITION + 12) what the network reads of the melody and the grid, for a whole piece.

    ``melody_pitches`` (steps,) in the model's octave (-1: rest), ``melody_onsets`` (steps,) note starts,
    ``fermatas`` steps of fermata notes if the score has them (else phrase ends come from held notes).
    """
    positions = melody_positions(melody_pitches, melody_onsets, time_signature, fermatas)
    return np.concatenate([melody_cells(melody_pitches), positions,
                           np.broadcast_to(profile(melody_pitches), (len(positions), 12))], axis=1)


def melody_positions(melody_pitches: np.ndarray, melody_onsets: np.ndarray, time_signature,
                     fermatas=None) -> np.ndarray:
    """:func:`position_features` of a melody: its first and last notes and its phrase ends, on its cells."""
    steps = len(melody_pitches)
    n_cells = -(-steps // STEPS_PER_CELL)
    roll = np.zeros((steps, 128), dtype=np.uint8)
    parity = np.cumsum(melody_onsets) % 2
    t = np.flatnonzero(melody_pitches >= 0)
    roll[t, melody_pitches[t]] = 89 + parity[t]
    ends = phrase_ends(roll, tuple(time_signature), fermatas) // STEPS_PER_CELL
    starts = np.flatnonzero(melody_onsets & (melody_pitches >= 0))
    first = int(starts[0]) // STEPS_PER_CELL if starts.size else 0
    last = int(starts[-1]) // STEPS_PER_CELL if starts.size else n_cells - 1
    return position_features(n_cells, time_signature, first, last, ends)


def profile(melody_pitches: np.ndarray) -> np.ndarray:
    """(12,) the melody's pitch classes weighted by sounding time, its largest 1 (C first)."""
    sounding = melody_pitches[melody_pitches >= 0]
    counts = np.bincount(sounding % 12, minlength=12).astype(np.float32)
    return counts / max(counts.max(), 1.0)


def voice_inputs(voices: np.ndarray, known: np.ndarray) -> np.ndarray:
    """(cells, 3) model-axis pitch indices (-1 none) and (cells, 3) known flags -> (cells, 3 * N_PITCHES + 3).

    A voice's one-hot pitch where it is known, zeros where not; then the three masks (1: to be written).
    """
    cells = voices.shape[0]
    one_hot = np.zeros((cells, 3, N_PITCHES), dtype=np.float32)
    t, v = np.nonzero(known & (voices >= 0))
    one_hot[t, v, voices[t, v]] = 1
    return np.concatenate([one_hot.reshape(cells, -1), (~known).astype(np.float32)], axis=1)


def relations(melody: np.ndarray, voices: np.ndarray, known: np.ndarray) -> np.ndarray:
    """(cells, N_RELATIONS) how the known lines stand to each other, which a network over absolute pitches
    would have to learn pitch by pitch: for each of :data:`PAIRS` the interval class (semitones mod 12,
    one-hot) where both lines are known; for each line whether it moved up, down or stayed since the cell
    before (one-hot), where it is known at both.

    ``melody`` is the (cells, N_PITCHES) melody cells (its top pitch counts), ``voices`` and ``known`` (cells, 3).
    """
    cells = len(voices)
    top = np.where(melody.any(axis=1), N_PITCHES - 1 - np.argmax(melody[:, ::-1], axis=1), -1)
    lines = np.concatenate([top[:, None], np.where(known & (voices >= 0), voices, -1)], axis=1)  # (cells, 4)
    out = np.zeros((cells, N_RELATIONS), dtype=np.float32)
    for i, (a, b) in enumerate(PAIRS):
        t = np.flatnonzero((lines[:, a] >= 0) & (lines[:, b] >= 0))
        out[t, 12 * i + (lines[t, a] - lines[t, b]) % 12] = 1
    both = (lines[1:] >= 0) & (lines[:-1] >= 0)
    step = np.sign(lines[1:] - lines[:-1])  # -1 down, 0 same, 1 up
    t, line = np.nonzero(both)
    out[t + 1, len(PAIRS) * 12 + 3 * line + step[t, line] + 1] = 1
    return out


def cell_inputs(context_: np.ndarray, voices: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The network's (cells, N_INPUTS) input: the melody, the known voices, their masks, relations, position and profile."""
    melody = context_[:, :N_PITCHES]
    return np.concatenate([melody, voice_inputs(voices, known), relations(melody, voices, known),
                           context_[:, N_PITCHES:]], axis=1)


@dataclass
class Example:
    """One chorale ready for training, untransposed: the melody's (steps,) MIDI pitches, the three
    lower voices' (cells, 3) MIDI pitches (-1: rest), and its position features with phrase ends read
    from the fermatas and from held notes (see :func:`melody_positions`)."""

    name: str
    melody: np.ndarray
    voices: np.ndarray
    positions: np.ndarray
    positions_held: np.ndarray

    def shift_range(self, low: int = -6, high: int = 5) -> tuple[int, int]:
        """The transpositions from ``low`` to ``high`` semitones that keep every note on the model's axis."""
        used = np.concatenate([self.melody[self.melody >= 0], self.voices[self.voices >= 0]])
        return max(low, LOWEST_PITCH - int(used.min())), min(high, LOWEST_PITCH + N_PITCHES - 1 - int(used.max()))


def examples(pieces: list[Piece]) -> list[Example]:
    """Every piece as an :class:`Example`."""
    out = []
    for piece in pieces:
        melody = piece.pitches[0]
        out.append(Example(piece.name, melody, cells_of(piece.pitches[1:]).T.astype(np.int16),
                           melody_positions(melody, piece.onsets[0], piece.time_signature, piece.fermatas),
                           melody_positions(melody, piece.onsets[0], piece.time_signature, None)))
    return out


def window(example: Example, start: int, length: int, shift: int, held: bool) -> tuple[np.ndarray, np.ndarray]:
    """Cells ``start`` to ``start + length`` of an example transposed by ``shift``: (context, voices).

    ``context`` is (length, N_PITCHES + N_POSITION + 12) as :func:`context` makes it; ``voices`` is
    (length, 3) model-axis pitch indices, -1 where a voice rests (or beyond the piece: zero padding).
    ``held``: phrase ends from held notes instead of fermatas.
    """
    melody = np.where(example.melody >= 0, example.melody + shift, -1)
    cells = len(example.voices)
    ctx = np.zeros((length, N_PITCHES + N_POSITION + 12), dtype=np.float32)
    voices = np.full((length, 3), -1, dtype=np.int64)
    a, b = max(start, 0), min(start + length, cells)
    if b > a:
        ctx[a - start: b - start, :N_PITCHES] = melody_cells(melody[a * STEPS_PER_CELL: b * STEPS_PER_CELL])
        ctx[a - start: b - start, N_PITCHES: N_PITCHES + N_POSITION] = \
            (example.positions_held if held else example.positions)[a:b]
        ctx[a - start: b - start, N_PITCHES + N_POSITION:] = profile(melody)
        part = example.voices[a:b]
        voices[a - start: b - start] = np.where(part >= 0, part + shift - LOWEST_PITCH, -1)
    return ctx, voices


def random_masks(cells: int, rng: np.random.Generator) -> np.ndarray:
    """(cells, 3) booleans, True where the voice is known: Coconet's orderless masks, and runs.

    One time in eight all three voices are hidden (how generation starts); one in eight a whole voice
    or two; three in eight a share drawn uniformly from 0 to 1 of the cells; three in eight the same
    share of each voice's runs of 2 to 8 cells (generation hides runs, so that a note lasting several
    cells can move as a whole).
    """
    draw = rng.random()
    if draw < 0.125:
        return np.zeros((cells, 3), dtype=bool)
    if draw < 0.25:
        hidden = rng.random(3) < 0.5
        hidden[rng.integers(3)] = True
        return np.broadcast_to(~hidden, (cells, 3)).copy()
    share = rng.random()
    if draw < 0.625:
        return rng.random((cells, 3)) >= share
    span = int(rng.integers(2, 9))
    runs = (np.arange(cells) + int(rng.integers(span))) // span
    return (rng.random((runs[-1] + 1, 3)) >= share)[runs]
