"""The AR-CNN edit loop: music in, the same music with notes added and removed out.

Each iteration is one pass of the network over the whole piano roll: it
scores every cell, a softmax with a temperature turns the scores into
probabilities, one cell is drawn, and that cell is toggled: a note that
was there is removed, a silent cell gets a note. As in the original AR-CNN
a "note" here is one cell: one pitch for one 16th-note step, so a quarter
note is four cells. Four parameters steer it, as in the AWS DeepComposer
studio:

===============  ======================================  ===========  =======
parameter        meaning                                 range        default
===============  ======================================  ===========  =======
iterations       edit steps (one cell toggled each)      1-1000       100
max_removed      most of the input's cells removed, %    0-100        40
max_added        most cells added                        0-1000       100
temperature      "creative risk": low sure, high wild    0.1-5        0.3
===============  ======================================  ===========  =======

A removed note may come back at another pitch: when a later draw lands on a
silent cell inside the removed note's span, within a whole tone of its
pitch, the note is put back over its whole span at the drawn pitch (see
``replace`` in :func:`edit`). A wrong note is put in tune in two draws, the
network choosing the pitch each time.

The budgets hold exactly: when ``max_removed`` is spent the loop may no
longer switch off a cell of the input (it may still put back one it took
away, or take back one it added), and likewise for ``max_added``. The
result keeps the record: every step, and which cells were added and which
removed. From a terminal::

    composerlab compose twinkle --model arcnn --iterations 100 -o out.mid

Introduced in lab 05.
"""
from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError, ParameterError
from composerlab.models.arcnn.cells import REPLACE_SEMITONES, _gap_at, _replaced_span, _run_bounds, _runs  # noqa: F401
from composerlab.music import metrics
from composerlab.music.pianoroll import (
    DEFAULT_BARS,
    DEFAULT_VELOCITY,
    STEPS_PER_BAR,
    new_multitrack,
    roll_to_notes,
    time_signature_of,
)

MODELS = {"arcnn": "arcnn"}
"""Model names -> weight files in ``data/models/`` (``<file>.weights.h5`` + ``<file>.json``)."""
DEFAULTS = {"iterations": 100, "max_removed": 40.0, "max_added": 100, "temperature": 0.3}
"""The parameters a default run uses (lab 05 explains each)."""
RANGES = {"iterations": (1, 1000), "max_removed": (0, 100), "max_added": (0, 1000), "temperature": (0.1, 5.0)}
"""The values each parameter accepts, inclusive."""
KEY_ANCHOR = 0.5
"""How much of the key the network reads is the input's (see ``key_anchor`` in :func:`edit`)."""
SOPRANO_CENTRE = 70
"""Mean pitch of the chorale sopranos: a melody's top line is moved by octaves to sit near it."""


def check_parameters(iterations, max_removed, max_added, temperature) -> dict:
    """The four parameters as numbers, or a :class:`ParameterError` naming the first bad one and why."""
    given = {"iterations": iterations, "max_removed": max_removed, "max_added": max_added,
             "temperature": temperature}
    out = {}
    for name, value in given.items():
        low, high = RANGES[name]
        unit = " (percent of the input's notes)" if name == "max_removed" else ""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(name, f"must be a number from {low} to {high}{unit}, got {value!r}")
        if not math.isfinite(value) or not low <= value <= high:
            raise ParameterError(name, f"must be from {low} to {high}{unit}, got {value}")
        if name in ("iterations", "max_added"):
            if float(value) != int(value):
                raise ParameterError(name, f"must be a whole number, got {value}")
            value = int(value)
        out[name] = value if name in ("iterations", "max_added") else float(value)
    return out


def model_path(model: str) -> Path:
    """Where a named model's weights live, or the path itself for one you trained."""
    from composerlab.paths import models_dir

    return models_dir() / MODELS[model] if model in MODELS else Path(model)


@lru_cache(maxsize=4)
def load_model(model: str = "arcnn"):
    """The trained :class:`composerlab.models.arcnn.network.ARCNN` for a name or weight path; cached."""
    from composerlab.models.arcnn.network import load_arcnn

    return load_arcnn(model_path(model))


