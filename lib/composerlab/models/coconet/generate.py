"""Harmonise a melody with the learned harmoniser: the network's own sampling writes alto, tenor and bass.

:func:`harmonise` holds the melody and starts with the three lower voices all hidden. Each round of
blocked Gibbs sampling hides a share of the voices' cells, asks the network for a distribution
over pitch at every hidden cell given everything else, and draws new pitches there; the share
shrinks from 9 in 10 to 1 in 10 over the rounds (Yao et al.'s annealed schedule, as Coconet uses).
The first round draws every cell at once; later rounds let each cell agree with its neighbours.

What code decides around the network: the melody (moved by whole octaves to the chorales' register
and the result moved back), each voice's pitch range (:data:`VOICE_RANGES`), the grid (one pitch per
voice per eighth note, a pitch held over two or more cells is one note), the voices entering with
the melody's first note and stopping with its last, and the sampling (temperature, rounds, seed).
Nothing else: no chord, interval or cadence is chosen or priced by code. ``ablate`` replaces the
network's output by uniform or random values under exactly this sampling, to hear what it adds.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.models.coconet import data
from composerlab.models.coconet.network import Harmoniser
from composerlab.models.parameters import Parameter
from composerlab.models.gan.generate import melody_roll
from composerlab.models.runtime import one_blas_thread
from composerlab.music.melody import tempo_of
from composerlab.music.pianoroll import DEFAULT_VELOCITY, new_multitrack, steps_per_bar, time_signature_of
from composerlab.paths import models_dir

VOICE_RANGES = ((50, 77), (45, 72), (33, 67))
"""Lowest and highest MIDI pitch the alto, tenor and bass may sing: the chorales' own ranges, three
semitones wider each way (a melody sits up to six semitones from the chorales' centre)."""
DEFAULT_PROGRAMS = (40, 40, 41, 42)
"""General MIDI programs of soprano (the melody), alto, tenor, bass: violin, violin, viola, cello."""
ABLATIONS = ("uniform", "noise")
"""What ``ablate`` may replace the network's output with: equal odds for every pitch in a voice's
range, or random logits (standard normal), drawn afresh at each round from the seed."""
GIBBS_ROUNDS = 64
TEMPERATURE = 0.5
SPANS = (1, 2, 4)
"""Lengths in cells of the runs a round hides, taken in turn: a note often lasts several cells, and a
run hides it whole so that the network may move it (one hidden cell between two known ones of the
same pitch is nearly always given that pitch again)."""
STRIDE = 0
"""Cells between two cells the first draft draws in one pass (see :func:`harmonise`)."""
COOLED = None
"""The last Gibbs round's temperature (see :func:`harmonise`)."""
SCHEDULE = (0.1, 0.9, 0.7)
"""Yao et al.'s schedule (lowest share, highest share, the part of the rounds over which it falls)."""
MODELS = {"bach": "bach_coconet"}
"""Shipped harmonisers by name -> file stems in ``data/models/``."""


def read_ablation(text: str) -> str:
    """The ``--ablate`` option's text, checked: one of :data:`ABLATIONS`."""
    if text not in ABLATIONS:
        raise ValueError(f"--ablate takes {' or '.join(ABLATIONS)}, not {text!r}")
    return text


PARAMETERS = (
    Parameter("ablate", "ablation", None,
              "replace the network's output by equal odds (uniform) or random values (noise) under the same "
              "sampling: hear what the model decides", option="--ablate", metavar="uniform|noise",
              parse=read_ablation, studio=False),
)
"""What a learner sets on the harmoniser from the command line."""


def model_path(model: str) -> Path:
    """A shipped harmoniser's file stem by name, or ``model`` itself taken as a stem (``.npz`` + ``.json``)."""
    return models_dir() / MODELS[model] if model in MODELS else Path(str(model).removesuffix(".npz"))


@lru_cache(maxsize=4)
def load_harmoniser(model: str = "bach") -> Harmoniser:
    """The trained harmoniser by name or file stem; cached (loading takes a few milliseconds)."""
    return Harmoniser.load(model_path(model))


def block_share(round_: int, rounds: int, schedule=SCHEDULE) -> float:
    """Share of cells resampled in ``round_`` of ``rounds``: falls linearly from the highest to the lowest."""
    low, high, part = schedule
    return max(low, high - (high - low) * round_ / (rounds * part))


def block(active: np.ndarray, share: float, span: int, rng: np.random.Generator) -> np.ndarray:
    """(cells, 3) the cells a round hides: each voice's runs of ``span`` cells (from a random offset),
    each with probability ``share``, inside the ``active`` cells."""
    cells = len(active)
    offset = int(rng.integers(span))
    runs = (np.arange(cells) + offset) // span
    hidden = rng.random((runs[-1] + 1, 3)) < share
    return hidden[runs] & active[:, None]


def _allowed() -> np.ndarray:
    allowed = np.zeros((3, data.N_PITCHES), dtype=bool)
    for v, (low, high) in enumerate(VOICE_RANGES):
        allowed[v, low - data.LOWEST_PITCH: high - data.LOWEST_PITCH + 1] = True
    return allowed


def harmonise(harmoniser: Harmoniser | None, melody_pitches: np.ndarray, melody_onsets: np.ndarray,
              time_signature=(4, 4), seed: int = 0, rounds: int = GIBBS_ROUNDS, temperature: float = TEMPERATURE,
              ablate: str | None = None, fermatas=None, spans=SPANS, stride: int = STRIDE,
              schedule=SCHEDULE, cooled: float | None = COOLED) -> np.ndarray:
    """Alto, tenor and bass for a melody in the model's octave, as (3, cells) MIDI pitches (-1 where silent).

    Parameters
    ----------
    harmoniser : Harmoniser or None
        The network (None only with ``ablate``).
    melody_pitches, melody_onsets : ndarray
        (steps,) the melody's pitch at each 16th step (-1: rest) and where its notes start.
    seed : int
        Chooses every draw: the same seed gives the same voices.
    rounds : int
        Rounds of Gibbs sampling after the first draft (each one pass of the network over the piece).
    temperature : float
        Divides the network's logits before each draw: below 1 surer, above 1 more adventurous;
        0 takes the likeliest pitch.
    ablate : {"uniform", "noise"}, optional
        Replace the network's output (see :data:`ABLATIONS`).
    fermatas : sequence of int, optional
        Steps of the melody's fermata notes, when the score marks them.
    spans : sequence of int
        Lengths of the runs of cells the rounds hide, in turn (see :data:`SPANS`).
    stride : int
        The first draft: the cells ``stride`` apart are drawn together, one voice at a time (bass,
        tenor, alto) and one place in the stride after the other, each draw seeing every cell drawn
        before it (``3 * stride`` passes). 0: Coconet's draft, every cell at once from the melody alone.
    schedule : (float, float, float)
        The rounds' shares of hidden cells (see :func:`block_share`).
    cooled : float, optional
        The last round's temperature: the rounds' temperature falls linearly from ``temperature``
        to it (simulated annealing of the draws; None keeps ``temperature`` throughout).
    """
    if ablate is not None and ablate not in ABLATIONS:
        raise ValueError(f"ablate is one of {', '.join(ABLATIONS)} (or None), not {ablate!r}")
    if harmoniser is None and ablate is None:
        raise ValueError("a harmoniser is needed unless its output is ablated")
    rng = np.random.default_rng(seed)
    ctx = data.context(np.asarray(melody_pitches), np.asarray(melody_onsets, bool), time_signature, fermatas)
    cells = len(ctx)
    starts = np.flatnonzero(np.asarray(melody_onsets) & (np.asarray(melody_pitches) >= 0))
    sounding = np.flatnonzero(np.asarray(melody_pitches) >= 0)
    active = np.zeros(cells, dtype=bool)
    active[starts[0] // data.STEPS_PER_CELL: sounding[-1] // data.STEPS_PER_CELL + 1] = True
    voices = np.full((cells, 3), -1, dtype=np.int64)  # model-axis pitch indices
    allowed = _allowed()

    def draw(unknown: np.ndarray, chosen: np.ndarray, heat: float = temperature) -> None:
        # One pass: the network reads every cell but the unknown ones; the chosen cells get new pitches.
        if ablate == "uniform":
            logits = np.zeros((cells, 3, data.N_PITCHES), dtype=np.float32)
        elif ablate == "noise":
            logits = rng.standard_normal((cells, 3, data.N_PITCHES)).astype(np.float32)
        else:
            logits = harmoniser.logits(data.cell_inputs(ctx, voices, ~unknown))
        t, v = np.nonzero(chosen)
        scores = np.where(allowed[v], logits[t, v], -np.inf)
        if heat <= 0:
            voices[t, v] = scores.argmax(axis=1)
            return
        scores = scores / heat
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        cumulative = np.cumsum(probabilities, axis=1)
        draws = rng.random(len(t))[:, None] * cumulative[:, -1:]
        voices[t, v] = np.minimum((cumulative < draws).sum(axis=1), data.N_PITCHES - 1)

    everything = np.broadcast_to(active[:, None], (cells, 3))
    if stride > 0:
        unknown = everything.copy()
        place = np.arange(cells) % stride
        for offset in range(stride):
            for v in (2, 1, 0):
                chosen = np.zeros((cells, 3), dtype=bool)
                chosen[:, v] = active & (place == offset)
                draw(unknown, chosen)
                unknown &= ~chosen
    else:
        draw(everything, everything)
    for round_ in range(rounds):
        hidden = block(active, block_share(round_, rounds, schedule), spans[round_ % len(spans)], rng)
        share = round_ / max(rounds - 1, 1)
        draw(hidden, hidden, temperature if cooled is None else (1 - share) * temperature + share * cooled)
    return np.where(voices >= 0, voices + data.LOWEST_PITCH, -1).T


def voices_to_steps(voices: np.ndarray, steps: int) -> np.ndarray:
    """(3, cells) pitches -> (3, steps) on the 16th-note grid: each cell's pitch held over its steps."""
    return np.repeat(voices, data.STEPS_PER_CELL, axis=1)[:, :steps]


def generate(music: pypianoroll.Multitrack, seed: int = 0, model: str = "bach", rounds: int = GIBBS_ROUNDS,
             temperature: float = TEMPERATURE, ablate: str | None = None, bars: int | None = None,
             programs=DEFAULT_PROGRAMS, spans=SPANS, stride: int = STRIDE, schedule=SCHEDULE) -> pypianoroll.Multitrack:
    """Accompany the melody of ``music`` in four parts, its whole length, in its meter.

    Parameters
    ----------
    music : pypianoroll.Multitrack
        A melody, or a composition whose melody is taken (:func:`composerlab.music.melody.melody`).
    seed : int
        Same seed, same voices.
    model : str
        ``"bach"`` (the shipped harmoniser) or the file stem of one you trained.
    rounds, temperature, ablate, spans, stride, schedule :
        The sampling (see :func:`harmonise`).
    bars : int, optional
        Accompany at most this many bars (a longer melody is clipped with a notice).
    programs : sequence of 4 int
        General MIDI programs for soprano, alto, tenor, bass.

    Returns
    -------
    pypianoroll.Multitrack
        Soprano (the melody as given), Alto, Tenor, Bass, with the melody's tempo, meter and length.
    """
    if len(programs) != 4:
        raise ValueError(f"programs needs 4 General MIDI numbers (soprano, alto, tenor, bass), got {list(programs)}")
    harmoniser = load_harmoniser(model) if ablate is None else None
    roll = melody_roll(music, bars)
    time_signature = time_signature_of(music)
    pitches, onsets = data.melody_from_roll(roll)
    if not (pitches >= 0).any():
        raise MusicFileError(music.name or "melody", "has no notes to accompany")
    mean = float(pitches[pitches >= 0].mean())
    octaves = int(round((data.SOPRANO_CENTRE - mean) / 12))
    shifted = np.where(pitches >= 0, pitches + 12 * octaves, -1)
    outside = (shifted >= 0) & ((shifted < data.LOWEST_PITCH) | (shifted >= data.LOWEST_PITCH + data.N_PITCHES))
    if outside.any():
        warnings.warn("some melody notes lie outside the model's pitch range and were not shown to it",
                      stacklevel=2)
    with one_blas_thread():  # many small products: BLAS threads cost more than they give, most of all on a busy CPU
        voices = harmonise(harmoniser, shifted, onsets, time_signature, seed, rounds, temperature, ablate,
                           spans=tuple(spans), stride=stride, schedule=tuple(schedule))
    voices = voices_to_steps(voices, len(pitches))
    voices = np.where(voices >= 0, voices - 12 * octaves, -1)
    sounding = np.flatnonzero(pitches >= 0)
    voices[:, : sounding[0]] = -1  # the voices enter with the melody's first note
    voices[:, sounding[-1] + 1:] = -1  # and stop with its last
    return to_multitrack(roll, voices, time_signature, tempo_of(music), music.name or "composition", programs)


def to_multitrack(melody: np.ndarray, voices: np.ndarray, time_signature, tempo: float, name: str,
                  programs=DEFAULT_PROGRAMS) -> pypianoroll.Multitrack:
    """The melody roll (steps, 128) over three voices' (3, steps) pitches as Soprano/Alto/Tenor/Bass tracks."""
    steps = melody.shape[0]
    tracks = [pypianoroll.StandardTrack(name="Soprano", program=int(programs[0]),
                                        pianoroll=np.asarray(melody, dtype=np.uint8))]
    for v, voice in enumerate(("Alto", "Tenor", "Bass")):
        roll = np.zeros((steps, 128), dtype=np.uint8)
        t = np.flatnonzero(voices[v] >= 0)
        roll[t, voices[v, t]] = DEFAULT_VELOCITY
        tracks.append(pypianoroll.StandardTrack(name=voice, program=int(programs[v + 1]), pianoroll=roll))
    bar = steps_per_bar(time_signature)
    return new_multitrack(tracks, -(-steps // bar) * bar, tempo, tuple(time_signature), name)
