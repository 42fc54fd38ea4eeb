"""Train the accompaniment GAN on your own music: a folder of MIDI, MusicXML and ABC files.

From a terminal::

    composerlab train gan --data my_tunes/ --name mystyle     # then: composerlab compose twinkle --model mystyle

and from a lab cell :func:`train_custom` (lab 07). The network, losses and
training loop are the Bach model's (:mod:`composerlab.models.gan.training`);
only the data differ. Every file the reader takes (:func:`composerlab.music.melody.read_music`:
``.mid``/``.midi``, ``.xml``/``.musicxml``/``.mxl``, ``.abc``, ``.krn``, ``.mei``)
becomes one piece; a file it refuses, or one with a single part, is listed
with its reason and skipped, never fatal.

Which parts are learned (:func:`pick_parts`), unless ``melody_part`` / ``parts`` say otherwise:

- the **melody** is the part the melody finder picks for ``compose``
  (:func:`composerlab.music.melody.melody`): the pitched part with the highest
  average pitch among those with at least a quarter as many notes as the
  busiest, so the model learns to accompany what it will be given;
- the **accompaniment** is up to three other pitched parts, those with the
  most notes, then laid out from high to low in the alto, tenor and bass
  slots (two parts: alto and bass; one part: bass).

Each part is reduced to one line, as the generator writes one note per
voice at a time: the top note where a part plays chords, the bottom note for
the lowest slot. Pieces in any meter are learned on their continuous 16th-note
timeline in windows of 32 steps, every 16 steps, as ``compose`` reads them;
a window is kept where the melody and at least one accompanying part sound.

The model goes to :func:`composerlab.paths.user_models_dir` as ``NAME.weights.h5``,
``NAME.json`` (settings, figures, the melodies' mean pitch) and ``NAME.md``
(its card), never to ``data/models``; ``--model NAME`` then finds it in
``compose``, ``composerlab models`` and the catalog.

The shipped genre models (``palestrina``, ``monteverdi``, ``quartet``) are this same run over a
corpus that ships with music21, with the bass always kept (``keep_bass``):
:mod:`composerlab.models.gan.genres`, ``composerlab train gan --genre NAME``. :func:`copy_corpus`
writes a corpus collection to a folder (the files as they are) to train your own from it.
"""
from __future__ import annotations

import json
import re
import shutil
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from composerlab.errors import MusicFileError
from composerlab.models.gan.data import VALIDATION_SHARE, VOICES, ChoraleDataset
from composerlab.music.pianoroll import STEPS_PER_BAR, stack_rolls, time_signature_of, track_notes

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
"""A model name: lower-case letters, digits, '-' and '_', starting with a letter (it becomes a file name)."""
WORKSHOP_ITERATIONS = 600
"""Default training length of your own model: about 3 minutes on a 2-core CPU."""
WINDOW_STEPS = 2 * STEPS_PER_BAR


@dataclass
class Piece:
    """One file's music as (4, steps, 128) booleans: melody, then the alto, tenor and bass slots."""

    name: str
    roll: np.ndarray
    parts: list
    meter: tuple


@dataclass
class FolderMusic:
    """What :func:`read_folder` found: the pieces used and the files skipped, with their reasons."""

    folder: str
    pieces: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{len(self.pieces)} pieces read from {self.folder}, {len(self.skipped)} files skipped"]
        lines += [f"  skipped {name}: {reason}" for name, reason in self.skipped]
        return "\n".join(lines)


def check_name(name: str) -> str:
    """``name`` if it can name a model of your own, else a ValueError that says why."""
    from composerlab.models.catalog import MODELS

    if not NAME_PATTERN.match(name or ""):
        raise ValueError(f"'{name}' cannot name a model: use lower-case letters, digits, '-' and '_', "
                         "starting with a letter, at most 40 characters")
    if name in MODELS:
        raise ValueError(f"'{name}' is a shipped model's name; choose another (e.g. my_{name})")
    return name


def _find(multitrack, wanted: str) -> int:
    """A part's index from its number (1 = the first part) or its name (case-insensitive)."""
    names = [t.name.strip().lower() for t in multitrack.tracks]
    if wanted.strip().isdigit():
        index = int(wanted) - 1
        if 0 <= index < len(names):
            return index
    elif wanted.strip().lower() in names:
        return names.index(wanted.strip().lower())
    shown = ", ".join(f"{i + 1} {t.name or '(no name)'}" for i, t in enumerate(multitrack.tracks))
    raise MusicFileError(multitrack.name or "piece", f"has no part '{wanted}' (its parts: {shown})")


