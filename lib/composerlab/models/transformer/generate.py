"""Extend a melody: your melody in, the same melody followed by N new bars in its own meter out.

:func:`extend` turns the melody of ``music`` (a polyphonic piece's top line) into tokens in its meter
(4/4, 2/2, 3/4, 2/4 or 6/8, a pickup kept), lets the Transformer write one token at a time with a
cache of past keys and values, and returns two tracks: your melody ("Melody", note for note) and the
continuation ("Transformer"), whose bars are your tune's bars. Temperature, top-k and top-p shape the
sampling (:data:`PARAMETERS`, :func:`filter_logits`); the same seed and settings give the same notes::

    composerlab compose twinkle --model transformer --bars 8 --top-p 0.9 -o out.mid

Introduced in lab 06.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.models.parameters import Parameter, check_parameters
from composerlab.models.runtime import one_blas_thread
from composerlab.models.transformer.network import load
from composerlab.models.transformer.tokens import HIGHEST_PITCH, LOWEST_PITCH, METERS, meter_name, tokenizer
from composerlab.music.melody import melody, tempo_of
from composerlab.music.pianoroll import (
    Note,
    make_multitrack,
    n_steps_of,
    steps_per_bar,
    time_signature_of,
    track_notes,
)
from composerlab.paths import models_dir

DEFAULT_TEMPERATURE = 0.9
DEFAULT_TOP_K = 0
DEFAULT_TOP_P = 0.95
DEFAULT_BARS = 8
MAX_BARS = 16
WEIGHTS = "transformer"
"""The shipped weights in ``data/models/`` (``transformer.weights.h5`` + ``transformer.json``)."""
PARAMETERS = (
    Parameter("bars", "bars", DEFAULT_BARS, "new bars after your melody (0: your melody as it is)", low=0,
              high=MAX_BARS, whole=True, step=1, requirement=f"a whole number from 0 to {MAX_BARS}", option="--bars"),
    Parameter("temperature", "temperature", DEFAULT_TEMPERATURE, "sampling temperature: low, safe choices; high, "
              "surprises", low=0, above=True, step=0.1, shown=(0.1, 3.0),
              requirement="above 0 (1 = the model's own odds)", option="--temperature"),
    Parameter("top_k", "top-k", DEFAULT_TOP_K, "keep the k likeliest tokens (0 = all)", low=0, whole=True, step=1,
              shown=(0, 200), requirement="0 (off) or a positive whole number of tokens", option="--top-k"),
    Parameter("top_p", "top-p", DEFAULT_TOP_P, "nucleus sampling: keep the likeliest tokens up to this probability "
              "(1: off)", low=0, above=True, high=1, step=0.05, shown=(0.05, 1.0),
              requirement="above 0 and at most 1 (1 = off)", option="--top-p"),
)
"""What a learner sets on the Transformer: new bars and the three sampling knobs."""


def check_settings(bars, temperature, top_k, top_p) -> dict:
    """The sampling settings as the model takes them (None: the default), or a
    :class:`~composerlab.errors.ParameterError` naming the first that makes no sense and why."""
    return check_parameters(PARAMETERS, {"bars": bars, "temperature": temperature, "top_k": top_k, "top_p": top_p})


def model_path(model: str) -> Path:
    """Where a named model's weights live (``"transformer"``: the shipped ones), or the path itself for a
    model you trained."""
    return models_dir() / WEIGHTS if model == "transformer" else Path(str(model).removesuffix(".weights.h5"))


@lru_cache(maxsize=4)
def load_model(model: str = "transformer"):
    """(network, cached decoder) for a model name or weight path; loaded once."""
    net = load(model_path(model))
    return net, net.decoder()


def filter_logits(logits: np.ndarray, temperature: float, top_k: int, top_p: float) -> np.ndarray:
    """Probabilities after temperature, top-k and top-p (the masked tokens get 0).

    ``temperature`` divides the scores before the softmax: below 1 the model plays safe, above 1 it takes
    risks; ``top_k`` keeps only the k likeliest tokens (0: all); ``top_p`` (nucleus) keeps the smallest
    set of likeliest tokens whose probabilities add up to p.
    """
    scores = np.asarray(logits, dtype=np.float64) / temperature
    finite = np.isfinite(scores)
    if top_k and top_k < finite.sum():
        kth = np.sort(scores[finite])[-top_k]
        scores = np.where(scores >= kth, scores, -np.inf)
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    if top_p < 1:
        order = np.argsort(-probabilities, kind="stable")
        before = np.cumsum(probabilities[order]) - probabilities[order]
        drop = order[before >= top_p]  # the likeliest token is always kept
        probabilities[drop] = 0
        probabilities /= probabilities.sum()
    return probabilities


def sample_tokens(decoder, prompt: np.ndarray, bars: int, temperature: float, top_k: int, top_p: float,
                  rng: np.random.Generator, silent_bars: bool = False, bar_steps: int = 16,
                  ablate: bool = False) -> np.ndarray:
    """Tokens for ``bars`` new bars of ``bar_steps`` steps after ``prompt`` (which ends inside its last bar).

    The first token is a bar line (the prompt's last bar is left as it is);
    after it only tokens that continue a melody in order are allowed (a pitch
    after a position, a duration after a pitch, positions moving forward in
    the bar), and ``EOS`` is never chosen: the model writes exactly ``bars`` bars.
    Unless ``silent_bars``, a new bar line is followed by a note, never by
    another bar line: a continuation has no silent bar. When
    the context fills up, the cache is rebuilt from the latest half, after the
    prompt's ``Meter`` token: the model always reads the meter, as in training.
    With ``ablate`` the network's scores are replaced by equal ones (uniform over the tokens the
    grammar allows), the same sampling otherwise: what the model adds, measured by its absence.
    """
    tok = tokenizer()
    context = decoder.config.context
    head = [t for t in prompt[:2] if tok.kinds[t] == "Meter"]  # the meter, kept when the prompt is cut
    history = list(prompt) if len(prompt) < context else head + list(prompt[-(context - 1 - len(head)):])
    cache = decoder.new_cache()
    logits = decoder.run(np.array([history]), cache, 0)[0, -1]
    previous, position, new, bar_count = history[-1], _last_position(tok, history), [], 0
    while True:
        mask = tok.allowed_next(previous, position, bar_steps)
        if not new:  # the continuation begins at the next bar line: the learner's bars stay as they are
            mask = tok.kinds == "Bar"
        elif not silent_bars and tok.kinds[previous] == "Bar":
            mask = mask & (tok.kinds != "Bar")
        scores = np.zeros_like(logits) if ablate else logits
        probabilities = filter_logits(np.where(mask, scores, -np.inf), temperature, top_k, top_p)
        token = int(rng.choice(len(probabilities), p=probabilities))
        if tok.kinds[token] == "Bar":
            if bar_count == bars:
                break
            bar_count, position = bar_count + 1, -1
        elif tok.kinds[token] == "Position":
            position = int(tok.values[token])
        new.append(token)
        history.append(token)
        previous = token
        if len(history) >= context:
            history = head + history[-(context // 2):]
            cache = decoder.new_cache()
            logits = decoder.run(np.array([history]), cache, 0)[0, -1]
        else:
            logits = decoder.run(np.array([[token]]), cache, len(history) - 1)[0, -1]
        if bar_count == bars and tok.kinds[token] == "Duration" and position >= bar_steps - 1:
            break  # the last bar is full: nothing can follow but a bar line
    return np.array(new, dtype=np.int32)


def _last_position(tok, history) -> int:
    for token in reversed(history):
        if tok.kinds[token] == "Bar":
            return -1
        if tok.kinds[token] == "Position":
            return int(tok.values[token])
    return -1


def octave_shift(notes: list[Note]) -> int:
    """Semitones (whole octaves) that move a melody into the model's range, 0 when it fits."""
    low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
    shift = 0
    while low + shift < LOWEST_PITCH and high + shift + 12 <= HIGHEST_PITCH + 12:
        shift += 12
    while high + shift > HIGHEST_PITCH and low + shift - 12 >= LOWEST_PITCH - 12:
        shift -= 12
    return shift


