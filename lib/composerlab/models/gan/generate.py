"""Accompany a melody: any melody in, a four-part composition out.

:func:`compose` puts a melody (a sample, a file, one recorded on the keyboard) in the soprano and lets
a trained GAN write the alto, tenor and bass; a seed picks the noise, so the same seed gives the same
notes. Each track gets its own General MIDI instrument. From a terminal::

    composerlab compose twinkle --model bach -o out.mid     # or out.wav / out.mp3

Whole songs, any meter: the generator is a 1-D convolution over time, so it reads the whole 16th-note
timeline in one pass, one noise vector per 16 steps, with no windows to stitch. A 3/4, 2/4 or 6/8 tune
is given as it sounds, padded with silence to whole 16-step blocks and cut back to its own bars; a
pickup stays a pickup. The generator gives each voice a probability for every pitch at every step;
chord decoding (:mod:`composerlab.models.gan.voicing`, the shipped models' default) reads them as one
chord and voicing per beat, raw decoding (:func:`decode`) as each voice's likeliest pitch.
Introduced in lab 04.
"""
from __future__ import annotations

import warnings
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.models.corpora.chorales import VOICES
from composerlab.models.corpora.genres import GENRES
from composerlab.models.gan.chords import VoicingWeights
from composerlab.models.gan.network import ChoraleGAN, load_generator
from composerlab.models.gan.voicing import harmonize
from composerlab.models.parameters import Parameter
from composerlab.music.key import estimate_key, pitches_in_key
from composerlab.music.melody import ClippedWarning, melody, tempo_of
from composerlab.music.pianoroll import (
    DEFAULT_VELOCITY,
    STEPS_PER_BAR,
    new_multitrack,
    steps_per_bar,
    time_signature_of,
)
from composerlab.paths import models_dir, user_models_dir

WEIGHTS = "bach_gan"
"""The shipped Bach model's files in ``data/models/`` (``bach_gan.weights.h5`` + ``bach_gan.json``)."""
DEFAULT_PROGRAMS = (40, 40, 41, 42)
"""General MIDI programs for soprano (the melody), alto, tenor, bass: violin, violin, viola, cello.
A model whose settings name its own (``"programs"`` in its ``.json``: the genre models) plays with those."""
SOPRANO_CENTRE = 70
"""Mean pitch of the chorale sopranos: melodies are moved by octaves to sit near it."""


def read_programs(text: str) -> tuple | None:
    """``"40,40,41,42"`` -> ``(40, 40, 41, 42)``; an empty text: None (the model's own)."""
    return tuple(int(p) for p in text.split(",")) if text else None


PARAMETERS = (
    Parameter("in_key", "key rule", False,
              "keep to the melody's key (chords inside it; with --raw, every note the model chose outside it moves "
              "a semitone into it)", option="--key-rule"),
    Parameter("programs", "instruments", None,
              "GM programs for soprano,alto,tenor,bass (default: the model's own; bach 40,40,41,42: strings)",
              option="--programs", parse=read_programs, studio=False),
    Parameter("decoding", "decoding", None,
              "the model's own note choices, each voice's likeliest pitch (the Bach model's default is chord "
              "decoding: one chord and voicing per beat)", option="--raw", flag="raw", studio=False),
)
"""What a learner sets on an accompaniment model; :func:`compose` takes each."""


def shipped_names() -> tuple[str, ...]:
    """The names of the shipped accompaniment models: ``bach`` and the genres."""
    return ("bach", *GENRES)


def model_path(model: str) -> Path:
    """Where a named model's weights live: a shipped one, one you trained by its name
    (``composerlab train gan --name NAME``, in :func:`composerlab.paths.user_models_dir`), or a path."""
    if model == "bach":
        return models_dir() / WEIGHTS
    if model in GENRES:
        return models_dir() / GENRES[model].weights
    if "/" not in model and "\\" not in model and (user_models_dir() / f"{model}.weights.h5").exists():
        return user_models_dir() / model
    return Path(model)


@lru_cache(maxsize=4)
def load_model(model: str = "bach") -> ChoraleGAN:
    """The trained GAN for a model name or weight path; cached.

    Raises
    ------
    FileNotFoundError
        When the weights are missing, naming the file and the command that trains them.
    """
    return load_generator(model_path(model))


