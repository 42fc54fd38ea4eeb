"""Training the AR-CNN: corrupted chorales in, the cells to fix out; progress, validation, checkpoints.

Every ``eval_every`` updates it measures, on fixed corrupted validation windows, the loss and the
*top-1 fix rate*: how often the cell the network ranks first is one that is really wrong. From a
terminal (writes ``out/models/arcnn.*``; ``--install`` then copies the run over the shipped model)::

    python -m composerlab.models.arcnn.training --install

Introduced in lab 05.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from composerlab.models.arcnn import data as merged
from composerlab.models.arcnn.network import ARCNN, ARCNNConfig
from composerlab.models.runtime import install_run
from composerlab.paths import out_dir

N_EVAL_WINDOWS = 128
SUFFIXES = (".weights.h5", ".json", ".history.json")
"""The files of a saved AR-CNN: weights, config and figures, training history."""


def default_output() -> Path:
    """Where a training run saves unless told otherwise: ``out/models/arcnn`` (ignored by git)."""
    return out_dir() / "models" / "arcnn"


def install(stem: str | Path | None = None) -> list[Path]:
    """Copy a saved run (default :func:`default_output`) over the shipped ``data/models/arcnn.*``; the files written.

    Raises FileNotFoundError, copying nothing, when one of the run's files is missing.
    """
    stem = Path(str(stem if stem is not None else default_output()).replace(".weights.h5", "").replace(".json", ""))
    return install_run(stem, SUFFIXES, "arcnn", "AR-CNN", "python -m composerlab.models.arcnn.training")


@dataclass
class TrainingHistory:
    """What a run records: ``losses`` (iteration, loss) per update, ``evaluations``
    (iteration, split, loss, top1) per evaluation, and ``seconds`` spent updating."""

    losses: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    seconds: float = 0.0

    def curve(self, split: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(iterations, values) of ``key`` ("loss" or "top1") for ``split`` ("train" or "validation")."""
        rows = [r for r in self.evaluations if r["split"] == split]
        return np.array([r["iteration"] for r in rows]), np.array([r[key] for r in rows])

    def last(self, split: str = "validation") -> dict:
        """The latest evaluation of ``split``."""
        rows = [r for r in self.evaluations if r["split"] == split]
        return rows[-1] if rows else {}

    def plot(self):
        """Loss (updates, smoothed, and evaluations) and the top-1 fix rate, side by side."""
        import matplotlib.pyplot as plt  # for plots only: loaded when one is drawn

        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
        steps = np.array([r["iteration"] for r in self.losses])
        values = np.array([r["loss"] for r in self.losses])
        width = max(1, len(values) // 50)
        if len(values) >= width:
            left.plot(steps[width - 1:], np.convolve(values, np.ones(width) / width, "valid"), lw=0.8,
                      label="training batches (smoothed)")
        for split, style in (("train", "o-"), ("validation", "s--")):
            x, y = self.curve(split, "loss")
            left.plot(x, y, style, ms=3, label=f"{split} set")
            x, y = self.curve(split, "top1")
            right.plot(x, y, style, ms=3, label=f"{split} set")
        left.set_title("loss (cross-entropy over all cells)")
        right.set_title("top-1 fix rate: the best-ranked cell is a wrong one")
        right.set_ylim(0, 1)
        for ax in (left, right):
            ax.set_xlabel("update")
            ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    def to_json(self) -> dict:
        return {"losses": self.losses, "evaluations": self.evaluations, "seconds": self.seconds}


def eval_pairs(windows: np.ndarray, config: ARCNNConfig, n: int = N_EVAL_WINDOWS, seed: int = 1,
               melodies: bool = False):
    """A fixed set of corrupted windows and their targets (same seed, same set), for comparable evaluations.

    With ``config.clean_key`` also the key input each window is read with (see
    :func:`composerlab.models.arcnn.data.training_pairs`); with ``melodies`` the windows are folk
    melodies (:func:`composerlab.models.arcnn.data.melody_pairs`).
    """
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(len(windows), min(n, len(windows)), replace=False))
    if melodies:
        return merged.melody_pairs(windows, index, rng, config.max_shift, config.clean_key)
    return merged.training_pairs(windows, index, rng, config.max_shift, **config.corruption)


def batch_pairs(dataset, melodies, index, melody_index, rng, config: ARCNNConfig):
    """One batch's (inputs, targets[, keys]): chorale windows ``index`` and folk-melody windows ``melody_index``."""
    parts = [merged.training_pairs(dataset.train, index, rng, config.max_shift, **config.corruption)]
    if len(melody_index):
        parts.append(merged.melody_pairs(melodies.train, melody_index, rng, config.max_shift, config.clean_key))
    return tuple(np.concatenate(arrays) for arrays in zip(*parts))


