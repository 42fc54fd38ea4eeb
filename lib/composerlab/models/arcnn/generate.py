"""The AR-CNN edit loop: music in, the same music with notes added and removed out.

Each iteration is one pass of the network over the whole piano roll: it scores every cell, a softmax
with a temperature turns the scores into probabilities, one cell is drawn and toggled (a note that
was there is removed, a silent cell gets a note). As in the original AR-CNN a "note" is one cell: one
pitch for one 16th-note step. Four parameters steer it, as in the AWS DeepComposer studio
(:data:`PARAMETERS`: iterations, max_removed, max_added, temperature). A removed note may come back at
another pitch, so a wrong note is put in tune in two draws, the network choosing the pitch each time
(``replace`` in :func:`edit`). The budgets hold exactly (:class:`~composerlab.models.arcnn.cells.EditCells`);
the result keeps every step, and which cells were added and removed. From a terminal::

    composerlab compose twinkle --model arcnn --iterations 100 -o out.mid

Introduced in lab 05.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError, ParameterError
from composerlab.models.arcnn.cells import EditCells
from composerlab.models.arcnn.key_estimator import key_input, key_shares, scale_of
from composerlab.models.arcnn.network import load_arcnn
from composerlab.models.parameters import Parameter, check_parameters, defaults
from composerlab.music.melody import ClippedWarning, tempo_of
from composerlab.music.pianoroll import (
    DEFAULT_BARS,
    DEFAULT_VELOCITY,
    STEPS_PER_BAR,
    new_multitrack,
    roll_to_notes,
    time_signature_of,
)
from composerlab.paths import models_dir

WEIGHTS = "arcnn"
"""The shipped weights in ``data/models/`` (``arcnn.weights.h5`` + ``arcnn.json``)."""
PARAMETERS = (
    Parameter("iterations", "iterations", 100, "edit steps, one note cell toggled each", low=1, high=1000,
              whole=True, step=10, option="--iterations"),
    Parameter("max_removed", "max removed %", 40.0, "most of the input's notes it may remove, in percent",
              low=0, high=100, step=5, unit=" (percent of the input's notes)", option="--max-removed",
              metavar="PCT"),
    Parameter("max_added", "max added", 100, "most notes (16th-note cells) it may add", low=0, high=1000,
              whole=True, step=10, option="--max-added", metavar="N"),
    Parameter("temperature", "temperature", 0.3, "creative risk: low sure, high wild", low=0.1, high=5.0,
              step=0.1, option="--temperature"),
)
"""The four parameters of the original console's AR-CNN (lab 05 explains each)."""
DEFAULTS = defaults(PARAMETERS)
"""The parameters a default run uses."""
KEY_ANCHOR = 0.5
"""How much of the key the network reads is the input's (see ``key_anchor`` in :func:`edit`)."""
_ANCHOR = Parameter("key_anchor", "key anchor", KEY_ANCHOR, "how much of the key the network reads is the input's",
                    low=0, high=1, requirement="a number from 0 to 1", studio=False)
SOPRANO_CENTRE = 70
"""Mean pitch of the chorale sopranos: a melody's top line is moved by octaves to sit near it."""


def model_path(model: str) -> Path:
    """Where a named model's weights live (``"arcnn"``: the shipped ones), or the path itself for one you trained."""
    return models_dir() / WEIGHTS if model == "arcnn" else Path(model)


@lru_cache(maxsize=4)
def load_model(model: str = "arcnn"):
    """The trained :class:`composerlab.models.arcnn.network.ARCNN` for a name or weight path; cached."""
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
    return whole_bars([np.asarray(t.pianoroll) > 0 for t in music.tracks if not t.is_drum], music.name, bars)


