"""Accompany a melody: any melody in, a four-part composition out.

:func:`compose` takes a melody (a sample, a file you uploaded, one you
recorded on the keyboard), puts it in the soprano, and lets a trained GAN
write the alto, tenor and bass. A seed picks the noise: the same seed gives
the same notes, another seed another accompaniment. Each track gets its own
General MIDI instrument. From a terminal::

    composerlab compose twinkle --model bach -o out.mid     # or out.wav / out.mp3

Whole songs, any meter. The melody is accompanied from its first step to its
last bar, whatever its length: the generator is a 1-D convolution over time
(:func:`composerlab.models.gan.network.build_generator`), so it reads the
whole continuous 16th-note timeline in one pass, one noise vector per 16
steps, and its bar-level layer links every 16-step block to its neighbours.
There are no windows to stitch, so nothing jumps at a window edge, and the
key it is given (the pitch-class profile) is the whole tune's. (Tried on the
validation chorales: one pass scores as well as 2-bar windows, overlapping or
not, on consonant beats and chord fit, at a tenth of the time.)

Meters other than 4/4: the model learned 4/4 bars of 16 steps. A 3/4, 2/4 or
6/8 tune is given to it as it sounds, on the same continuous timeline, so its
16-step blocks do not coincide with the tune's bars (a 3/4 bar is 12 steps);
the timeline is padded with silence to a whole number of 16-step blocks and
the result cut back to the tune's own bars. Nothing moves in time: a pickup
(read as the end of an otherwise empty first bar) stays a pickup, and the
output has the tune's time signature and bar lines.

From probabilities to notes. The generator gives each voice a probability
for every pitch at every step. The shipped Bach model reads them with chord
decoding (``decoding="chords"``, :mod:`composerlab.models.gan.voicing`): one
chord and voicing per beat, the model's probabilities weighed against rules
of four-part writing by a search over the whole tune; on folk tunes this is
what makes the four parts consonant and chordal (``bench/bench_harmony.py``).
``decoding="raw"`` keeps each voice's likeliest pitch at each step, the model
alone, as wave 1 did; models you train decode raw unless their json says
``"decoding": "chords"`` (or you pass it). The genre models' json says so, with
their own rule weights in ``"voicing"``: above all the share of dissonant beats
their corpus has (a tenth for Palestrina, a quarter for Monteverdi, four tenths
for the quartets), where the defaults aim at Bach's quarter; the madrigals' and
quartets' voices also move register phrase by phrase, a wander drawn from the seed.

Introduced in lab 04.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.models.gan.data import VOICES
from composerlab.music.pianoroll import (
    DEFAULT_BARS,
    DEFAULT_VELOCITY,
    STEPS_PER_BAR,
    new_multitrack,
    steps_per_bar,
    time_signature_of,
)

DEFAULT_PROGRAMS = (40, 40, 41, 42)
"""General MIDI programs for soprano (the melody), alto, tenor, bass: violin, violin, viola, cello.
A model whose settings name its own (``"programs"`` in its ``.json``: the genre models) plays with those."""
MODELS = {"bach": "bach_gan", "palestrina": "palestrina_gan", "monteverdi": "monteverdi_gan",
          "quartet": "quartet_gan"}
"""Model names -> weight files in ``data/models/`` (``<file>.weights.h5`` + ``<file>.json``); the genre
models are :mod:`composerlab.models.gan.genres`'."""
SOPRANO_CENTRE = 70
"""Mean pitch of the chorale sopranos: melodies are moved by octaves to sit near it."""


def model_path(model: str) -> Path:
    """Where a named model's weights live: a shipped one, one you trained by its name
    (``composerlab train gan --name NAME``, in :func:`composerlab.paths.user_models_dir`), or a path."""
    from composerlab.paths import models_dir, user_models_dir

    if model in MODELS:
        return models_dir() / MODELS[model]
    if "/" not in model and "\\" not in model and (user_models_dir() / f"{model}.weights.h5").exists():
        return user_models_dir() / model
    return Path(model)


