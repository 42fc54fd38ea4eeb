"""The accompaniment GAN trained on pieces of your own choosing: a folder of your music, or a genre's corpus.

The network, losses and loop are the Bach model's (:mod:`composerlab.models.gan.training`); only the data
differ. Pieces in any meter (:mod:`composerlab.models.corpora.pieces`) are learned on their continuous
16th-note timeline in windows of 32 steps, every 16 steps, as ``compose`` reads them; a window is kept
where the melody and at least one accompanying part sound. :func:`fit_pieces` trains and saves a model
under :func:`composerlab.paths.user_models_dir` (``NAME.weights.h5``, ``NAME.json``), never ``data/models``;
its card and the whole run from a folder are :mod:`composerlab.models.cards.custom`'s.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np

from composerlab.models.corpora.cache import write_json
from composerlab.models.corpora.chorales import VOICES
from composerlab.models.corpora.pieces import FolderMusic
from composerlab.models.corpora.split import VALIDATION_SHARE
from composerlab.models.gan.data import ChoraleDataset
from composerlab.models.gan.generate import load_model, shipped_names
from composerlab.models.gan.network import GANConfig
from composerlab.models.gan.training import train
from composerlab.music.pianoroll import STEPS_PER_BAR
from composerlab.paths import user_models_dir

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
"""A model name: lower-case letters, digits, '-' and '_', starting with a letter (it becomes a file name)."""
WORKSHOP_ITERATIONS = 600
"""Default training length of your own model: about 3 minutes on a 2-core CPU."""
WINDOW_STEPS = 2 * STEPS_PER_BAR


def check_name(name: str, reserved=None) -> str:
    """``name`` if it can name a model of your own, else a ValueError that says why.

    ``reserved``: the names it may not take (by default the shipped accompaniment models';
    the command line passes every model the catalog knows).
    """
    reserved = shipped_names() if reserved is None else reserved
    if not NAME_PATTERN.match(name or ""):
        raise ValueError(f"'{name}' cannot name a model: use lower-case letters, digits, '-' and '_', "
                         "starting with a letter, at most 40 characters")
    if name in reserved:
        raise ValueError(f"'{name}' is a shipped model's name; choose another (e.g. my_{name})")
    return name


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
    :attr:`composerlab.models.corpora.genres.Genre.chosen_on`).
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


def fit_pieces(found: FolderMusic, name: str, iterations: int = WORKSHOP_ITERATIONS, learning_rate: float = 1e-3,
               update_ratio: int = 2, batch_size: int = 32, seed: int = 0, eval_every: int | None = None,
               progress: bool = True, live_plot: bool = False, folder: str | Path | None = None,
               select_best: bool = False, settings: dict | None = None, split: dict | None = None) -> dict:
    """Train a GAN on the pieces ``found`` and save it as ``name`` (no card: see :mod:`composerlab.models.cards`).

    ``settings`` are further :class:`~composerlab.models.gan.network.GANConfig` values (e.g. the pitch
    range a genre needs: ``{"lowest_pitch": 36, "n_pitches": 64}``). ``split``: :func:`build_dataset`'s
    ``held_out`` and ``keep`` (a genre's own split, :func:`composerlab.models.corpora.genres.genre_split`).
    ``select_best`` keeps the generator of the evaluation whose figures on the *training* windows lie
    closest to the data's (:func:`distance_to_data`), not the last one: a WGAN's figures swing from
    one evaluation to the next on sparse music (rests). Held-out windows never choose.

    Returns
    -------
    dict
        ``path`` (the weights), ``stem``, ``info`` (what its json holds), ``config``, ``found``,
        ``dataset`` summary, ``history`` (:class:`~composerlab.models.gan.training.TrainingHistory`),
        ``metrics`` (the last measures per split) and ``seconds`` of training.

    Raises
    ------
    ValueError
        No usable piece, or fewer training windows than one batch.
    """
    if not found.pieces:
        raise ValueError(f"no piece in {found.folder} can be learned from\n{found.report()}")
    dataset = build_dataset(found, **(split or {}))
    if len(dataset.train) < batch_size:
        raise ValueError(f"{len(dataset.train)} training windows from {len(dataset.train_names)} pieces are fewer than "
                         f"one batch of {batch_size}: add music or lower --batch-size")
    config = GANConfig(iterations=iterations, learning_rate=learning_rate, update_ratio=update_ratio,
                       batch_size=batch_size, seed=seed, **(settings or {}))
    every = eval_every if eval_every is not None else max(1, iterations // 4)
    best = BestGenerator()
    gan, history = train(config, dataset, eval_every=every, progress=progress, live_plot=live_plot,
                         callback=best.consider if select_best else None)
    last = {row["split"]: row for row in history.metrics}
    if select_best and best.weights is not None:
        gan.generator.set_weights(best.weights)
        last.update({row["split"]: row for row in history.metrics if row["iteration"] == best.iteration})
    stem = Path(folder or user_models_dir()) / name
    info = {"model_type": "gan", "name": name, "soprano_centre": melody_centre(found), "voices": list(VOICES),
            "data": {"folder": str(found.folder), "files": [[p.name, p.parts, list(p.meter)] for p in found.pieces],
                     "skipped": found.skipped, **dataset.summary()},
            "training_seconds": history.seconds, "metrics": list(last.values()),
            **({"selected_iteration": best.iteration, "selection_distance": best.distance}
               if select_best and best.weights is not None else {}),
            "summary": f"your GAN, trained on {Path(found.folder).name}/ ({len(found.pieces)} pieces, "
                       f"{iterations} iterations)"}
    path = gan.save(stem, extra=info)
    load_model.cache_clear()  # a model retrained under the same name is loaded afresh
    write_json(stem.parent / f"{name}.history.json", history.to_json())
    return {"path": path, "stem": stem, "info": info, "config": config, "found": found,
            "dataset": dataset.summary(), "history": history, "metrics": last, "seconds": history.seconds}


class BestGenerator:
    """The generator of the evaluation whose figures on the training windows lie closest to the data's."""

    def __init__(self):
        self.iteration, self.distance, self.weights = None, np.inf, None

    def consider(self, iteration: int, gan, history) -> None:
        """A training callback: keep ``gan``'s weights if this evaluation is the closest yet."""
        rows = {row["split"]: row for row in history.metrics if row["iteration"] in (0, iteration)}
        if iteration == 0 or "train" not in rows or "data train" not in rows:
            return
        distance = distance_to_data(rows["train"], rows["data train"])
        if distance < self.distance:
            self.iteration, self.distance, self.weights = iteration, distance, gan.generator.get_weights()