@dataclass
class EditResult:
    """What an edit run did.

    Attributes
    ----------
    input_roll, output_roll : ndarray
        Boolean (steps, 128) rolls before and after, in the input's own register.
    steps : list of tuple
        Every edit in order: ``(iteration, step, pitch, "add" | "remove", length)``: the ``length``
        cells from ``step`` on. An addition is one cell, or a whole note put back right after a
        removal (see ``replace`` in :func:`edit`); a removal is a whole note.
    parameters : dict
        The four parameters and the seed used.
    music : pypianoroll.Multitrack
        The result as music: one track with every note of ``output_roll``.
    """

    input_roll: np.ndarray
    output_roll: np.ndarray
    steps: list
    parameters: dict
    music: pypianoroll.Multitrack
    tempo: float = 100.0
    name: str = ""
    time_signature: tuple = (4, 4)

    @property
    def added_cells(self) -> np.ndarray:
        """(steps, 128) booleans: on after, off before."""
        return self.output_roll & ~self.input_roll

    @property
    def removed_cells(self) -> np.ndarray:
        """(steps, 128) booleans: on before, off after."""
        return self.input_roll & ~self.output_roll

    @property
    def added_notes(self) -> list:
        """The added cells as :class:`~composerlab.music.pianoroll.Note` runs."""
        return roll_to_notes(self.added_cells)

    @property
    def removed_notes(self) -> list:
        """The removed cells as note runs."""
        return roll_to_notes(self.removed_cells)

    def summary(self) -> dict:
        """Counts, in cells (16th-note steps of one pitch) and in note runs."""
        return {"input_cells": int(self.input_roll.sum()), "output_cells": int(self.output_roll.sum()),
                "added_cells": int(self.added_cells.sum()), "removed_cells": int(self.removed_cells.sum()),
                "added_notes": len(self.added_notes), "removed_notes": len(self.removed_notes),
                "toggles": len(self.steps), **self.parameters}

    def as_tracks(self) -> pypianoroll.Multitrack:
        """Three tracks, Kept, Removed and Added, for the player and the piano roll (blue, red, green).

        Mute track 1 (Removed) to hear the result: ``Player(r.as_tracks()).set_muted(1)``.
        """
        kept = self.input_roll & self.output_roll
        tracks = [pypianoroll.StandardTrack(name=name, program=0, pianoroll=roll.astype(np.uint8) * DEFAULT_VELOCITY)
                  for name, roll in (("Kept", kept), ("Removed", self.removed_cells), ("Added", self.added_cells))]
        return new_multitrack(tracks, self.input_roll.shape[0], self.tempo, self.time_signature, self.name)

    def rolls(self):
        """The roll after each toggle (step 0: the input), for animations."""
        roll = self.input_roll.copy()
        yield roll.copy()
        for _, step, pitch, action, length in self.steps:
            roll[step: step + length, pitch] = action == "add"
            yield roll.copy()


