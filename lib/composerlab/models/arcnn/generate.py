"""The AR-CNN edit loop: music in, the same music with notes added and removed out.

Each iteration is one pass of the network over the whole piano roll (the whole tune, in any meter):
it scores every cell, a softmax with a temperature turns the scores into probabilities, one cell is
drawn and toggled (a sounding cell's note is removed, a silent cell gets a note). A removed note may
come back at another pitch, so a wrong note is put in tune in two draws (``replace`` in :func:`edit`).
Four parameters steer it, as in the AWS DeepComposer studio (:data:`PARAMETERS`); the budgets hold
exactly (:class:`~composerlab.models.arcnn.cells.EditCells`). The network reads cells; the loop keeps
notes: a note it never touched comes out as it went in, in its own track, and the notes it wrote
come out in a track of their own (:mod:`composerlab.models.arcnn.result`). From a terminal::

    composerlab compose twinkle --model arcnn --iterations 100 -o out.mid

Introduced in lab 05.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import ParameterError
from composerlab.models.arcnn.cells import REPLACE_SEMITONES, EditCells
from composerlab.models.arcnn.key_estimator import key_input, key_shares, scale_of
from composerlab.models.arcnn.network import load_arcnn
from composerlab.models.arcnn.result import ADDED_TRACK, EditResult, InputNotes, edited_music, read_notes
from composerlab.models.parameters import Parameter, check_parameters, defaults
from composerlab.music.pianoroll import time_signature_of
from composerlab.paths import models_dir

WEIGHTS = "arcnn"
"""The shipped weights in ``data/models/`` (``arcnn.weights.h5`` + ``arcnn.json``)."""
SCALE_STEPS = 128
"""``iterations`` and ``max_added`` are per this many steps (8 bars of 4/4) of music; shorter music gets them whole."""
PARAMETERS = (
    Parameter("iterations", "iterations", 100, "edit steps for every 8 bars of music, one note cell toggled each",
              low=1, high=1000, whole=True, step=10, option="--iterations"),
    Parameter("max_removed", "max removed %", 40.0,
              "most of the input's notes it may remove, in percent of its 16th-note cells", low=0, high=100, step=5,
              unit=" (percent of the input's notes)", option="--max-removed", metavar="PCT"),
    Parameter("max_added", "max added", 100, "most notes (16th-note cells) it may add for every 8 bars of music",
              low=0, high=1000, whole=True, step=10, option="--max-added", metavar="N"),
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


def scaled(value: int, n_steps: int) -> int:
    """A per-8-bars budget (``iterations``, ``max_added``) for music of ``n_steps`` steps (never less than given)."""
    return int(round(value * max(1.0, n_steps / SCALE_STEPS)))


def edit(music: pypianoroll.Multitrack, seed: int = 0, iterations: int = DEFAULTS["iterations"],
         max_removed: float = DEFAULTS["max_removed"], max_added: int = DEFAULTS["max_added"],
         temperature: float = DEFAULTS["temperature"], model: str = "arcnn", whole_notes: bool = True,
         replace: bool = True, key_anchor: float = KEY_ANCHOR, key="estimate", ablate: bool = False,
         move: bool = True) -> EditResult:
    """Edit ``music`` one cell at a time with the AR-CNN, the whole of it in its own meter.

    Parameters
    ----------
    music : pypianoroll.Multitrack
        A melody or a composition; its pitched tracks are read as one roll, each note keeping its track.
    seed : int
        Chooses the draws: same seed, same input, same parameters, same result.
    iterations, max_removed, max_added, temperature
        See :data:`PARAMETERS`. ``iterations`` and ``max_added`` are for every 8 bars (128 steps): a
        tune of 24 bars of 4/4 gets three times as many; a shorter one gets them whole.
    model : str
        ``"arcnn"`` (shipped) or the path of one you trained.
    whole_notes : bool
        When the drawn cell sounds, remove the whole note it belongs to (from its onset to the next
        onset or silence), so notes are not cut into fragments; False toggles the single cell, as the
        original AR-CNN. Either way a note is added one cell per iteration, each seeing the ones before.
    replace : bool
        Let a removed note be put back at another pitch: when a drawn silent cell lies inside the span
        of a note removed earlier in the run (and not yet put back), within a whole tone of its pitch,
        the note comes back over its whole span at the drawn pitch, one iteration, in its own track
        (a wrong note put in tune in two draws, the network choosing the pitch). False adds the single
        drawn cell, as the original AR-CNN.
    key_anchor : float
        The key the network reads (its pitch-class input) is this share of the input's key and the rest
        of the key of the music as edited so far (0.5); at 0 it reads only the music as edited, at 1 it
        never updates the key. A network trained without the key input ignores it.
    key : "estimate", str, tuple or None
        The key of the music, which tells the network which notes are wrong: ``"estimate"`` (the
        default) lets the key estimator (:mod:`composerlab.models.arcnn.key_estimator`) read it from the
        input, wrong notes and all; ``"G minor"`` or ``(7, "minor")`` gives it; None reads no key (the
        network's key input is then the music's own pitch classes). Pitch classes outside the key's
        scale weigh a tenth in the key the network reads.
    move : bool
        With ``replace`` (both the default), the draw right after a note is removed is one of the cells
        of its span within a whole tone of its pitch (not its own pitch), drawn from the network's scores
        there: a silent one puts the note back at that pitch (a move in two draws, the rhythm kept); a
        sounding one (a note beside it, such as one the loop wrote) is removed in turn. With no such
        cell allowed, the draw is free. False: a removed note comes back only when a later draw happens
        to land in its span.
    ablate : bool
        Replace the network's scores by equal ones (every allowed cell as likely), the loop and its
        budgets otherwise the same: what the network adds, measured by its absence.

    Returns
    -------
    EditResult
        What the edit did; its ``music`` holds the input's tracks as edited and the notes the model
        wrote in a track of their own (see :func:`composerlab.models.arcnn.result.edited_music`).
    """
    params = _checked(iterations, max_removed, max_added, temperature, key_anchor)
    notes = read_notes(music)
    return _edit(notes, params, seed, model, whole_notes, replace, key, ablate, move and replace)


def _checked(iterations, max_removed, max_added, temperature, key_anchor) -> dict:
    params = check_parameters(PARAMETERS, {"iterations": iterations, "max_removed": max_removed,
                                           "max_added": max_added, "temperature": temperature})
    return {**params, "key_anchor": _ANCHOR.check(key_anchor)}


def _edit(notes: InputNotes, params: dict, seed: int, model: str, whole_notes: bool, replace: bool,
          key, ablate: bool = False, move: bool = False) -> EditResult:
    """The edit loop on the notes of a piece (see :func:`edit`)."""
    net = load_model(model)
    cfg = net.config
    low, n = cfg.lowest_pitch, cfg.n_pitches
    original = notes.cells
    shift = octave_shift(original, low, n)
    if notes.outside(low - shift, n):
        warnings.warn("some notes lie outside the AR-CNN's pitch range; they are kept as they are", stacklevel=3)
    planes = (notes.in_range(plane, low - shift, n) for plane in (original, notes.onsets, notes.owner, notes.velocity))
    cells = EditCells.of(next(planes), 2 ** cfg.depth, params["max_removed"],
                         scaled(params["max_added"], len(original)), *planes)
    midi = low - shift + np.arange(n)
    cells.editable[:, (midi < 0) | (midi > 127)] = False  # model pitches past MIDI's range are never written
    rng = np.random.default_rng(seed)
    read_key = _key_reader(net, cells.x, original, key, params["key_anchor"], notes.meter)
    for iteration in range(scaled(params["iterations"], len(original))):
        allowed = cells.allowed(whole_notes)
        if move and cells.toggles and cells.toggles[-1][3] == "remove":
            allowed = _near_gap(allowed, cells.gaps[-1])
        if not allowed.any():
            break
        scores = np.zeros((1, *cells.x.shape)) if ablate else net.logits(cells.x[None], key=read_key(cells.x))
        cell = _draw(scores, allowed, params["temperature"], rng)
        step, pitch = divmod(cell, n)
        if cells.x[step, pitch]:
            cells.remove(iteration, step, pitch, whole_notes, low - shift)
        else:
            cells.add(iteration, step, pitch, replace, low - shift)
    music = edited_music(notes, cells, low - shift)
    return EditResult.of(notes, music, cells.toggles, {**_four(params), "seed": seed})


def _near_gap(allowed: np.ndarray, gap: tuple) -> np.ndarray:
    """The allowed cells of the removed note ``gap``'s span within a whole tone, not its own pitch (all allowed
    cells if there are none)."""
    first, last, pitch = gap[:3]
    near = np.zeros_like(allowed)
    near[first: last + 1, max(pitch - REPLACE_SEMITONES, 0): pitch + REPLACE_SEMITONES + 1] = True
    near[:, pitch] = False
    return allowed & near if (allowed & near).any() else allowed


def _four(params: dict) -> dict:
    return {p.name: params[p.name] for p in PARAMETERS}


def _key_reader(net, x: np.ndarray, original: np.ndarray, key, anchor: float, meter: tuple):
    """A function of the cells as edited that gives the key the network reads (None: its own reading).

    The key is ``anchor`` of the input's and the rest of the music's as edited; outside the scale of
    ``key`` (:func:`~composerlab.models.arcnn.key_estimator.scale_of`) a pitch class weighs a tenth.
    """
    low = net.config.lowest_pitch
    scale = scale_of(key, original, meter)  # checked even where unused
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


def generate(music: pypianoroll.Multitrack, seed: int = 0, **params) -> pypianoroll.Multitrack:
    """The catalog's entry point: :func:`edit`, returning the edited music (its record in ``.edits``)."""
    return edit(music, seed=seed, **params).music


def edited_line(music: pypianoroll.Multitrack) -> pypianoroll.Multitrack:
    """The input's tracks as the AR-CNN edited them, without the notes it wrote itself: what a chain hands on
    to a model that needs a melody (``arcnn,bach`` harmonises the repaired tune)."""
    kept = [t for t in music.tracks if t.name != ADDED_TRACK] or list(music.tracks)
    if len(kept) == len(music.tracks):
        return music
    out = pypianoroll.Multitrack(name=music.name, resolution=music.resolution, tempo=music.tempo,
                                 downbeat=music.downbeat, tracks=kept)
    out.time_signature = time_signature_of(music)
    return out


def sweep(music: pypianoroll.Multitrack, parameter: str, values, seed: int = 0, model: str = "arcnn",
          **params) -> dict:
    """One edit per value of ``parameter`` (the others from ``params`` or the defaults): value -> EditResult.

    Lab 05 listens to a sweep of each parameter to hear what it does.
    """
    if parameter not in DEFAULTS:
        raise ParameterError(parameter, f"is not a parameter of the AR-CNN; choose one of {', '.join(DEFAULTS)}")
    base = {**DEFAULTS, **params}
    return {value: edit(music, seed=seed, model=model, **{**base, parameter: value}) for value in values}