def to_multitrack(composition: np.ndarray, programs=DEFAULT_PROGRAMS, tempo: float = 100.0, name: str = "",
                  melody_roll: np.ndarray | None = None, time_signature=(4, 4)) -> pypianoroll.Multitrack:
    """A (4, steps, 128) boolean composition as a four-track Multitrack named Soprano/Alto/Tenor/Bass.

    ``melody_roll`` (steps, 128), if given, keeps the melody's own velocities.
    """
    steps = composition.shape[1]
    tracks = []
    for v, voice in enumerate(VOICES):
        if v == 0 and melody_roll is not None:
            roll = np.asarray(melody_roll, dtype=np.uint8)[:steps]
        else:
            roll = composition[v].astype(np.uint8) * DEFAULT_VELOCITY
        tracks.append(pypianoroll.StandardTrack(name=voice, program=int(programs[v]), pianoroll=roll))
    return new_multitrack(tracks, steps, tempo, tuple(time_signature), name)


def melody_roll(music: pypianoroll.Multitrack, bars: int | None = None) -> np.ndarray:
    """The melody of ``music`` as a (steps, 128) velocity roll of whole bars in its own meter.

    The whole melody by default; with ``bars``, at most that many bars, and a
    longer melody is cut with a :class:`composerlab.music.melody.ClippedWarning`.
    Step 0 is the music's step 0, so a pickup keeps its place.
    """
    line = melody(music) if len(music.tracks) != 1 else music
    return bar_roll(line.tracks[0].pianoroll, time_signature_of(music), bars, music.name, stacklevel=4)


