"""Training the chorale GAN: the loop, live progress, metrics, samples, checkpoints.

:func:`train` runs WGAN-GP updates on transposed two-bar windows of the Bach
chorales, and every ``eval_every`` iterations measures generated music against
the training and validation data (:mod:`composerlab.music.metrics`). At the
iterations in ``sample_at`` it writes the accompaniment of a few fixed
melodies, so a learner can listen to the model improve and watch it in
:meth:`TrainingHistory.animate`. Checkpoints make a stopped run resumable.

From a terminal: ``python -m composerlab.models.gan.training --iterations 1500 --out
data/models/bach_gan``. Introduced in lab 03.
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

from composerlab.models.corpora.cache import write_json
from composerlab.models.gan import data as chorales
from composerlab.models.gan.generate import decode, to_multitrack
from composerlab.models.gan.network import ChoraleGAN, GANConfig
from composerlab.models.runtime import quiet_tensorflow
from composerlab.music.harmony import CHORALE_REFERENCE
from composerlab.music.metrics import METRIC_NAMES, evaluate_many

N_EVAL_WINDOWS = 64
N_SAMPLE_MELODIES = 4


@dataclass
class TrainingHistory:
    """What a training run records.

    Attributes
    ----------
    losses : list of dict
        One row per iteration: iteration, critic_loss, generator_loss, wasserstein.
    metrics : list of dict
        One row per evaluation: iteration, split ("train", "validation", "data
        train", "data validation") and each of :data:`composerlab.METRIC_NAMES`.
    samples : dict
        Iteration -> (n, 4, steps, 128) boolean compositions of the fixed sample melodies.
    seconds : float
        Wall time spent training (not evaluating).
    """

    losses: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    samples: dict = field(default_factory=dict)
    seconds: float = 0.0

    def loss_curves(self) -> dict:
        """The losses as numpy arrays: ``iteration``, ``critic_loss``, ``generator_loss``, ``wasserstein``."""
        keys = ("iteration", "critic_loss", "generator_loss", "wasserstein")
        return {k: np.array([row[k] for row in self.losses]) for k in keys}

    def metric_curves(self, split: str) -> dict:
        """For one split ("train", "validation", "data train", "data validation"): ``iteration`` and each metric as arrays."""
        rows = [row for row in self.metrics if row["split"] == split]
        # A history saved before the harmony measures existed has no values for them.
        return {k: np.array([row.get(k, np.nan) for row in rows]) for k in ("iteration",) + METRIC_NAMES}

    def plot_losses(self, ax=None):
        """Critic and generator loss over iterations (a running mean over 2% of the run)."""
        import matplotlib.pyplot as plt  # for plots only: loaded when one is drawn

        ax = ax or plt.subplots(figsize=(8, 3))[1]
        curves = self.loss_curves()
        width = max(1, len(self.losses) // 50)
        for column in ("critic_loss", "generator_loss", "wasserstein"):
            if len(curves[column]) >= width:
                smooth = np.convolve(curves[column], np.ones(width) / width, mode="valid")
                ax.plot(curves["iteration"][width - 1:], smooth, label=column.replace("_", " "))
        ax.set_xlabel("iteration")
        ax.set_title("losses (smoothed)")
        ax.legend(loc="upper right")
        return ax

    def plot_metrics(self, names=METRIC_NAMES):
        """One panel per metric: generated (train and validation melodies) against the data's value.

        The harmony panels also shade the 10th-90th percentile range of whole
        chorales (:data:`composerlab.music.harmony.CHORALE_REFERENCE`).
        """
        import matplotlib.pyplot as plt  # for plots only: loaded when one is drawn

        columns = min(5, len(names))
        rows = -(-len(names) // columns)
        fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 2.6 * rows), squeeze=False)
        for ax in axes.ravel()[len(names):]:
            ax.set_visible(False)
        for ax, name in zip(axes.ravel(), names):
            if name in CHORALE_REFERENCE:
                reference = CHORALE_REFERENCE[name]
                ax.axhspan(reference["p10"], reference["p90"], color="tab:green", alpha=0.12,
                           label="chorales 10th-90th pct")
            for split, style in (("train", "-"), ("validation", "--")):
                curve = self.metric_curves(split)
                ax.plot(curve["iteration"], curve[name], style, marker=".", label=f"generated ({split})")
            for split, color in (("data train", "k"), ("data validation", "grey")):
                curve = self.metric_curves(split)
                if len(curve[name]):
                    ax.axhline(curve[name][-1], color=color, lw=0.8, label=split)
            ax.set_title(name.replace("_", " "), fontsize=9)
            ax.set_xlabel("iteration")
        axes.ravel()[len(names) - 1].legend(fontsize=7)
        fig.tight_layout()
        return fig

    def sample_multitrack(self, iteration: int, index: int = 0, tempo: float = 80.0):
        """The sample composition written at ``iteration`` as a 4-track Multitrack (choir voices)."""
        return to_multitrack(self.samples[iteration][index], tempo=tempo, name=f"iteration {iteration}")

    def animate(self, index: int = 0, interval: int = 600):
        """A matplotlib animation of one sample's piano roll over training (the "evolution video").

        Show it with ``IPython.display.HTML(anim.to_jshtml())`` or save it
        with ``anim.save("evolution.gif")``.
        """
        import matplotlib.pyplot as plt  # for plots only: loaded when one is drawn
        from matplotlib.animation import FuncAnimation  # (the same)

        iterations = sorted(self.samples)
        fig, ax = plt.subplots(figsize=(7, 3.2))
        colors = np.array([[0.1, 0.1, 0.1], [0.85, 0.3, 0.2], [0.2, 0.55, 0.3], [0.2, 0.35, 0.8]])
        low, high = chorales.LOWEST_PITCH, chorales.LOWEST_PITCH + chorales.N_MODEL_PITCHES

        def image(it):
            roll = self.samples[it][index][:, :, low:high]
            rgb = np.ones(roll.shape[1:] + (3,))
            for v in range(roll.shape[0]):
                rgb[roll[v]] = colors[v]
            return np.transpose(rgb, (1, 0, 2))

        shown = ax.imshow(image(iterations[0]), origin="lower", aspect="auto", interpolation="nearest",
                          extent=(0, self.samples[iterations[0]].shape[2], low, high))
        ax.set_xlabel("step (16th notes)")
        ax.set_ylabel("MIDI pitch")
        title = ax.set_title("")

        def update(frame):
            it = iterations[frame]
            shown.set_data(image(it))
            title.set_text(f"iteration {it}: soprano black, alto red, tenor green, bass blue")
            return shown, title

        update(0)
        anim = FuncAnimation(fig, update, frames=len(iterations), interval=interval, blit=False)
        plt.close(fig)
        return anim

    def to_json(self) -> dict:
        return {"losses": self.losses, "metrics": self.metrics, "seconds": self.seconds,
                "samples": {str(k): np.packbits(v).tolist() for k, v in self.samples.items()},
                "sample_shape": list(next(iter(self.samples.values())).shape) if self.samples else None}

    @classmethod
    def from_json(cls, data: dict) -> "TrainingHistory":
        shape = data.get("sample_shape")
        samples = {}
        if shape:
            size = int(np.prod(shape))
            samples = {int(k): np.unpackbits(np.array(v, dtype=np.uint8))[:size].reshape(shape).astype(bool)
                       for k, v in data["samples"].items()}
        return cls(data["losses"], data["metrics"], samples, data.get("seconds", 0.0))


def batches(windows: np.ndarray, config: GANConfig, rng: np.random.Generator):
    """Endless shuffled, transposed batches of training windows (float32, -1/+1, model pitch range)."""
    if len(windows) < config.batch_size:
        raise ValueError(f"only {len(windows)} training windows for a batch of {config.batch_size}; "
                         f"use more chorales or a smaller batch_size")
    while True:
        order = rng.permutation(len(windows))
        for start in range(0, len(order) - config.batch_size + 1, config.batch_size):
            yield chorales.transposed_batch(windows, order[start: start + config.batch_size], rng,
                                            config.max_shift, config.lowest_pitch, config.n_pitches)


def accompany_windows(gan: ChoraleGAN, windows: np.ndarray, seed: int = 0) -> np.ndarray:
    """The soprano of each (n, 4, steps, 128) window with the GAN's alto, tenor and bass: same shape, boolean."""
    cfg = gan.config
    melody = chorales.to_model_range(windows[:, 0], cfg.lowest_pitch, cfg.n_pitches)
    voices = decode(gan.generate(melody, seed=seed))
    out = np.zeros(windows.shape, dtype=bool)
    out[:, 0] = windows[:, 0]
    out[:, 1:] = chorales.from_model_range(voices, cfg.lowest_pitch)
    return out


def _pick(windows: np.ndarray, n: int, seed: int) -> np.ndarray:
    if len(windows) <= n:
        return windows
    return windows[np.sort(np.random.default_rng(seed).choice(len(windows), n, replace=False))]


def train(config: GANConfig | None = None, dataset=None, checkpoint_dir=None, resume: bool = False,
          eval_every: int = 100, sample_at=None, progress: bool = True, live_plot: bool = False,
          checkpoint_every: int = 500, callback=None, jit_compile: bool | None = None):
    """Train the chorale GAN.

    Parameters
    ----------
    config : GANConfig
        Hyperparameters (iterations, learning rate, update ratio, batch size, seed...).
    dataset : composerlab.models.gan.data.ChoraleDataset, optional
        Defaults to every chorale, in windows of ``config.bars`` bars.
    checkpoint_dir : str or Path, optional
        Where to keep checkpoints (every ``checkpoint_every`` iterations and at the end).
    resume : bool
        Continue from the checkpoint in ``checkpoint_dir`` if there is one.
    eval_every : int
        Measure generated music against the data every this many iterations (0: only at the end).
    sample_at : list of int, optional
        Iterations at which to record the sample compositions (default: 0, about 8 in between, the last).
    progress : bool
        Show a tqdm progress bar with the latest losses.
    live_plot : bool
        Redraw the loss and metric plots in the notebook at each evaluation.
    callback : callable, optional
        Called as ``callback(iteration, gan, history)`` after each evaluation.
    jit_compile : bool, optional
        Compile with XLA (see :class:`ChoraleGAN`); by default only for runs of 300 iterations or more.

    Returns
    -------
    (ChoraleGAN, TrainingHistory)
    """
    config = config or GANConfig()
    dataset = dataset or chorales.build_dataset(bars=config.bars)
    gan = ChoraleGAN(config, jit_compile=config.iterations >= 300 if jit_compile is None else jit_compile)
    checkpoint, history, start_iteration = _checkpoint(gan, checkpoint_dir, resume)
    # One seeded generator drives batches, transpositions and noise; resuming
    # reseeds from the iteration so a resumed run is as repeatable as a fresh one.
    rng = np.random.default_rng([config.seed, start_iteration])
    stream = batches(dataset.train, config, rng)
    watch = _Watch(gan, history, dataset, config.seed, live_plot, callback)
    total = config.iterations
    if sample_at is None:
        sample_at = sorted({0, *np.linspace(0, total, 9).astype(int).tolist(), total})
    sample_at = set(sample_at)
    if start_iteration == 0:
        watch.record_samples(0)
        if eval_every:
            watch.evaluate(0)
    bar = tqdm(range(start_iteration, total), initial=start_iteration, total=total,
               desc="training", disable=not progress, mininterval=1.0)
    started = time.perf_counter()
    for i in bar:
        row = gan.train_step(stream, rng)
        iteration = i + 1
        history.losses.append({"iteration": iteration, **row})
        if iteration % 10 == 0:
            bar.set_postfix(critic=f"{row['critic_loss']:.2f}", generator=f"{row['generator_loss']:.2f}")
        if iteration in sample_at or eval_every and iteration % eval_every == 0 or iteration == total:
            history.seconds += time.perf_counter() - started
            if iteration in sample_at or iteration == total:
                watch.record_samples(iteration)
            if eval_every and (iteration % eval_every == 0 or iteration == total):
                watch.evaluate(iteration)
            started = time.perf_counter()
        if checkpoint is not None and (iteration % checkpoint_every == 0 or iteration == total):
            _save_checkpoint(checkpoint, Path(checkpoint_dir), iteration, history)
    history.seconds += time.perf_counter() - started
    bar.close()
    return gan, history


def _checkpoint(gan: ChoraleGAN, checkpoint_dir, resume: bool):
    """(TensorFlow checkpoint or None, history, first iteration): restored from ``checkpoint_dir`` when resuming."""
    if checkpoint_dir is None:
        return None, TrainingHistory(), 0
    tf = quiet_tensorflow()
    checkpoint_dir = Path(checkpoint_dir)
    checkpoint = tf.train.Checkpoint(generator=gan.generator, critic=gan.critic,
                                     generator_optimizer=gan.generator_optimizer,
                                     critic_optimizer=gan.critic_optimizer)
    latest = tf.train.latest_checkpoint(str(checkpoint_dir))
    if resume and latest:
        checkpoint.restore(latest)
        saved = json.loads((checkpoint_dir / "history.json").read_text())
        return checkpoint, TrainingHistory.from_json(saved["history"]), saved["iteration"]
    return checkpoint, TrainingHistory(), 0


def _save_checkpoint(checkpoint, checkpoint_dir: Path, iteration: int, history: TrainingHistory) -> None:
    checkpoint.write(str(checkpoint_dir / "ckpt"))
    (checkpoint_dir / "checkpoint").write_text('model_checkpoint_path: "ckpt"\nall_model_checkpoint_paths: "ckpt"\n')
    write_json(checkpoint_dir / "history.json", {"iteration": iteration, "history": history.to_json()})


class _Watch:
    """What a run measures as it goes: the metrics of fixed windows and the sample compositions."""

    def __init__(self, gan: ChoraleGAN, history: TrainingHistory, dataset, seed: int, live_plot: bool, callback):
        self.gan, self.history, self.seed, self.live_plot, self.callback = gan, history, seed, live_plot, callback
        sets = {"train": _pick(dataset.train, N_EVAL_WINDOWS, seed),
                "validation": _pick(dataset.validation, N_EVAL_WINDOWS, seed)}
        self.eval_sets = {k: v for k, v in sets.items() if len(v)}
        self.sample_melodies = _pick(dataset.validation if len(dataset.validation) else dataset.train,
                                     N_SAMPLE_MELODIES, seed + 1)

    def evaluate(self, iteration: int) -> None:
        """The data's figures (once) and the generated music's, for each split; redraw; call back."""
        metrics = self.history.metrics
        if not any(row["split"].startswith("data") for row in metrics):
            for split, windows in self.eval_sets.items():
                metrics.append({"iteration": iteration, "split": f"data {split}", **evaluate_many(windows)})
        for split, windows in self.eval_sets.items():
            generated = accompany_windows(self.gan, windows, seed=self.seed)
            metrics.append({"iteration": iteration, "split": split, **evaluate_many(generated)})
        if self.live_plot:
            _redraw(self.history)
        if self.callback is not None:
            self.callback(iteration, self.gan, self.history)

    def record_samples(self, iteration: int) -> None:
        self.history.samples[iteration] = accompany_windows(self.gan, self.sample_melodies, seed=self.seed)


def _redraw(history: TrainingHistory) -> None:
    import matplotlib.pyplot as plt  # for plots only: loaded when one is drawn
    from IPython.display import clear_output, display  # for notebooks only, with the plot

    clear_output(wait=True)
    history.plot_losses()
    plt.show()
    display(history.plot_metrics())
    plt.close("all")


def main(argv=None) -> int:
    """``python -m composerlab.models.gan.training``: train the chorale GAN and save it with its metrics."""
    parser = argparse.ArgumentParser(description="Train the Bach chorale GAN (WGAN-GP) on the music21 chorales.")
    defaults = GANConfig()
    for name in ("iterations", "batch_size", "update_ratio", "seed", "bars", "channels", "critic_channels",
                 "noise_dim", "max_shift"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--key-weight", type=float, default=defaults.key_weight,
                        help="weight of the loss on pitches outside the melody's key (0: none)")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--out", default=None, help="save the generator here (e.g. data/models/bach_gan)")
    parser.add_argument("--checkpoints", default=None, help="checkpoint folder (resumable)")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    config = GANConfig(**{k: getattr(args, k) for k in GANConfig().to_dict() if hasattr(args, k)})
    wall_started = time.perf_counter()
    gan, history = train(config, checkpoint_dir=args.checkpoints, resume=args.resume, eval_every=args.eval_every)
    last = {row["split"]: row for row in history.metrics}
    wall = time.perf_counter() - wall_started
    print(f"trained {config.iterations} iterations in {wall:.0f} s wall time "
          f"({history.seconds:.0f} s of updates, the rest measuring and sampling)")
    for split, row in last.items():
        print(f"{split:>16}: " + "  ".join(f"{k}={row[k]:.3f}" for k in METRIC_NAMES))
    if args.out:
        path = gan.save(args.out, extra={"training_seconds": history.seconds, "wall_seconds": wall, "metrics": list(last.values()),
                                         "command": "python -m composerlab.models.gan.training " + " ".join(argv or [])})
        (Path(args.out).parent / (Path(args.out).name + ".history.json")).write_text(json.dumps(history.to_json()))
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