def pick_parts(multitrack, melody_part: str | None = None, parts: list[str] | None = None,
               keep_bass: bool = False) -> tuple[int, list]:
    """(melody index, accompaniment indices from high to low) by the rule in the module notes.

    ``keep_bass`` (the genre models, :mod:`composerlab.models.gan.genres`): the lowest part (by mean
    pitch) is always one of the three, beside the two busiest others, so a five- or six-voice piece
    keeps its bass line rather than a third inner voice.

    Raises
    ------
    MusicFileError
        A named part is not there, or there is no part to learn an accompaniment from.
    """
    from composerlab.music.melody import melody_track

    notes = {i: track_notes(t) for i, t in enumerate(multitrack.tracks) if not t.is_drum}
    notes = {i: n for i, n in notes.items() if n}
    top = _find(multitrack, melody_part) if melody_part is not None else melody_track(multitrack)
    if parts:
        chosen = [_find(multitrack, p) for p in parts][:3]
    else:
        chosen = sorted((i for i in notes if i != top), key=lambda i: -len(notes[i]))[:3]
        others = [i for i in notes if i != top]
        if keep_bass and len(others) > 3:
            bass = min(others, key=lambda i: np.mean([n.pitch for n in notes[i]]))
            chosen = [bass] + [i for i in chosen if i != bass][:2]
    chosen = [i for i in dict.fromkeys(chosen) if i != top and i in notes]
    if not chosen:
        raise MusicFileError(multitrack.name or "piece", "has one part only: nothing to learn an accompaniment from")
    return top, sorted(chosen, key=lambda i: -np.mean([n.pitch for n in notes[i]]))


def _one_line(roll: np.ndarray, lowest: bool) -> np.ndarray:
    """(steps, 128) booleans with one note at a step: the top one, or the bottom one if ``lowest``."""
    sounding = roll.any(axis=1)
    pitch = roll.argmax(axis=1) if lowest else 127 - roll[:, ::-1].argmax(axis=1)
    out = np.zeros_like(roll)
    out[np.flatnonzero(sounding), pitch[sounding]] = True
    return out


