"""The AR-CNN's data: chorale voices merged into one roll, and the corruption it learns to undo.

The chorales and their split come from the corpus floor; here the four voices are merged into one
track, as in the original AR-CNN, and cut into windows of whole bars (:func:`build_dataset`). A
training pair is an original window against a corrupted copy: notes removed and random cells switched
on (the paper's), notes moved a semitone, and in a share of the windows one voice alone detuned as
the quality measure detunes a tune (:func:`training_pairs`). A "note" of the AR-CNN is one cell of the
piano roll: one pitch for one 16th-note step. Introduced in lab 05.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from composerlab.models.arcnn.key_estimator import key_input, key_profile
from composerlab.models.corpora.chorales import LOWEST_PITCH, N_MODEL_PITCHES, load_chorales
from composerlab.models.corpora.folk import book_files, parse_book
from composerlab.models.corpora.split import is_validation
from composerlab.models.gan.data import transposed_batch
from composerlab.music.key import estimate_key, scale_mask
from composerlab.music.pianoroll import STEPS_PER_BAR, note_runs, steps_per_bar


@dataclass
class MergedDataset:
    """Windows of whole bars, all voices merged, split by chorale as the GAN's dataset.

    Attributes
    ----------
    train, validation : ndarray
        Boolean (windows, 4, bars * 16, 128): the voices apart, merged when a
        batch is drawn (:func:`training_pairs`), so a window can keep only
        some of its voices.
    train_names, validation_names : list of str
        The chorales each split was cut from (never shared).
    """

    train: np.ndarray
    validation: np.ndarray
    train_names: list = field(default_factory=list)
    validation_names: list = field(default_factory=list)
    bars: int = 8

    def summary(self) -> dict:
        """Pieces and windows of each split, for people."""
        return {"train_pieces": len(self.train_names), "validation_pieces": len(self.validation_names),
                "train_windows": int(len(self.train)), "validation_windows": int(len(self.validation)),
                "bars_per_window": self.bars}


def merge_voices(roll: np.ndarray) -> np.ndarray:
    """(voices, steps, 128) -> (steps, 128): a cell is on when any voice sings it."""
    return np.asarray(roll).astype(bool).any(axis=0)


def voice_windows(roll: np.ndarray, bars: int = 8, hop_bars: int = 2) -> np.ndarray:
    """Cut a (voices, steps, 128) roll into windows of ``bars`` bars every ``hop_bars`` bars.

    A piece shorter than one window becomes one window, padded with silence.
    """
    size, hop = bars * STEPS_PER_BAR, hop_bars * STEPS_PER_BAR
    if roll.shape[1] < size:
        roll = np.pad(roll, ((0, 0), (0, size - roll.shape[1]), (0, 0)))
    return np.stack([roll[:, s: s + size] for s in range(0, roll.shape[1] - size + 1, hop)])


def build_dataset(bars: int = 8, hop_bars: int = 2, limit: int | None = None) -> MergedDataset:
    """Every corpus chorale, voices merged, in windows; the GAN's split by chorale.

    Parameters
    ----------
    bars : int
        Bars per window (8, as the original: 128 steps).
    hop_bars : int
        Bars between the starts of two windows.
    limit : int, optional
        Only the first ``limit`` chorales (small runs for tests and labs).
    """
    train, val, train_names, val_names = [], [], [], []
    for chorale in load_chorales(limit):
        cut = voice_windows(chorale.roll, bars, hop_bars)
        if is_validation(chorale.name):
            val.append(cut)
            val_names.append(chorale.name)
        else:
            train.append(cut)
            train_names.append(chorale.name)
    empty = np.zeros((0, 4, bars * STEPS_PER_BAR, 128), dtype=bool)
    return MergedDataset(np.concatenate(train) if train else empty, np.concatenate(val) if val else empty,
                         train_names, val_names, bars)


def transposed(windows: np.ndarray, index: np.ndarray, rng: np.random.Generator, max_shift: int = 5,
               lowest: int = LOWEST_PITCH, n_pitches: int = N_MODEL_PITCHES) -> np.ndarray:
    """Windows ``index`` transposed by a random shift each, cropped to the model range: boolean (n, 4, steps, pitches).

    Uses the GAN's transposition (a shift never pushes a note out of range).
    """
    return transposed_batch(windows, index, rng, max_shift, lowest, n_pitches) > 0


def pitch_classes(n_pitches: int = N_MODEL_PITCHES, lowest: int = LOWEST_PITCH) -> np.ndarray:
    """(n_pitches,) pitch class (C = 0) of each model pitch."""
    return (lowest + np.arange(n_pitches)) % 12


def window_scale(roll: np.ndarray, lowest: int = LOWEST_PITCH) -> np.ndarray:
    """(12,) booleans: the scale of the key of a (steps, pitches) model roll (Krumhansl, as the quality measure)."""
    full = np.zeros((roll.shape[0], 128), dtype=bool)
    full[:, lowest: lowest + roll.shape[1]] = roll
    return scale_mask(estimate_key(full))


def shift_notes(roll: np.ndarray, share: float, rng: np.random.Generator, scale: np.ndarray | None = None,
                lowest: int = LOWEST_PITCH) -> np.ndarray:
    """Move a random ``share`` of the notes of a (steps, pitches) roll a semitone up or down.

    With ``scale`` (12 booleans, see :func:`window_scale`) only in-key notes
    move, and always out of the key, as a wrong note in a melody does (and
    as the quality measure detunes a tune); without it any note moves either way.
    """
    out = np.array(roll, dtype=bool)
    runs = note_runs(out)
    n = int(round(share * len(runs)))
    pcs = pitch_classes(out.shape[1], lowest)

    def ok(pitch, step):
        return 0 <= pitch + step < out.shape[1] and (scale is None or (scale[pcs[pitch]]
                                                                       and not scale[pcs[pitch + step]]))

    candidates = [i for i, (pitch, _, _) in enumerate(runs) if ok(pitch, -1) or ok(pitch, 1)]
    if n == 0 or not candidates:
        return out
    for i in rng.choice(candidates, min(n, len(candidates)), replace=False):
        pitch, start, end = runs[i]
        steps = [d for d in (-1, 1) if ok(pitch, d)]
        step = int(rng.choice(steps))
        if out[start:end, pitch + step].any():  # another voice already sings there: leave this note
            continue
        out[start:end, pitch] = False
        out[start:end, pitch + step] = True
    return out


def corrupt(originals: np.ndarray, rng: np.random.Generator, add_share=(0.01, 0.015), shift_probability: float = 0.5,
            max_shift_share: float = 0.3, scales: np.ndarray | None = None, remove_share=(0.0, 1.0)) -> np.ndarray:
    """Corrupted copies of boolean (n, steps, pitches) rolls, the training inputs.

    In each roll: with probability ``shift_probability`` a share (0 to
    ``max_shift_share``) of the notes moves a semitone (out of the key when
    ``scales``, (n, 12) booleans, are given); then a share of the on cells,
    uniform in ``remove_share``, is removed, and a share of all cells,
    uniform in ``add_share``, is drawn at random and switched on (a drawn
    cell that is already on stays on).
    """
    out = np.empty_like(originals, dtype=bool)
    cells = originals.shape[1] * originals.shape[2]
    for i, original in enumerate(originals):
        roll = original.copy()
        if rng.random() < shift_probability:
            roll = shift_notes(roll, rng.uniform(0.0, max_shift_share), rng, None if scales is None else scales[i])
        on = np.flatnonzero(roll)
        if on.size:
            remove = rng.choice(on, int(round(rng.uniform(*remove_share) * on.size)), replace=False)
            roll.flat[remove] = False
        n_add = int(round(rng.uniform(*add_share) * cells))
        roll.flat[rng.choice(cells, n_add, replace=False)] = True
        out[i] = roll
    return out


def keep_some_voices(voices: np.ndarray, rng: np.random.Generator, share: float = 0.5,
                     solo_share: float = 0.0) -> np.ndarray:
    """Merge (n, 4, steps, pitches) voices into (n, steps, pitches); some windows keep fewer voices.

    In ``solo_share`` of the windows only one voice is kept (the soprano
    three times in four, the tune of a melody; else another voice); in
    ``share`` of the others, 1-3 random voices. A lone melody is music too:
    a window of one voice teaches the network that a wrong note in a bare
    tune is wrong, not only that the missing voices are missing.
    """
    if share <= 0 and solo_share <= 0:  # draw nothing: the random stream stays that of a run without these options
        return voices.any(axis=1)
    voices = voices.copy()
    solo = rng.random(len(voices)) < solo_share
    for i in np.flatnonzero(solo):
        kept = 0 if rng.random() < 0.75 else int(rng.integers(1, voices.shape[1]))
        voices[i, np.arange(voices.shape[1]) != kept] = False
    for i in np.flatnonzero(~solo & (rng.random(len(voices)) < share)):
        kept = rng.choice(voices.shape[1], int(rng.integers(1, voices.shape[1])), replace=False)
        dropped = np.setdiff1d(np.arange(voices.shape[1]), kept)
        voices[i, dropped] = False
    return voices.any(axis=1)


def detuned_tune(voices: np.ndarray, rng: np.random.Generator, shift_share=(0.05, 0.3), gap_share=(0.0, 0.25),
                 lowest: int = LOWEST_PITCH) -> np.ndarray:
    """One voice of a (4, steps, pitches) window, detuned the way the quality measure detunes a tune.

    The voice is the soprano three times in four (a tune), else another
    voice. A share of its notes, uniform in ``shift_share``, moves a semitone
    out of the voice's own key (as :func:`composerlab.models.evaluation.arcnn.detune`
    does, the key estimated from the clean voice); then a share of its notes,
    uniform in ``gap_share``, is taken out whole, as the edit loop leaves a
    wrong note it has just removed. Returns the (steps, pitches) input and the clean voice.
    """
    voice = 0 if rng.random() < 0.75 or len(voices) == 1 else int(rng.integers(1, voices.shape[0]))
    line = voices[voice]
    out = shift_notes(line, rng.uniform(*shift_share), rng, window_scale(line, lowest), lowest)
    runs = note_runs(out)
    n_gaps = int(round(rng.uniform(*gap_share) * len(runs)))
    for i in (rng.choice(len(runs), n_gaps, replace=False) if n_gaps else []):
        pitch, start, end = runs[i]
        out[start:end, pitch] = False
    return out, line


def training_pairs(windows: np.ndarray, index: np.ndarray, rng: np.random.Generator, max_shift: int = 5,
                   voice_subset_share: float = 0.0, solo_share: float = 0.0, out_of_key: bool = False,
                   tune_share: float = 0.0, tune_weight: float = 1.0, clean_key: bool = False,
                   **corruption) -> tuple[np.ndarray, ...]:
    """(inputs, targets) float32 (n, steps, pitches): corrupted rolls and the cells where they differ from the originals.

    The AR-CNN paper's pair: from an original window, a random share (0 to 100%) of its notes removed and
    a few random cells (1 to 1.5% of the window's) switched on; the network is asked where the corrupted
    roll differs. Ours adds, in half of the windows, notes moved a semitone (a sung or typed wrong note),
    and the detuned tunes below. (``voice_subset_share`` lets the original keep one to three voices in a
    share of the windows; the shipped model does not use it: see its card.)

    ``windows`` are (n, 4, steps, 128) voices; see :func:`keep_some_voices`
    and :func:`corrupt`. With ``out_of_key`` the wrong notes move out of the
    key of the whole window (all four voices), estimated as the quality measure does.

    In ``tune_share`` of the windows the input is instead one voice alone,
    detuned as the quality measure detunes a tune (:func:`detuned_tune`), and
    the original is the whole window: the network learns to find a bare
    tune's wrong notes, to put notes in its gaps, and to harmonise it.

    A target cell weighs 1, except in a tune's own line: its wrong notes,
    their right pitches and its gaps weigh ``tune_weight``. The loss's target
    distribution is uniform over the cells that differ, each weighted so
    (all 1: the paper's). A weight above 1 makes the network rank mending
    the tune above writing one of the many missing harmony notes, so the
    edit loop cleans a tune before it adds to it.

    With ``clean_key`` it returns (inputs, targets, keys): ``keys`` (n, 12) is the key input the
    edit loop gives the network, made from the clean key (:func:`key_inputs`): a tune's clean
    line's Krumhansl key, else the original window's. It draws nothing more from ``rng``.
    """
    voices = transposed(windows, index, rng, max_shift)
    scales = np.stack([window_scale(v.any(axis=0)) for v in voices]) if out_of_key else None
    tunes = rng.random(len(voices)) < tune_share if tune_share > 0 else np.zeros(len(voices), bool)
    originals = keep_some_voices(voices, rng, voice_subset_share, solo_share)
    inputs = corrupt(originals, rng, scales=scales, **corruption)
    own_line = np.zeros_like(inputs)
    keyed_on = originals.copy()  # the clean music whose key the network is told: the window, or a tune's line
    for i in np.flatnonzero(tunes):
        originals[i] = voices[i].any(axis=0)
        inputs[i], line = detuned_tune(voices[i], rng)
        own_line[i] = inputs[i] | line
        keyed_on[i] = line
    differ = inputs != originals
    # A window whose corruption changed nothing has no cell to find: toggle one at random.
    for i in np.flatnonzero(~differ.any(axis=(1, 2))):
        cell = rng.integers(differ[i].size)
        inputs[i].flat[cell] = ~inputs[i].flat[cell]
        differ[i].flat[cell] = True
    targets = np.where(differ & own_line, np.float32(tune_weight), differ.astype(np.float32))
    if clean_key:
        return inputs.astype(np.float32), targets.astype(np.float32), key_inputs(inputs, keyed_on)
    return inputs.astype(np.float32), targets.astype(np.float32)


def key_inputs(inputs: np.ndarray, clean: np.ndarray, lowest: int = LOWEST_PITCH) -> np.ndarray:
    """(n, 12) key inputs for (n, steps, pitches) ``inputs``, told the key of the ``clean`` rolls.

    The same key input the edit loop gives the network (:func:`composerlab.models.arcnn.key_estimator.key_input`):
    each input's own pitch-class weights (:func:`~composerlab.models.arcnn.key_estimator.key_profile`),
    every class outside the scale of the clean roll's Krumhansl key (:func:`window_scale`, the
    quality measure's key) weighing a tenth, summing to 1.
    """
    profiles = key_profile(inputs, lowest)
    return np.stack([key_input(profile, window_scale(roll, lowest))
                     for profile, roll in zip(profiles, clean)]).astype(np.float32)


MELODY_BOOKS = ("essenFolksong/altdeu20.abc", "essenFolksong/ballad20.abc", "essenFolksong/ballad30.abc",
                "essenFolksong/boehme10.abc", "essenFolksong/erk10.abc", "essenFolksong/han1.abc",
                "essenFolksong/kinder0.abc", "oneills1850/0101-0200.abc", "oneills1850/0201-0300.abc",
                "oneills1850/0301-0350.abc", "oneills1850/0351-0400.abc")
"""The folk books whose tunes, in every meter, the AR-CNN learns to mend beside the chorales (the key
estimator's books too); the bench's books are others."""
MELODY_CENTRE = 70
"""Mean pitch a folk melody is moved to by octaves (the chorale sopranos' mean, as the edit loop places a tune)."""


@dataclass
class MelodyWindows:
    """Folk melodies in windows of ``steps`` steps (each starting on a bar line of its own meter), split by tune.

    Attributes
    ----------
    train, validation : ndarray
        Boolean (windows, 1, steps, 128): one voice, so :func:`transposed` moves them as it moves chorales.
    """

    train: np.ndarray
    validation: np.ndarray
    tunes: int = 0

    def summary(self) -> dict:
        return {"melody_tunes": self.tunes, "melody_train_windows": int(len(self.train)),
                "melody_validation_windows": int(len(self.validation))}


def melody_windows(books, steps: int = 8 * STEPS_PER_BAR, hop_bars: int = 2) -> MelodyWindows:
    """Every tune of the folk ``books`` (all meters of :data:`~composerlab.models.corpora.folk.MELODY_METERS`) as
    one-voice windows, moved by octaves near :data:`MELODY_CENTRE` and into the model's range."""
    files = dict(book_files())
    train, validation, tunes = [], [], 0
    for book in books:
        for tune in parse_book(book, files[book]):
            pitches = tune.notes[:, 1]
            shift = 12 * int(round((MELODY_CENTRE - pitches.mean()) / 12))
            while pitches.min() + shift < LOWEST_PITCH:
                shift += 12
            if pitches.max() + shift >= LOWEST_PITCH + N_MODEL_PITCHES:
                continue
            end = int((tune.notes[:, 0] + tune.notes[:, 2]).max())
            roll = np.zeros((max(end, steps), 128), bool)
            for start, pitch, length in tune.notes:
                roll[start: start + length, pitch + shift] = True
            hop = hop_bars * steps_per_bar(tuple(tune.meter))
            cut = [roll[s: s + steps] for s in range(0, max(1, len(roll) - steps + 1), hop)]
            (validation if is_validation(tune.name) else train).extend(cut)
            tunes += 1
    empty = np.zeros((0, 1, steps, 128), bool)
    return MelodyWindows(np.stack(train)[:, None] if train else empty,
                         np.stack(validation)[:, None] if validation else empty, tunes)


def melody_pairs(windows: np.ndarray, index: np.ndarray, rng: np.random.Generator, max_shift: int = 5,
                 clean_key: bool = False, shift_share=(0.05, 0.3), gap_share=(0.0, 0.25)):
    """(inputs, targets[, keys]) for folk-melody windows: each melody detuned as a tune pair's voice is
    (:func:`detuned_tune`), the original the clean melody alone (no harmony to add): every target
    cell is one of the melody's own fixes."""
    lines = transposed(windows, index, rng, max_shift)[:, 0]
    inputs = np.empty_like(lines)
    for i, line in enumerate(lines):
        inputs[i] = detuned_tune(line[None], rng, shift_share, gap_share)[0]
    differ = inputs != lines
    for i in np.flatnonzero(~differ.any(axis=(1, 2))):  # nothing moved: one cell to find, as training_pairs
        cell = rng.integers(differ[i].size)
        inputs[i].flat[cell] = ~inputs[i].flat[cell]
        differ[i].flat[cell] = True
    targets = differ.astype(np.float32)
    if clean_key:
        return inputs.astype(np.float32), targets, key_inputs(inputs, lines)
    return inputs.astype(np.float32), targets