def train(config: ARCNNConfig | None = None, dataset: merged.MergedDataset | None = None, eval_every: int = 250,
          progress: bool = True, live_plot: bool = False, callback=None, melodies: merged.MelodyWindows | None = None):
    """Train an AR-CNN.

    Parameters
    ----------
    config : ARCNNConfig
        Hyperparameters (iterations, batch size, learning rate, width, seed...).
    dataset : MergedDataset, optional
        Defaults to every corpus chorale in windows of ``config.bars`` bars.
    eval_every : int
        Measure loss and top-1 fix rate on fixed train and validation sets every this many updates.
    progress : bool
        A tqdm bar with the running loss.
    live_plot : bool
        Redraw :meth:`TrainingHistory.plot` in the notebook at each evaluation.
    callback : callable, optional
        ``callback(iteration, net, history)`` after each evaluation.
    melodies : MelodyWindows, optional
        The folk melodies a share of each batch comes from (``config.melody_share``); by default the
        tunes of :data:`composerlab.models.arcnn.data.MELODY_BOOKS` when that share is above 0.

    Returns
    -------
    (ARCNN, TrainingHistory)
    """
    config = config or ARCNNConfig()
    dataset = dataset or merged.build_dataset(bars=config.bars)
    if len(dataset.train) < config.batch_size:
        raise ValueError(f"only {len(dataset.train)} training windows for a batch of {config.batch_size}; "
                         "use more chorales or a smaller batch_size")
    n_melodies = int(round(config.melody_share * config.batch_size))
    if n_melodies and melodies is None:
        melodies = merged.melody_windows(merged.MELODY_BOOKS)
    net = ARCNN(config)
    history = TrainingHistory()
    rng = np.random.default_rng(config.seed)
    sets = {"train": eval_pairs(dataset.train, config)}
    if len(dataset.validation):
        sets["validation"] = eval_pairs(dataset.validation, config)
    if n_melodies and len(melodies.validation):
        sets["melodies"] = eval_pairs(melodies.validation, config, melodies=True)

    def evaluate(iteration):
        for split, pairs in sets.items():
            history.evaluations.append({"iteration": iteration, "split": split, **net.evaluate(*pairs)})
        if live_plot:
            # for live plots only: matplotlib and IPython load when one is drawn
            import matplotlib.pyplot as plt
            from IPython.display import clear_output, display  # the notebook's live plot, loaded with it

            clear_output(wait=True)
            display(history.plot())
            plt.close("all")
        if callback is not None:
            callback(iteration, net, history)

    evaluate(0)
    bar = tqdm(range(config.iterations), desc="training", disable=not progress, mininterval=1.0)
    order, cursor = rng.permutation(len(dataset.train)), 0
    started = time.perf_counter()
    chorales_per_batch = config.batch_size - n_melodies
    for i in bar:
        if cursor + chorales_per_batch > len(order):
            order, cursor = rng.permutation(len(dataset.train)), 0
        index = order[cursor: cursor + chorales_per_batch]
        cursor += chorales_per_batch
        melody_index = rng.integers(0, len(melodies.train), n_melodies) if n_melodies else np.zeros(0, int)
        # with clean_key: (inputs, targets, keys), the key read as the edit loop gives it
        loss = net.train_step(*batch_pairs(dataset, melodies, index, melody_index, rng, config))
        iteration = i + 1
        history.losses.append({"iteration": iteration, "loss": loss})
        if iteration % 10 == 0:
            bar.set_postfix(loss=f"{np.mean([r['loss'] for r in history.losses[-50:]]):.3f}",
                            val_top1=f"{history.last().get('top1', float('nan')):.2f}")
        if iteration % eval_every == 0 or iteration == config.iterations:
            history.seconds += time.perf_counter() - started
            evaluate(iteration)
            started = time.perf_counter()
    history.seconds += time.perf_counter() - started
    bar.close()
    return net, history


def main(argv=None) -> int:
    """``python -m composerlab.models.arcnn.training``: train the AR-CNN and save it with its figures."""
    parser = argparse.ArgumentParser(description="Train the AR-CNN on the music21 Bach chorales (voices merged).")
    defaults = ARCNNConfig()
    for name in ("iterations", "batch_size", "bars", "channels", "depth", "max_shift", "seed"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    for name in ("learning_rate", "add_low", "add_high", "shift_probability", "max_shift_share", "voice_subset_share",
                 "solo_share", "remove_low", "remove_high", "tune_share", "tune_weight", "melody_share"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    for name in ("out_of_key", "key_input", "clean_key"):
        parser.add_argument(f"--{name.replace('_', '-')}", action=argparse.BooleanOptionalAction,
                            default=getattr(defaults, name))
    parser.add_argument("--limit", type=int, default=None, help="only the first N chorales")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--out", default=None, help="save here (default out/models/arcnn)")
    parser.add_argument("--install", action="store_true",
                        help="then copy the run over the shipped model in data/models/ (arcnn.*)")
    args = parser.parse_args(argv)
    config = ARCNNConfig(**{k: getattr(args, k) for k in ARCNNConfig().to_dict() if hasattr(args, k)})
    wall_started = time.perf_counter()
    dataset = merged.build_dataset(bars=config.bars, limit=args.limit)
    melodies = merged.melody_windows(merged.MELODY_BOOKS) if config.melody_share > 0 else None
    summary = {**dataset.summary(), **(melodies.summary() if melodies is not None else {})}
    print(summary)
    net, history = train(config, dataset, eval_every=args.eval_every, melodies=melodies)
    wall = time.perf_counter() - wall_started
    print(f"{net.n_parameters} parameters; trained {config.iterations} updates in {wall:.0f} s wall time "
          f"({history.seconds:.0f} s of updates)")
    for split in ("train", "validation", "melodies"):
        row = history.last(split)
        if row:
            print(f"{split:>10}: loss {row['loss']:.3f}  top-1 fix rate {row['top1']:.3f}")
    out = Path(args.out) if args.out else default_output()
    path = net.save(out, extra={
        "training_seconds": history.seconds, "wall_seconds": wall, "dataset": summary,
        "evaluations": [row for row in (history.last(s) for s in ("train", "validation", "melodies")) if row],
        "command": "python -m composerlab.models.arcnn.training " + " ".join(argv or [])})
    Path(f"{out}.history.json").write_text(json.dumps(history.to_json()))
    print(f"saved {path}")
    if args.install:
        print("installed " + ", ".join(str(p) for p in install(out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