def piece_roll(multitrack, melody_part: str | None = None, parts: list[str] | None = None,
               keep_bass: bool = False) -> Piece:
    """A read file as a :class:`Piece`, parts picked (:func:`pick_parts`) and each reduced to one line."""
    top, chosen = pick_parts(multitrack, melody_part, parts, keep_bass)
    rolls = stack_rolls(multitrack) > 0
    slots = {3: (1, 2, 3), 2: (1, 3), 1: (3,)}[len(chosen)]
    steps = -(-rolls.shape[1] // STEPS_PER_BAR) * STEPS_PER_BAR
    roll = np.zeros((4, steps, 128), dtype=bool)
    roll[0, : rolls.shape[1]] = _one_line(rolls[top], lowest=False)
    for slot, index in zip(slots, chosen):
        roll[slot, : rolls.shape[1]] = _one_line(rolls[index], lowest=slot == 3)
    names = [multitrack.tracks[i].name or f"part {i + 1}" for i in [top, *chosen]]
    return Piece(multitrack.name or "piece", roll, names, tuple(time_signature_of(multitrack)))


def music_files(folder: Path) -> list[Path]:
    """Every file under ``folder`` (sub-folders too), hidden ones left out, in name order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(s.startswith(".") for s in
                                                                         p.relative_to(folder).parts))


def read_folder(folder: str | Path, melody_part: str | None = None, parts: list[str] | None = None,
                progress: bool = True) -> FolderMusic:
    """Read every music file under ``folder``; a file that cannot be used is listed with its reason."""
    from tqdm.auto import tqdm

    from composerlab.music.melody import read_music
    from composerlab.music.midi import is_midi_name
    from composerlab.music.notation import is_notation_name

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of music files")
    found = FolderMusic(str(folder))
    for path in tqdm(music_files(folder), desc="reading", disable=not progress):
        name = path.relative_to(folder).as_posix()
        if not (is_midi_name(path) or is_notation_name(path)):
            found.skipped.append((name, f"not a MIDI, MusicXML or ABC file (suffix '{path.suffix}')"))
            continue
        try:
            piece = piece_roll(read_music(path), melody_part, parts)
        except MusicFileError as err:
            found.skipped.append((name, err.reason))
            continue
        piece.name = name
        found.pieces.append(piece)
    return found


def piece_windows(roll: np.ndarray, hop: int = STEPS_PER_BAR) -> np.ndarray:
    """Windows of 32 steps every ``hop`` steps where the melody and at least one accompanying part sound."""
    cut = [roll[:, s: s + WINDOW_STEPS] for s in range(0, roll.shape[1] - WINDOW_STEPS + 1, hop)]
    cut = [w for w in cut if w[0].any() and w[1:].any()]
    return np.stack(cut) if cut else np.zeros((0, 4, WINDOW_STEPS, 128), dtype=bool)


def build_dataset(found: FolderMusic, validation_share: float = VALIDATION_SHARE, held_out: int | None = None,
                  keep: frozenset | set | tuple = ()) -> ChoraleDataset:
    """Windows split by piece: a fixed hash of the file name sends about ``validation_share`` to validation.

    With three pieces or more, at least one goes to validation, so there is always held-out music to measure.
    ``held_out``: that many pieces instead, at most a quarter of them (the first by the same hash, so a larger
    split keeps the smaller one's pieces); ``keep``: names that train whenever other pieces can be held out
    instead (a genre's pieces that chose its decoding weights must never measure it,
    :data:`composerlab.models.gan.genre_figures.CHOSEN_ON`).
    """
    # kept pieces rank last: held out only where nothing else is left (a test reading three files)
    ranked = sorted(found.pieces, key=lambda p: (p.name in keep, zlib.crc32(p.name.encode())))
    n_validation = max(1 if len(ranked) >= 3 else 0, round(validation_share * len(found.pieces)))
    if held_out is not None:  # never more than a quarter: a few pieces read for a test still train on most
        n_validation = min(held_out, max(n_validation, len(found.pieces) // 4))
    held = {p.name for p in ranked[:n_validation]}
    split = {True: [], False: []}
    for piece in found.pieces:
        split[piece.name in held].append(piece)
    empty = np.zeros((0, 4, WINDOW_STEPS, 128), dtype=bool)

    def stack(pieces):
        cuts = [piece_windows(p.roll) for p in pieces]
        return np.concatenate(cuts) if cuts else empty

    return ChoraleDataset(train=stack(split[False]), validation=stack(split[True]),
                          train_names=[p.name for p in split[False]], validation_names=[p.name for p in split[True]],
                          bars=2, validation_chorales=split[True])


def melody_centre(found: FolderMusic) -> float:
    """Mean pitch of the pieces' melodies, weighted by time: where ``compose`` moves a melody by octaves."""
    pitches = np.concatenate([np.nonzero(p.roll[0])[1] for p in found.pieces])
    return float(pitches.mean())


SELECTION_WEIGHTS = {"empty_bar_rate": 1, "pitches_used": 1, "pitch_classes_used": 1, "polyphonic_rate": 1,
                     "in_scale_ratio": 1, "tonal_distance": 1, "consonant_beats": 2, "chord_fit": 2}
"""What ``select_best`` compares, and how much each counts: the harmony measures twice, as they are what a
listener hears first (parallels per bar and qualified notes are too rare or too near 1 to steer)."""


def distance_to_data(model: dict, data: dict, weights: dict | None = None) -> float:
    """How far a model's figures lie from the data's: weighted mean of |log(model / data)| over
    :data:`SELECTION_WEIGHTS` (or ``weights``).

    A rate is floored at 0.02 so a near-zero one (few empty bars) does not dominate.
    """
    weights = SELECTION_WEIGHTS if weights is None else weights
    gaps = {k: abs(np.log(max(model[k], 0.02) / max(data[k], 0.02))) for k in weights
            if np.isfinite(model.get(k, np.nan)) and np.isfinite(data.get(k, np.nan))}
    total = sum(weights[k] for k in gaps)
    return float(sum(weights[k] * g for k, g in gaps.items()) / total) if total else float("inf")


def copy_corpus(composers: str | list[str], folder: str | Path, limit: int | None = None) -> list[Path]:
    """Copy music21 corpus files (as they are: MusicXML, Humdrum, ABC) into ``folder`` to train on.

    ``composers`` names one corpus collection or several (``"monteverdi"``,
    ``["haydn", "mozart", "beethoven"]``); ``limit`` keeps the first files of each, by name.
    """
    import music21

    from composerlab.music.notation import is_notation_name

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for composer in [composers] if isinstance(composers, str) else composers:
        # the scores only: a collection also holds analyses (Monteverdi's roman numerals, .rntxt)
        paths = sorted((Path(str(p)) for p in music21.corpus.getComposer(composer)
                        if is_notation_name(str(p))), key=str)
        if not paths:
            raise ValueError(f"music21's corpus has no collection '{composer}'")
        for path in paths[:limit]:
            relative = str(path).split("/corpus/", 1)[-1].replace("/", "__")
            copied.append(Path(shutil.copyfile(path, folder / relative)))
    return copied


def train_custom(data: str | Path | FolderMusic, name: str, iterations: int = WORKSHOP_ITERATIONS, learning_rate: float = 1e-3,
                 update_ratio: int = 2, batch_size: int = 32, seed: int = 0, melody_part: str | None = None,
                 parts: list[str] | None = None, eval_every: int | None = None, progress: bool = True,
                 live_plot: bool = False, folder: str | Path | None = None, check: bool = True,
                 select_best: bool = False, settings: dict | None = None, split: dict | None = None) -> dict:
    """Read ``data``, train a GAN on it and save it as ``name`` with its card; return what happened.

    ``data`` is a folder, or what :func:`read_folder` already found in one (then it is not read again).
    ``check=False`` lets a genre run (:mod:`composerlab.models.gan.genres`) use its shipped model's
    name; it still writes under ``out/``, and only its ``--install`` step replaces the shipped files.
    ``settings`` are further :class:`~composerlab.models.gan.network.GANConfig` values (e.g. the pitch
    range a genre needs: ``{"lowest_pitch": 36, "n_pitches": 64}``). ``split``: :func:`build_dataset`'s
    ``held_out`` and ``keep`` (a genre's own split, :func:`composerlab.models.gan.genre_figures.genre_split`).
    ``select_best`` keeps the generator of the evaluation whose figures on the *training* windows lie
    closest to the data's (:func:`distance_to_data`), not the last one: a WGAN's figures swing from
    one evaluation to the next on sparse music (rests). Held-out windows never choose.

    Returns
    -------
    dict
        ``path`` (the weights), ``card``, ``found`` (:class:`FolderMusic`), ``dataset`` summary,
        ``history`` (:class:`~composerlab.models.gan.training.TrainingHistory`), ``metrics`` (the last
        measures per split), ``seconds`` of training and ``wall_seconds``.

    Raises
    ------
    ValueError
        A bad name, no usable piece, or fewer training windows than one batch.
    """
    from composerlab.models.gan.card import write_card
    from composerlab.models.gan.network import GANConfig
    from composerlab.models.gan.training import train
    from composerlab.paths import user_models_dir

    if check:
        check_name(name)
    wall_started = time.perf_counter()
    found = data if isinstance(data, FolderMusic) else read_folder(data, melody_part, parts, progress=progress)
    data = found.folder
    if not found.pieces:
        raise ValueError(f"no piece in {data} can be learned from\n{found.report()}")
    dataset = build_dataset(found, **(split or {}))
    if len(dataset.train) < batch_size:
        raise ValueError(f"{len(dataset.train)} training windows from {len(dataset.train_names)} pieces are fewer than "
                         f"one batch of {batch_size}: add music or lower --batch-size")
    config = GANConfig(iterations=iterations, learning_rate=learning_rate, update_ratio=update_ratio,
                       batch_size=batch_size, seed=seed, **(settings or {}))
    every = eval_every if eval_every is not None else max(1, iterations // 4)
    best = {"iteration": None, "distance": np.inf, "weights": None}

    def keep_best(iteration, gan, history):
        rows = {row["split"]: row for row in history.metrics if row["iteration"] in (0, iteration)}
        if iteration == 0 or "train" not in rows or "data train" not in rows:
            return
        distance = distance_to_data(rows["train"], rows["data train"])
        if distance < best["distance"]:
            best.update(iteration=iteration, distance=distance, weights=gan.generator.get_weights())

    gan, history = train(config, dataset, eval_every=every, progress=progress, live_plot=live_plot,
                         callback=keep_best if select_best else None)
    last = {row["split"]: row for row in history.metrics}
    if select_best and best["weights"] is not None:
        gan.generator.set_weights(best["weights"])
        last.update({row["split"]: row for row in history.metrics if row["iteration"] == best["iteration"]})
    stem = Path(folder or user_models_dir()) / name
    info = {"model_type": "gan", "name": name, "soprano_centre": melody_centre(found), "voices": list(VOICES),
            "data": {"folder": str(data), "files": [[p.name, p.parts, list(p.meter)] for p in found.pieces],
                     "skipped": found.skipped, **dataset.summary()},
            "training_seconds": history.seconds, "metrics": list(last.values()),
            **({"selected_iteration": best["iteration"], "selection_distance": best["distance"]}
               if select_best and best["weights"] is not None else {}),
            "summary": f"your GAN, trained on {Path(data).name}/ ({len(found.pieces)} pieces, {iterations} iterations)"}
    path = gan.save(stem, extra=info)
    from composerlab.models.gan.generate import load_model

    load_model.cache_clear()  # a model retrained under the same name is loaded afresh
    (stem.parent / f"{name}.history.json").write_text(json.dumps(history.to_json()))
    wall = time.perf_counter() - wall_started
    card = write_card(stem, info, config, wall)
    return {"path": path, "card": card, "found": found, "dataset": dataset.summary(), "history": history,
            "metrics": last, "seconds": history.seconds, "wall_seconds": wall}