def bar_roll(roll: np.ndarray, meter, bars: int | None = None, name: str = "", stacklevel: int = 3) -> np.ndarray:
    """A (steps, 128) melody roll up to the end of the bar (of ``meter``) of its last note, at most ``bars`` bars."""
    roll = np.asarray(roll)
    sounding = np.flatnonzero(roll.any(axis=1))
    if sounding.size == 0:
        raise MusicFileError(name or "melody", "has no notes to accompany")
    bar = steps_per_bar(tuple(meter))
    length = int(sounding[-1]) + 1
    if bars is not None and length > bars * bar:
        warnings.warn(f"{name or 'the melody'} is {-(-length // bar)} bars long; "
                      f"accompanying the first {bars} and leaving out the rest", ClippedWarning, stacklevel=stacklevel)
        length = bars * bar
    steps = -(-length // bar) * bar
    out = np.zeros((steps, 128), dtype=np.uint8)
    out[:length] = roll[:length]
    return out


def compose(music: pypianoroll.Multitrack, model: str = "bach", seed: int = 0, programs=None,
            bars: int | None = None, in_key: bool = False, decoding: str | None = None,
            voicing: dict | None = None) -> pypianoroll.Multitrack:
    """Accompany the melody of ``music`` in four parts, from its first step to its last bar.

    Parameters
    ----------
    music : pypianoroll.Multitrack
        A melody, or a composition whose melody is taken (:func:`composerlab.music.melody.melody`).
    model : str
        ``"bach"`` (the shipped model), the name of one you trained (``composerlab train gan --name``)
        or its path.
    seed : int
        Chooses the noise (and, for a model whose voicing has a ``wander``, its voices' registers):
        same seed, same notes.
    programs : sequence of 4 int, optional
        General MIDI programs for soprano, alto, tenor, bass; by default the model's own
        (a genre's instruments, :data:`DEFAULT_PROGRAMS` for the others).
    bars : int, optional
        Accompany at most this many bars (a longer melody is clipped with a
        notice). By default the whole melody, in any meter (see the module notes).
    in_key : bool
        Keep to the melody's key (estimated from the melody; a minor key
        includes its raised leading note). With ``decoding="chords"``: only
        chords whose tones are all in the key. With ``"raw"``: a pitch the
        model chose outside the key moves a semitone to the likelier in-key
        neighbour. Off by default: the chords' costs already prefer the key,
        and the model's chromatic notes are its own.
    decoding : {"chords", "raw"}, optional
        How the generator's pitch probabilities become notes. ``"chords"``: one
        chord and one voicing per beat, found by a search over the whole tune
        that weighs the model's probabilities against rules of four-part
        writing (:mod:`composerlab.models.gan.voicing`). ``"raw"``: each voice's
        likeliest pitch at each step (:func:`decode`), the model alone. By
        default the model's own choice (``"decoding"`` in its json: ``"chords"`` for
        the genre models), else ``"chords"`` for the shipped Bach model and ``"raw"`` for others.
    voicing : dict, optional
        Weights of the chord decoding's rules
        (:class:`composerlab.models.gan.chords.VoicingWeights` fields), over the
        model's own (``"voicing"`` in its json: a genre's share of dissonant
        beats, taken from its corpus) and the defaults (Bach's).

    Returns
    -------
    pypianoroll.Multitrack
        Soprano (the melody, unchanged), Alto, Tenor, Bass, at the melody's tempo,
        with its time signature and as many bars, aligned step for step with it.
    """
    gan = load_model(model)
    if programs is None:
        programs = tuple(getattr(gan, "info", {}).get("programs", DEFAULT_PROGRAMS))
    if len(programs) != 4:
        raise ValueError(f"programs needs 4 General MIDI numbers (soprano, alto, tenor, bass), got {list(programs)}")
    roll = melody_roll(music, bars)
    meter = time_signature_of(music)
    composition = accompany(roll, gan, model, meter, seed, in_key, decoding, voicing)
    return to_multitrack(composition, programs, tempo_of(music), music.name or "composition", melody_roll=roll,
                         time_signature=meter)


def accompany(roll: np.ndarray, gan: ChoraleGAN, model: str, meter=(4, 4), seed: int = 0, in_key: bool = False,
              decoding: str | None = None, voicing: dict | None = None) -> np.ndarray:
    """The four parts of :func:`compose` for a melody roll of whole bars: (4, steps, 128) booleans, the melody first.

    ``model`` is the name ``gan`` was loaded by (it chooses the default decoding).
    """
    cfg = gan.config
    # The model learned sopranos around SOPRANO_CENTRE; move the melody by whole
    # octaves to sit there, and move the result back, so the melody keeps its pitch.
    pitches = np.flatnonzero(roll.any(axis=0))
    mean = float(np.average(pitches, weights=roll[:, pitches].astype(bool).sum(axis=0)))
    # A model trained on your own music keeps its melodies' mean pitch in its settings.
    centre = getattr(gan, "info", {}).get("soprano_centre", SOPRANO_CENTRE)
    octaves = int(round((centre - mean) / 12))
    shifted = np.roll(roll > 0, 12 * octaves, axis=1)
    if shifted[:, cfg.lowest_pitch: cfg.lowest_pitch + cfg.n_pitches].sum() < shifted.sum():
        warnings.warn("some melody notes lie outside the model's pitch range and were not shown to it",
                      stacklevel=3)
    decoding = decoding or default_decoding(model, gan)
    if decoding not in ("chords", "raw"):
        raise ValueError(f"decoding is 'chords' or 'raw', not {decoding!r}")
    weights = voicing_weights(gan, voicing, in_key) if decoding == "chords" else None
    voices = accompaniment(gan, shifted, seed, in_key, decoding, weights, meter)
    # The voices enter with the melody and stop with it: the silent beats before a pickup stay silent.
    sounding = np.flatnonzero(roll.any(axis=1))
    voices[:, : sounding[0]] = False
    voices[:, sounding[-1] + 1:] = False
    composition = np.zeros((4, roll.shape[0], 128), dtype=bool)
    composition[1:, :, cfg.lowest_pitch: cfg.lowest_pitch + cfg.n_pitches] = voices
    composition = np.roll(composition, -12 * octaves, axis=2)
    composition[0] = roll > 0
    return composition


def accompaniment(gan: ChoraleGAN, melody_roll: np.ndarray, seed: int = 0, in_key: bool = False,
                  decoding: str = "raw", weights: VoicingWeights | None = None, meter=(4, 4)) -> np.ndarray:
    """Alto, tenor and bass for a (steps, 128) boolean melody in the model's register, in model pitches:
    (3, steps, n_pitches) booleans. The generator reads the whole timeline in one pass (padded with silence
    to whole 16-step blocks); ``decoding`` reads its output (see :func:`compose`)."""
    cfg = gan.config
    steps = melody_roll.shape[0]
    timeline = np.zeros((-(-steps // STEPS_PER_BAR) * STEPS_PER_BAR, cfg.n_pitches), dtype=bool)
    timeline[:steps] = melody_roll[:, cfg.lowest_pitch: cfg.lowest_pitch + cfg.n_pitches]
    output = gan.generate(timeline[None], seed=seed)[0]
    if decoding == "chords":
        return harmonize((output[:, :steps] + 1.0) / 2.0, melody_roll, cfg.lowest_pitch, meter,
                         weights=weights, seed=seed)
    allowed = pitches_in_key(estimate_key(melody_roll), cfg.lowest_pitch, cfg.n_pitches) if in_key else None
    return decode(output[None], allowed=allowed)[0][:, :steps]


def default_decoding(model: str, gan) -> str:
    """How :func:`compose` decodes a model's output unless told: its json's ``"decoding"``, else
    ``"chords"`` for the shipped Bach model and ``"raw"`` for any other (see :func:`compose`)."""
    return getattr(gan, "info", {}).get("decoding") or ("chords" if model == "bach" else "raw")


def voicing_weights(gan, voicing: dict | None = None, in_key: bool = False):
    """The chord decoding's :class:`~composerlab.models.gan.chords.VoicingWeights` for a model: the
    defaults (set on the chorales), then its json's ``"voicing"``, then ``voicing``; ``in_key`` keeps
    the chords in the key. An unknown weight's name is a ValueError naming the known ones."""
    settings = {**getattr(gan, "info", {}).get("voicing", {}), **(voicing or {})}
    known = {f.name for f in fields(VoicingWeights)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ValueError(f"no voicing weight {', '.join(map(repr, unknown))}: the weights are {', '.join(sorted(known))}")
    if in_key:
        settings["chromatic"] = np.inf
    return replace(VoicingWeights(), **settings)


def decode(voices: np.ndarray, min_length: int = 2, allowed: np.ndarray | None = None) -> np.ndarray:
    """Generator output -> boolean rolls, one note at a time per voice.

    Each voice sings one pitch at a step: the pitch the generator thinks most
    likely, or a rest when resting is likelier than that pitch. Runs shorter
    than ``min_length`` steps are joined to the note before them, as a singer
    would not flick to a 16th note and back.

    Parameters
    ----------
    voices : ndarray
        (..., steps, pitches) floats in [-1, 1].
    allowed : ndarray, optional
        (pitches,) booleans: only these pitches may be chosen (e.g. the
        melody's key, see :func:`composerlab.models.gan.generate.compose`). A pitch the
        model chose outside them moves a semitone, to the likelier neighbour
        that is allowed, as a chromatic note resolves.
    """
    voices = np.asarray(voices)
    probabilities = (voices + 1.0) / 2.0
    # Whether a voice sings is the model's call; ``allowed`` only narrows which pitch.
    sounding = probabilities.max(axis=-1) >= 1.0 - probabilities.sum(axis=-1)
    best = voices.argmax(axis=-1)
    if allowed is not None:
        best = _snap_to_allowed(voices, best, np.asarray(allowed, bool))
    pitch = np.where(sounding, best, -1)
    flat = pitch.reshape(-1, pitch.shape[-1])
    if min_length > 1:
        for row in flat:
            _join_short_runs(row, min_length)
    pitch = flat.reshape(pitch.shape)
    out = np.zeros(voices.shape, dtype=bool)
    idx = np.nonzero(pitch >= 0)
    out[idx + (pitch[idx],)] = True
    return out


def _join_short_runs(row: np.ndarray, min_length: int) -> None:
    t, n = 0, len(row)
    while t < n:
        end = t + 1
        while end < n and row[end] == row[t]:
            end += 1
        if end - t < min_length and t > 0:
            row[t:end] = row[t - 1]
        t = end


def _snap_to_allowed(voices: np.ndarray, best: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    n = voices.shape[-1]
    best = best.copy()
    for offset in (1, 2):
        wrong = ~allowed[best]
        if not wrong.any():
            break
        down, up = np.clip(best - offset, 0, n - 1), np.clip(best + offset, 0, n - 1)
        score_down = np.where(allowed[down], np.take_along_axis(voices, down[..., None], -1)[..., 0], -np.inf)
        score_up = np.where(allowed[up], np.take_along_axis(voices, up[..., None], -1)[..., 0], -np.inf)
        choice = np.where(score_up > score_down, up, down)
        ok = allowed[choice]
        best = np.where(wrong & ok, choice, best)
    return best