@lru_cache(maxsize=4)
def load_model(model: str = "bach"):
    """The trained GAN (``composerlab.models.gan.network.ChoraleGAN``) for a model name or weight path; cached.

    Raises
    ------
    FileNotFoundError
        When the weights are missing, naming the file and the command that trains them.
    """
    from composerlab.models.gan.network import load_generator

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
    from composerlab.music.melody import ClippedWarning, melody

    line = melody(music) if len(music.tracks) != 1 else music
    roll = np.asarray(line.tracks[0].pianoroll)
    sounding = np.flatnonzero(roll.any(axis=1))
    if sounding.size == 0:
        raise MusicFileError(music.name or "melody", "has no notes to accompany")
    bar = steps_per_bar(time_signature_of(music))
    length = int(sounding[-1]) + 1
    if bars is not None and length > bars * bar:
        warnings.warn(f"{music.name or 'the melody'} is {-(-length // bar)} bars long; "
                      f"accompanying the first {bars} and leaving out the rest", ClippedWarning, stacklevel=3)
        length = bars * bar
    steps = -(-length // bar) * bar
    out = np.zeros((steps, 128), dtype=np.uint8)
    out[:length] = roll[:length]
    return out


def key_pitches(melody: np.ndarray, lowest: int, n_pitches: int) -> np.ndarray:
    """(n_pitches,) booleans: which model pitches belong to the key of ``melody`` (steps, 128)."""
    from composerlab.music import metrics

    mask = metrics.scale_mask(metrics.estimate_key(melody))
    return mask[(lowest + np.arange(n_pitches)) % 12]


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
    from composerlab.music.melody import tempo_of

    gan = load_model(model)
    if programs is None:
        programs = tuple(getattr(gan, "info", {}).get("programs", DEFAULT_PROGRAMS))
    if len(programs) != 4:
        raise ValueError(f"programs needs 4 General MIDI numbers (soprano, alto, tenor, bass), got {list(programs)}")
    roll = melody_roll(music, bars)
    cfg = gan.config
    # The model learned sopranos around SOPRANO_CENTRE; move the melody by whole
    # octaves to sit there, and move the result back, so the melody keeps its pitch.
    pitches = np.flatnonzero(roll.any(axis=0))
    mean = float(np.average(pitches, weights=roll[:, pitches].astype(bool).sum(axis=0)))
    # A model trained on your own music keeps its melodies' mean pitch in its settings.
    centre = getattr(gan, "info", {}).get("soprano_centre", SOPRANO_CENTRE)
    octaves = int(round((centre - mean) / 12))
    shifted = np.roll(roll > 0, 12 * octaves, axis=1)
    window = shifted[:, cfg.lowest_pitch: cfg.lowest_pitch + cfg.n_pitches]
    if window.sum() < shifted.sum():
        warnings.warn("some melody notes lie outside the model's pitch range and were not shown to it",
                      stacklevel=2)
    allowed = key_pitches(shifted, cfg.lowest_pitch, cfg.n_pitches) if in_key else None
    decoding = decoding or default_decoding(model, gan)
    if decoding not in ("chords", "raw"):
        raise ValueError(f"decoding is 'chords' or 'raw', not {decoding!r}")
    steps = roll.shape[0]
    # The whole timeline in one pass, padded with silence to whole 16-step blocks (see the module notes).
    timeline = np.zeros((-(-steps // STEPS_PER_BAR) * STEPS_PER_BAR, window.shape[1]), dtype=bool)
    timeline[:steps] = window
    output = gan.generate(timeline[None], seed=seed)[0]
    if decoding == "chords":
        from composerlab.models.gan.voicing import harmonize

        weights = voicing_weights(gan, voicing, in_key)
        voices = harmonize((output[:, :steps] + 1.0) / 2.0, shifted[:steps], cfg.lowest_pitch,
                           time_signature_of(music), weights=weights, seed=seed)
    else:
        voices = decode(output[None], allowed=allowed)[0][:, :steps]
    # The voices enter with the melody and stop with it: the silent beats before a pickup stay silent.
    sounding = np.flatnonzero(roll.any(axis=1))
    voices[:, : sounding[0]] = False
    voices[:, sounding[-1] + 1:] = False
    composition = np.zeros((4, steps, 128), dtype=bool)
    composition[1:, :, cfg.lowest_pitch: cfg.lowest_pitch + cfg.n_pitches] = voices
    composition = np.roll(composition, -12 * octaves, axis=2)
    composition[0] = roll > 0
    return to_multitrack(composition, programs, tempo_of(music), music.name or "composition", melody_roll=roll,
                         time_signature=time_signature_of(music))


def default_decoding(model: str, gan) -> str:
    """How :func:`compose` decodes a model's output unless told: its json's ``"decoding"``, else
    ``"chords"`` for the shipped Bach model and ``"raw"`` for any other (see :func:`compose`)."""
    return getattr(gan, "info", {}).get("decoding") or ("chords" if model == "bach" else "raw")


def voicing_weights(gan, voicing: dict | None = None, in_key: bool = False):
    """The chord decoding's :class:`~composerlab.models.gan.chords.VoicingWeights` for a model: the
    defaults (set on the chorales), then its json's ``"voicing"``, then ``voicing``; ``in_key`` keeps
    the chords in the key. An unknown weight's name is a ValueError naming the known ones."""
    from dataclasses import fields, replace

    from composerlab.models.gan.chords import VoicingWeights

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


def validation_report(model: str = "bach", limit: int | None = None, bars: int = DEFAULT_BARS, seed: int = 0,
                      in_key: bool = False, decoding: str = "raw") -> dict:
    """Accompany the soprano of every validation chorale and measure data against generated.

    Each chorale's first ``bars`` bars are used; the GAN's alto, tenor and bass
    replace Bach's. Returns ``{"data": means, "generated": means,
    "in_key_melodies": n, "in_key_ratio_in_key_melodies": value, "chorales": n}``
    where in-key melodies are sopranos with every note in their own key.
    ``in_key`` applies the key rule of :func:`compose` (off: the raw model). ``decoding``: ``"raw"``
    (default: the model alone, each voice's likeliest pitch) or ``"chords"`` (:func:`compose`'s chord decoding).
    """
    from composerlab.models.gan import data as chorales
    from composerlab.music import metrics

    gan = load_model(model)
    cfg = gan.config
    pieces = [c for c in chorales.load_chorales(limit) if chorales.is_validation(c.name)]
    data, generated, in_key_rows = [], [], []
    for piece in pieces:
        real = piece.roll[:, : bars * STEPS_PER_BAR]
        melody = chorales.to_model_range(real[0], cfg.lowest_pitch, cfg.n_pitches)
        allowed = key_pitches(real[0], cfg.lowest_pitch, cfg.n_pitches) if in_key else None
        output = gan.generate(melody[None], seed=seed)
        if decoding == "chords":
            from composerlab.models.gan.voicing import VoicingWeights, harmonize

            voices = harmonize((output[0] + 1.0) / 2.0, real[0] > 0, cfg.lowest_pitch,
                               weights=VoicingWeights(chromatic=np.inf) if in_key else None)
        else:
            voices = decode(output, allowed=allowed)[0]
        fake = np.zeros_like(real)
        fake[0] = real[0]
        fake[1:] = chorales.from_model_range(voices, cfg.lowest_pitch)
        key = metrics.estimate_key(real[0])
        data.append(metrics.evaluate(real, key))
        generated.append(metrics.evaluate(fake, key))
        if metrics.in_scale_ratio(real[0], key) == 1.0:
            in_key_rows.append(metrics.in_scale_ratio(fake[1:], key))

    def means(rows):
        return {name: float(np.nanmean([r[name] for r in rows])) for name in metrics.METRIC_NAMES}

    return {"data": means(data), "generated": means(generated), "chorales": len(pieces),
            "in_key_melodies": len(in_key_rows),
            "in_key_ratio_in_key_melodies": float(np.mean(in_key_rows)) if in_key_rows else float("nan")}