def merged_roll(music: pypianoroll.Multitrack, bars: int = DEFAULT_BARS) -> np.ndarray:
    """Every pitched track of ``music`` in one boolean (steps, 128) roll of whole bars, at most ``bars`` bars.

    Raises :class:`MusicFileError` for music without notes; longer music is cut
    with a :class:`composerlab.music.melody.ClippedWarning`.
    """
    from composerlab.music.melody import ClippedWarning

    rolls = [np.asarray(t.pianoroll) > 0 for t in music.tracks if not t.is_drum]
    length = max((int(np.flatnonzero(r.any(axis=1))[-1]) + 1 for r in rolls if r.any()), default=0)
    if length == 0:
        raise MusicFileError(music.name or "music", "has no notes to edit")
    if length > bars * STEPS_PER_BAR:
        warnings.warn(f"{music.name or 'the music'} is {-(-length // STEPS_PER_BAR)} bars long; "
                      f"editing the first {bars} and leaving out the rest", ClippedWarning, stacklevel=3)
        length = bars * STEPS_PER_BAR
    out = np.zeros((-(-length // STEPS_PER_BAR) * STEPS_PER_BAR, 128), dtype=bool)
    for roll in rolls:
        n = min(len(roll), length)
        out[:n] |= roll[:n]
    return out


def octave_shift(roll: np.ndarray, lowest: int, n_pitches: int) -> int:
    """Semitones (a multiple of 12) that bring the top line's mean near the sopranos' and the notes into range."""
    steps = np.flatnonzero(roll.any(axis=1))
    top = 127 - np.argmax(roll[steps, ::-1], axis=1)
    pitches = np.flatnonzero(roll.any(axis=0))
    choices = [12 * k for k in range(-4, 5)]

    def cost(shift):
        outside = np.sum((pitches + shift < lowest) | (pitches + shift >= lowest + n_pitches))
        return (outside, abs(top.mean() + shift - SOPRANO_CENTRE))

    return min(choices, key=cost)


def edit(music: pypianoroll.Multitrack, seed: int = 0, iterations: int = DEFAULTS["iterations"],
         max_removed: float = DEFAULTS["max_removed"], max_added: int = DEFAULTS["max_added"],
         temperature: float = DEFAULTS["temperature"], model: str = "arcnn",
         bars: int = DEFAULT_BARS, whole_notes: bool = True, replace: bool = True,
         key_anchor: float = KEY_ANCHOR, key="estimate") -> EditResult:
    """Edit ``music`` one cell at a time with the AR-CNN.

    Parameters
    ----------
    music : pypianoroll.Multitrack
        A melody or a composition; its pitched tracks are merged into one roll.
    seed : int
        Chooses the draws: same seed, same input, same parameters, same result.
    iterations, max_removed, max_added, temperature
        See the table in this module's description.
    model : str
        ``"arcnn"`` (shipped) or the path of one you trained.
    bars : int
        Longest music edited (8); longer music is cut with a notice.
    whole_notes : bool
        When the drawn cell sounds, remove the whole note it belongs to (its
        run of cells), so notes are not cut into fragments; False toggles
        the single cell, as the original AR-CNN. Either way a note is added
        one cell per iteration, each seeing the ones before.
    replace : bool
        Let a removed note be put back at another pitch: when a drawn silent
        cell lies inside the span of a note removed earlier in the run (and
        not yet put back), within a whole tone of its pitch, the note comes
        back over its whole span at the drawn pitch, one iteration (a wrong
        note put in tune in two draws, the network choosing the pitch). False
        adds the single drawn cell, as the original AR-CNN.
    key_anchor : float
        The key the network reads (its pitch-class input) is this share of the input's key and the
        rest of the key of the music as edited so far (0.5). At 0 it reads only the music as edited,
        as before: the notes it adds pull the key towards them, and on a detuned tune the edit can
        drift into a neighbouring key and move right notes; at 1 it never updates the key, and its
        repairs do not sharpen it either. Half and half measured best (see the model card). A
        network trained without the key input ignores it.
    key : "estimate", str, tuple or None
        The key of the music, which tells the network which notes are wrong: ``"estimate"`` (the
        default) lets the key estimator (:mod:`composerlab.models.arcnn.keys`) read it from the
        input, wrong notes and all; ``"G minor"`` or ``(7, "minor")`` gives it; None reads no key
        (the network's key input is then the music's own pitch classes, as before the estimator).
        Pitch classes outside the key's scale weigh a tenth in the key the network reads
        (:func:`~composerlab.models.arcnn.keys.key_input`), so the tune's wrong notes no longer pull
        it towards another key.

    Returns
    -------
    EditResult
    """
    from composerlab.models.arcnn import keys
    from composerlab.music.melody import tempo_of

    params = check_parameters(iterations, max_removed, max_added, temperature)
    if isinstance(key_anchor, bool) or not isinstance(key_anchor, numbers.Real) or not 0 <= key_anchor <= 1:
        raise ParameterError("key_anchor", f"must be a number from 0 to 1, got {key_anchor!r}")
    original = merged_roll(music, bars)
    net = load_model(model)
    cfg = net.config
    low, n = cfg.lowest_pitch, cfg.n_pitches
    shift = octave_shift(original, low, n)
    shifted = np.roll(original, shift, axis=1)
    if shifted[:, :low].any() or shifted[:, low + n:].any():
        warnings.warn("some notes lie outside the AR-CNN's pitch range; they are kept as they are",
                      stacklevel=2)
    # The network needs a whole number of its coarsest steps (2 bars for depth 5): pad with silence,
    # and never let it write into the padding.
    block = 2 ** cfg.depth
    length = original.shape[0]
    x = np.zeros((-(-length // block) * block, n), dtype=bool)
    x[:length] = shifted[:, low: low + n]
    start = x.copy()
    editable = np.zeros_like(x)
    editable[:length] = True
    removable_budget = int(math.floor(params["max_removed"] / 100.0 * start.sum()))
    removed = added = 0
    rng = np.random.default_rng(seed)
    scale = _scale_of(key, original)  # checked even where unused
    if not cfg.key_input:  # a network trained without the key input reads none: nothing to anchor or filter
        scale = None
    input_key = _key_shares(x, low) if cfg.key_input and (key_anchor > 0 or scale is not None) else None
    toggles = []
    gaps = []  # (first, last, pitch) of each note removed and not yet put back
    for iteration in range(params["iterations"]):
        run_of, run_input_cells, run_new_cells = _runs(x, start)
        allowed = editable.copy()
        if whole_notes:
            # a sounding cell stands for its whole note: allowed if that note fits the removal budget
            allowed &= ~x | (run_input_cells[run_of] <= removable_budget - removed)
        elif removed >= removable_budget:
            allowed &= ~(x & start)  # no more of the input's notes may go
        if added >= params["max_added"]:
            allowed &= ~(~x & ~start)  # no new cell may be switched on
        if not allowed.any():
            break
        if input_key is None:
            scores = net.logits(x[None])
        else:
            read = key_anchor * input_key + (1 - key_anchor) * _key_shares(x, low)
            scores = net.logits(x[None], key=read if scale is None else keys.key_input(read, scale)[None])
        logits = scores[0].astype(np.float64) / params["temperature"]
        logits = np.where(allowed, logits, -np.inf)
        weights = np.exp(logits - logits.max())
        cumulative = np.cumsum(weights.ravel())
        cell = min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")),
                   cumulative.size - 1)
        step, pitch = divmod(cell, n)
        if not x[step, pitch]:
            first = last = step
            gap = _gap_at(gaps, step, pitch) if replace else None
            if gap is not None:
                gaps.remove(gap)
                first, last = _replaced_span(x, start, gap, step, pitch, params["max_added"] - added)
            span = slice(first, last + 1)
            removed -= int((~x[span, pitch] & start[span, pitch]).sum())
            added += int((~x[span, pitch] & ~start[span, pitch]).sum())
            x[span, pitch] = True
            toggles.append((iteration, int(first), int(low + pitch - shift), "add", int(last + 1 - first)))
            continue
        first = last = step
        if whole_notes:
            run = run_of[step, pitch]
            first, last = _run_bounds(run_of[:, pitch], run, step)
        removed += int(start[first: last + 1, pitch].sum())
        added -= int((~start[first: last + 1, pitch]).sum())
        x[first: last + 1, pitch] = False
        toggles.append((iteration, int(first), int(low + pitch - shift), "remove", int(last + 1 - first)))
        gaps.append((first, last, pitch))
    out = np.roll(original, shift, axis=1)
    out[:, low: low + n] = x[:length]
    out = np.roll(out, -shift, axis=1)
    tempo = tempo_of(music)
    program = next((int(t.program) for t in music.tracks if not t.is_drum), 0)
    track = pypianoroll.StandardTrack(name="AR-CNN", program=program,
                                      pianoroll=out.astype(np.uint8) * DEFAULT_VELOCITY)
    name = music.name or "composition"
    meter = time_signature_of(music)
    result_music = new_multitrack([track], length, tempo, meter, name)
    result = EditResult(original, out, toggles, {**params, "seed": seed}, result_music, tempo, name, meter)
    result_music.edits = result  # the record travels with the music (lab 05 plots it)
    return result


def _scale_of(key, roll: np.ndarray):
    """The (12,) scale of ``key`` (see :func:`edit`), estimated from ``roll`` for "estimate"; None for None."""
    from composerlab.models.arcnn import keys

    if key is None:
        return None
    if isinstance(key, str) and key == "estimate":
        return metrics.scale_mask(keys.estimate_key(roll))
    try:
        return metrics.scale_mask(keys.parse_key(key))
    except ValueError:
        raise ParameterError("key", f"must be 'estimate', None or a key such as 'G minor', got {key!r}") from None


def _key_shares(x: np.ndarray, lowest_pitch: int) -> np.ndarray:
    """The key the network reads from roll ``x`` (see :func:`~composerlab.models.arcnn.network.key_profile`), summing to 1."""
    from composerlab.models.arcnn.network import key_profile

    profile = key_profile(x[None], lowest_pitch)
    return profile / max(float(profile.sum()), 1e-6)


def generate(music: pypianoroll.Multitrack, seed: int = 0, **params) -> pypianoroll.Multitrack:
    """The catalog's entry point: :func:`edit`, returning the edited music (its record in ``.edits``)."""
    return edit(music, seed=seed, **params).music


def sweep(music: pypianoroll.Multitrack, parameter: str, values, seed: int = 0, model: str = "arcnn",
          **params) -> dict:
    """One edit per value of ``parameter`` (the others from ``params`` or the defaults): value -> EditResult.

    Lab 05 listens to a sweep of each parameter to hear what it does.
    """
    if parameter not in DEFAULTS:
        raise ParameterError(parameter, f"is not a parameter of the AR-CNN; choose one of {', '.join(DEFAULTS)}")
    base = {**DEFAULTS, **params}
    return {value: edit(music, seed=seed, model=model, **{**base, parameter: value}) for value in values}