def whole_bars(rolls: list[np.ndarray], name: str = "", bars: int = DEFAULT_BARS, stacklevel: int = 4) -> np.ndarray:
    """Boolean (steps, 128) ``rolls`` merged into one, up to the bar of their last note, at most ``bars`` bars."""
    length = max((int(np.flatnonzero(r.any(axis=1))[-1]) + 1 for r in rolls if r.any()), default=0)
    if length == 0:
        raise MusicFileError(name or "music", "has no notes to edit")
    if length > bars * STEPS_PER_BAR:
        warnings.warn(f"{name or 'the music'} is {-(-length // STEPS_PER_BAR)} bars long; "
                      f"editing the first {bars} and leaving out the rest", ClippedWarning, stacklevel=stacklevel)
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
        See :data:`PARAMETERS`.
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
        default) lets the key estimator (:mod:`composerlab.models.arcnn.key_estimator`) read it from the
        input, wrong notes and all; ``"G minor"`` or ``(7, "minor")`` gives it; None reads no key
        (the network's key input is then the music's own pitch classes, as before the estimator).
        Pitch classes outside the key's scale weigh a tenth in the key the network reads
        (:func:`~composerlab.models.arcnn.key_estimator.key_input`), so the tune's wrong notes no longer pull
        it towards another key.

    Returns
    -------
    EditResult
    """
    params = _checked(iterations, max_removed, max_added, temperature, key_anchor)
    program = next((int(t.program) for t in music.tracks if not t.is_drum), 0)
    return _edit(merged_roll(music, bars), params, seed, model, whole_notes, replace, key,
                 tempo_of(music), music.name or "composition", time_signature_of(music), program)


def edit_roll(roll: np.ndarray, seed: int = 0, iterations: int = DEFAULTS["iterations"],
              max_removed: float = DEFAULTS["max_removed"], max_added: int = DEFAULTS["max_added"],
              temperature: float = DEFAULTS["temperature"], model: str = "arcnn", bars: int = DEFAULT_BARS,
              whole_notes: bool = True, replace: bool = True, key_anchor: float = KEY_ANCHOR,
              key="estimate", name: str = "", tempo: float = 100.0) -> EditResult:
    """:func:`edit` on a boolean (steps, 128) roll in 4/4 (a tune as the quality measures hold it)."""
    params = _checked(iterations, max_removed, max_added, temperature, key_anchor)
    return _edit(whole_bars([np.asarray(roll) > 0], name, bars, stacklevel=3), params, seed, model,
                 whole_notes, replace, key, tempo, name or "composition", (4, 4), 0)


def _checked(iterations, max_removed, max_added, temperature, key_anchor) -> dict:
    params = check_parameters(PARAMETERS, {"iterations": iterations, "max_removed": max_removed,
                                           "max_added": max_added, "temperature": temperature})
    return {**params, "key_anchor": _ANCHOR.check(key_anchor)}


def _edit(original: np.ndarray, params: dict, seed: int, model: str, whole_notes: bool, replace: bool, key,
          tempo: float, name: str, meter: tuple, program: int) -> EditResult:
    """The edit loop on a merged roll of whole bars (see :func:`edit`)."""
    net = load_model(model)
    cfg = net.config
    low, n = cfg.lowest_pitch, cfg.n_pitches
    shift = octave_shift(original, low, n)
    shifted = np.roll(original, shift, axis=1)
    if shifted[:, :low].any() or shifted[:, low + n:].any():
        warnings.warn("some notes lie outside the AR-CNN's pitch range; they are kept as they are",
                      stacklevel=3)
    # The network needs a whole number of its coarsest steps (2 bars for depth 5): the cells are padded
    # with silence, and never written in the padding.
    cells = EditCells.of(shifted[:, low: low + n], 2 ** cfg.depth, params["max_removed"], params["max_added"])
    rng = np.random.default_rng(seed)
    read_key = _key_reader(net, cells.x, original, key, params["key_anchor"])
    for iteration in range(params["iterations"]):
        allowed = cells.allowed(whole_notes)
        if not allowed.any():
            break
        cell = _draw(net.logits(cells.x[None], key=read_key(cells.x)), allowed, params["temperature"], rng)
        step, pitch = divmod(cell, n)
        if cells.x[step, pitch]:
            cells.remove(iteration, step, pitch, whole_notes, low - shift)
        else:
            cells.add(iteration, step, pitch, replace, low - shift)
    out = np.roll(original, shift, axis=1)
    out[:, low: low + n] = cells.x[: original.shape[0]]
    out = np.roll(out, -shift, axis=1)
    return _result(original, out, cells.toggles, {**_four(params), "seed": seed}, tempo, name, meter, program)


def _four(params: dict) -> dict:
    return {p.name: params[p.name] for p in PARAMETERS}


def _key_reader(net, x: np.ndarray, original: np.ndarray, key, anchor: float):
    """A function of the cells as edited that gives the key the network reads (None: its own reading).

    The key is ``anchor`` of the input's and the rest of the music's as edited; outside the scale of
    ``key`` (:func:`~composerlab.models.arcnn.key_estimator.scale_of`) a pitch class weighs a tenth.
    """
    low = net.config.lowest_pitch
    scale = scale_of(key, original)  # checked even where unused
    if not net.config.key_input:  # a network trained without the key input reads none: nothing to anchor or filter
        scale = None
    if not net.config.key_input or (anchor <= 0 and scale is None):
        return lambda cells: None
    input_key = key_shares(x, low)

    def read(cells: np.ndarray):
        mixed = anchor * input_key + (1 - anchor) * key_shares(cells, low)
        return mixed if scale is None else key_input(mixed, scale)[None]

    return read


def _draw(scores: np.ndarray, allowed: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """One cell index drawn from the softmax of ``scores`` at ``temperature``, among ``allowed`` cells."""
    logits = scores[0].astype(np.float64) / temperature
    logits = np.where(allowed, logits, -np.inf)
    weights = np.exp(logits - logits.max())
    cumulative = np.cumsum(weights.ravel())
    return min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")), cumulative.size - 1)


def _result(original, out, toggles, parameters, tempo, name, meter, program) -> EditResult:
    track = pypianoroll.StandardTrack(name="AR-CNN", program=program,
                                      pianoroll=out.astype(np.uint8) * DEFAULT_VELOCITY)
    music = new_multitrack([track], original.shape[0], tempo, meter, name)
    result = EditResult(original, out, toggles, parameters, music, tempo, name, meter)
    music.edits = result  # the record travels with the music (lab 05 plots it)
    return result


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