def continue_notes(notes: list[Note], bars: int = DEFAULT_BARS, seed: int = 0, temperature: float | None = None,
                   top_k: int | None = None, top_p: float | None = None, model: str = "transformer",
                   silent_bars: bool = False, meter=(4, 4), ablate: bool = False) -> list[Note]:
    """The new notes that continue ``notes`` (a one-voice melody in ``meter``, bar lines every bar from step
    0) for ``bars`` bars.

    The continuation starts at the first bar line after the melody's last note.
    ``silent_bars`` lets the model leave a bar empty (off: every new bar has a note); ``ablate`` samples
    from uniform scores instead of the network's (see :func:`sample_tokens`).
    """
    settings = check_settings(bars, temperature, top_k, top_p)
    if not notes:
        raise MusicFileError("melody", "has no notes to continue")
    if settings["bars"] == 0:
        return []
    _, decoder = load_model(model)
    tok = tokenizer()
    bar = steps_per_bar(tuple(meter))
    shift = octave_shift(notes)
    moved = [Note(n.start, n.pitch + shift, n.length) for n in notes]
    prompt_bars = -(-max(n.end for n in notes) // bar)
    prompt = tok.encode(moved, meter)
    last_bar = max(n.start for n in notes) // bar
    # Bars the melody holds or rests through after its last note begins are bar lines the model must see.
    prompt = np.concatenate([prompt, [tok.bar] * (prompt_bars - 1 - last_bar)]).astype(np.int32)
    rng = np.random.default_rng(seed)
    # One BLAS thread: each step multiplies one token's vector by small matrices, and numpy's threaded BLAS
    # spends more than it saves there.
    with one_blas_thread():
        new = sample_tokens(decoder, prompt, settings["bars"], settings["temperature"], settings["top_k"],
                            settings["top_p"], rng, silent_bars, bar, ablate)
    offset = prompt_bars * bar
    written = tok.decode(new, meter)
    # One voice: a note ends where the next begins (REMI durations may overlap the next onset).
    ends = [n.start for n in written[1:]] + [settings["bars"] * bar]
    return [Note(n.start + offset, n.pitch - shift, max(1, min(n.length, end - n.start)))
            for n, end in zip(written, ends)]


def extend(music: pypianoroll.Multitrack, seed: int = 0, bars: int = DEFAULT_BARS, temperature: float | None = None,
           top_k: int | None = None, top_p: float | None = None, model: str = "transformer") -> pypianoroll.Multitrack:
    """Continue the melody of ``music`` for ``bars`` bars.

    Parameters
    ----------
    music : pypianoroll.Multitrack
        A melody, or a composition whose top line is taken
        (:func:`composerlab.music.melody.melody`), in 4/4, 2/2, 3/4, 2/4 or 6/8.
    seed : int
        Same seed, same notes.
    bars : int
        New bars, 0-16 (0: the melody as it is).
    temperature, top_k, top_p : optional
        Sampling (defaults 0.9, 0 = off, 0.95).
    model : str
        ``"transformer"`` (shipped) or the weights path of one you trained.

    Returns
    -------
    pypianoroll.Multitrack
        Two tracks on the same instrument, in your melody's meter and tempo: "Melody" (yours,
        unchanged, onsets and all) and "Transformer" (the new bars).

    Raises
    ------
    MusicFileError
        No pitched notes (empty, or drums only), or a meter it does not know.
    ValueError
        Sampling settings out of range (a :class:`~composerlab.errors.ParameterError`, see :data:`PARAMETERS`).
    """
    bars = check_settings(bars, temperature, top_k, top_p)["bars"]
    name = music.name or "melody"
    meter = time_signature_of(music)
    if meter not in METERS:
        raise MusicFileError(name, f"is in {meter_name(meter)}; the Transformer continues melodies in "
                                   f"{', '.join(meter_name(m) for m in METERS)}, the meters it learned")
    line = melody(music)  # no pitched notes (empty, drums only) raises MusicFileError here
    notes = track_notes(line.tracks[0])
    if not notes:
        raise MusicFileError(name, "has no notes to continue")
    new = continue_notes(notes, bars, seed, temperature, top_k, top_p, model, meter=meter)
    program = int(line.tracks[0].program)
    bar = steps_per_bar(meter)
    total = max((-(-max(n.end for n in notes) // bar) + bars) * bar, n_steps_of(line) if bars == 0 else 0)
    return make_multitrack([("Melody", program, notes), ("Transformer", program, new)], n_steps=total,
                           tempo=tempo_of(music), time_signature=meter, name=name)


def join_tracks(music: pypianoroll.Multitrack) -> pypianoroll.Multitrack:
    """Melody and continuation as one track "Melody", for the next model of a chain."""
    notes = [n for track in music.tracks if not track.is_drum for n in track_notes(track)]
    program = int(music.tracks[0].program) if music.tracks else 0
    return make_multitrack([("Melody", program, notes)], n_steps=n_steps_of(music), tempo=tempo_of(music),
                           time_signature=time_signature_of(music), name=music.name)
