"""Training the melody Transformer: the loop, its validation loss, live progress, checkpoints and resume.

The model learns on random transposed windows of the training stream (:mod:`composerlab.models.transformer.data`)
and is scored on fixed validation windows: the loss's exponential is the perplexity the card compares
with the n-gram baseline (:mod:`composerlab.models.transformer.ngram`). Keras's ``fit`` shows the
progress bar; a checkpoint every epoch lets a stopped run resume. From a terminal:
``python -m composerlab.models.transformer.training --minutes 22`` writes ``out/models/transformer``;
``--install`` (or later ``--install-only``) copies it over the shipped model. Introduced in lab 06.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from composerlab.models.corpora.cache import write_json
from composerlab.models.runtime import install_run, quiet_tensorflow
from composerlab.models.transformer.data import (
    TokenData,
    meter_marks,
    token_data,
    transposed_windows,
    validation_windows,
)
from composerlab.models.transformer.network import TransformerConfig, build, load
from composerlab.models.transformer.tokens import tokenizer
from composerlab.paths import out_dir


def evaluate(net, windows: np.ndarray, batch: int = 16) -> float:
    """Mean next-token cross-entropy (nats) over ``windows`` of ``context + 1`` tokens."""
    losses = []
    for i in range(0, len(windows), batch):
        chunk = windows[i: i + batch]
        logits = net.logits(chunk[:, :-1]).astype(np.float64)
        logits -= logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        losses.append(-np.take_along_axis(logp, chunk[:, 1:, None].astype(int), -1)[..., 0].ravel())
    return float(np.concatenate(losses).mean()) if losses else float("nan")


def evaluate_strided(net, stream: np.ndarray, batch: int = 16) -> float:
    """Mean cross-entropy (nats) of every token of ``stream`` after the first, each seen with at least half a context.

    Windows of ``context`` tokens start every half context; each token is
    scored once, in the window where it has the most tokens before it. This
    is how the card compares the Transformer with the n-gram model, which
    sees its full n-1 tokens before every token. Each window opens with its tune's meter, as in training.
    """
    context = net.config.context
    meters = meter_marks(stream)
    half = context // 2
    starts = list(range(0, max(len(stream) - context, 0) + 1, half))
    if starts[-1] + context < len(stream):
        starts.append(len(stream) - context)
    total, count, scored_to = 0.0, 0, 1
    for i in range(0, len(starts), batch):
        chunk = starts[i: i + batch]
        windows = transposed_windows(stream, np.array(chunk), context, None, meters)
        logits = net.logits(windows[:, :-1]).astype(np.float64)
        logits -= logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        nll = -np.take_along_axis(logp, windows[:, 1:, None].astype(int), -1)[..., 0]
        for row, s in enumerate(chunk):
            first = max(scored_to, s + 1) - (s + 1)  # targets stream[s + 1 + j]; skip those scored already
            total += nll[row, first:].sum()
            count += nll.shape[1] - first
            scored_to = s + context
    return total / count


def make_callbacks(keras, val_windows, history: dict, live: bool, checkpoint_dir: Path | None, out: Path | None,
                   net, started: float):
    """The live-loss recorder, the per-epoch checkpoint (resume) and the saver of the best weights."""

    class LiveLoss(keras.callbacks.Callback):
        """Validation loss after every epoch, kept in ``history`` and plotted live in a notebook."""

        def on_epoch_end(self, epoch, logs=None):
            loss = evaluate(net, val_windows)
            history.setdefault("epoch", []).append(epoch + 1)
            history.setdefault("train_loss", []).append(float(logs["loss"]))
            history.setdefault("validation_loss", []).append(loss)
            history.setdefault("seconds", []).append(time.perf_counter() - started)
            if out is not None and loss <= min(history["validation_loss"]):
                net.save(out)
            if live:
              
                # for live plots only: matplotlib and IPython load when one is drawn
                import matplotlib.pyplot as plt
                from IPython.display import clear_output  # the notebook's live plot, loaded with it

                clear_output(wait=True)
                _, ax = plt.subplots(figsize=(7, 3))
                ax.plot(history["epoch"], history["train_loss"], marker=".", label="training")
                ax.plot(history["epoch"], history["validation_loss"], marker=".", label="validation")
                ax.set_xlabel("epoch")
                ax.set_ylabel("loss (nats per token)")
                ax.set_title(f"epoch {epoch + 1}: validation perplexity {np.exp(loss):.2f}")
                ax.legend()
                plt.show()

    callbacks = [LiveLoss()]
    if checkpoint_dir is not None:
        callbacks.append(keras.callbacks.BackupAndRestore(str(checkpoint_dir)))
    return callbacks


def learning_rate_at(progress: float, step: int, peak: float, warmup: int, floor: float = 0.05) -> float:
    """The learning rate at ``step`` (from 0) when ``progress`` (0-1) of the run is done.

    A linear warm-up over the first ``warmup`` steps, then a cosine from ``peak``
    down to ``floor * peak`` at ``progress`` 1.
    """
    progress = min(max(progress, 0.0), 1.0)
    rate = peak * (floor + (1 - floor) * 0.5 * (1 + np.cos(np.pi * progress)))
    return float(rate * min(1.0, (step + 1) / warmup)) if warmup else float(rate)


def make_schedule(keras, peak: float, total_steps: int, warmup: int, minutes: float | None, started: float,
                  elapsed_before: float = 0.0):
    """A callback that sets the optimizer's learning rate before every update (see :func:`learning_rate_at`).

    The run's progress is its share of ``total_steps`` or, with ``minutes``, its
    share of the time allowed, whichever is further: a run stopped by the clock
    has still decayed its learning rate to the floor (on a shared CPU the number
    of updates that fit in the time is not known in advance), and
    ``stop_training`` is set once the time is up.
    """

    class Schedule(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            step = int(self.model.optimizer.iterations.numpy())
            progress = step / total_steps
            if minutes is not None:
                seconds = elapsed_before + time.perf_counter() - started
                progress = max(progress, seconds / (minutes * 60))
                if progress >= 1:
                    self.model.stop_training = True
            self.model.optimizer.learning_rate = learning_rate_at(progress, step, peak, warmup)

    return Schedule()


def train(config: TransformerConfig | None = None, epochs: int = 20, steps_per_epoch: int = 100, batch: int = 16,
          learning_rate: float = 1e-3, minutes: float | None = None, data: TokenData | None = None,
          out: str | Path | None = None, checkpoint_dir: str | Path | None = None, live: bool = False,
          verbose: int = 1, validation_limit: int | None = None, seed: int = 0, callbacks=(), warmup: int = 0):
    """Train a melody Transformer; return ``(network, history)``.

    Parameters
    ----------
    config : TransformerConfig, optional
        Sizes (defaults: the shipped model's).
    epochs, steps_per_epoch, batch : int
        Training length: ``epochs * steps_per_epoch`` updates of ``batch`` windows.
    learning_rate : float
        AdamW peak rate: a linear warm-up over ``warmup`` updates, then a cosine
        down to a twentieth at the end of the run (:func:`make_schedule`).
    minutes : float, optional
        Time allowed for the updates: the cosine ends when it is up (or at
        ``epochs * steps_per_epoch`` updates, if sooner), and training stops then.
    data : TokenData, optional
        Default: every cached tune (:func:`token_data`).
    out : path, optional
        ``<out>.weights.h5`` / ``<out>.json`` get the weights with the best validation loss.
    checkpoint_dir : path, optional
        A per-epoch checkpoint; training called again with the same folder resumes.
    live : bool
        Plot the losses after every epoch (in a notebook).
    validation_limit : int, optional
        Score only this many validation windows after each epoch (all by default).
    callbacks : sequence of keras callbacks
        More callbacks for ``fit``.
    warmup : int
        Updates of linear learning-rate warm-up (0: none).
    """
    quiet_tensorflow()
    import keras  # Keras loads TensorFlow: deferred until a network is trained

    config = config or TransformerConfig()
    data = data or token_data()
    config.vocab_size = len(tokenizer())
    net = build(config)
    rng = np.random.default_rng(seed)
    length = config.context + 1
    if len(data.train) < length:
        raise ValueError(f"the training tunes make {len(data.train)} tokens, fewer than one window of {length}")
    val_windows = validation_windows(data.validation, config.context, validation_limit)
    if len(val_windows) == 0:
        raise ValueError(f"the validation tunes make {len(data.validation)} tokens: no validation window of "
                         f"{length}; use more tunes or a shorter context")

    meters = meter_marks(data.train)

    class Windows(keras.utils.PyDataset):
        def __len__(self):
            return steps_per_epoch

        def __getitem__(self, index):
            starts = rng.integers(0, len(data.train) - length + 1, size=batch)
            w = transposed_windows(data.train, starts, length, rng, meters)
            return w[:, :-1], w[:, 1:]

    total = epochs * steps_per_epoch
    net.model.compile(optimizer=keras.optimizers.AdamW(learning_rate, weight_decay=0.01, clipnorm=1.0),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      jit_compile=True)  # XLA: about 30x faster a step on this CPU than Keras's "auto" choice here
    history = {"config": asdict(config), "data": data.summary(),
               "schedule": {"peak_learning_rate": learning_rate, "warmup": warmup, "planned_updates": total,
                            "minutes": minutes, "batch": batch}}
    started = time.perf_counter()
    clock = Path(checkpoint_dir) / "elapsed.json" if checkpoint_dir else None
    elapsed_before = json.loads(clock.read_text())["seconds"] if clock is not None and clock.exists() else 0.0
    callbacks = make_callbacks(keras, val_windows, history, live, Path(checkpoint_dir) if checkpoint_dir else None,
                               Path(out) if out else None, net, started) + list(callbacks)
    callbacks.insert(0, make_schedule(keras, learning_rate, total, warmup, minutes, started, elapsed_before))
    if clock is not None:
        class Clock(keras.callbacks.Callback):
            """Training seconds so far, beside the checkpoint, so a resumed run keeps its schedule."""

            def on_epoch_end(self, epoch, logs=None):
                write_json(clock, {"seconds": elapsed_before + time.perf_counter() - started})

        callbacks.append(Clock())
    net.model.fit(Windows(), epochs=epochs, callbacks=callbacks, verbose=verbose)
    history["train_seconds"] = elapsed_before + time.perf_counter() - started
    history["updates"] = int(net.model.optimizer.iterations.numpy())
    if clock is not None:
        clock.unlink(missing_ok=True)  # the run finished: nothing to resume
    if out is not None:
        Path(f"{out}.history.json").write_text(json.dumps(history, indent=1))
    return net, history


SHIPPED_SUFFIXES = (".weights.h5", ".json", ".history.json")


def default_output() -> Path:
    """Where a training run saves the model unless told otherwise: ``out/models/transformer`` (ignored by git)."""
    return out_dir() / "models" / "transformer"


def install(stem: str | Path | None = None) -> list[Path]:
    """Replace the shipped model in ``data/models/`` with one a run saved (default: :func:`default_output`).

    The one step that overwrites the shipped weights, on purpose only; the model
    card (``data/models/transformer.md``) is written by hand from the run's
    history. Returns the files written.

    Raises
    ------
    FileNotFoundError
        When one of the run's files is missing (nothing is copied then).
    """
    stem = Path(str(stem).removesuffix(".weights.h5")) if stem is not None else default_output()
    return install_run(stem, SHIPPED_SUFFIXES, "transformer", "Transformer",
                       "python -m composerlab.models.transformer.training")


def main(argv=None) -> int:
    """``python -m composerlab.models.transformer.training``: train and save the melody Transformer."""
    parser = argparse.ArgumentParser(description="Train the melody Transformer on music21's melodies.")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--steps", type=int, default=50, help="updates per epoch")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=None,
                        help="time for the updates: the learning rate reaches its floor and training stops then")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--context", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=100, help="updates of learning-rate warm-up")
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--validation-windows", type=int, default=48,
                        help="validation windows scored after each epoch (all of them at the end)")
    parser.add_argument("--books", type=int, default=None, help="first N ABC files of each collection")
    parser.add_argument("--out", default=None, help="weights stem (default out/models/transformer)")
    parser.add_argument("--checkpoints", default=None, help="folder for per-epoch checkpoints (resume)")
    parser.add_argument("--install", action="store_true",
                        help="after training, copy the run over the shipped model in data/models/")
    parser.add_argument("--install-only", action="store_true",
                        help="train nothing: copy the run saved at --out over the shipped model")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else default_output()
    if args.install_only:
        print("installed:", ", ".join(str(p) for p in install(out)))
        return 0
    config = TransformerConfig(context=args.context, layers=args.layers, width=args.width, heads=args.heads,
                               ffn=3 * args.width, dropout=args.dropout)
    data = token_data(books=args.books, build_books=False)
    print(json.dumps(data.summary()))
    net, history = train(config, epochs=args.epochs, steps_per_epoch=args.steps, batch=args.batch,
                         learning_rate=args.learning_rate, minutes=args.minutes, data=data, out=out,
                         checkpoint_dir=args.checkpoints, verbose=2, validation_limit=args.validation_windows,
                         warmup=args.warmup)
    best = load(out)
    history["final_validation_loss"] = evaluate(best, validation_windows(data.validation, config.context))
    history["final_validation_perplexity"] = float(np.exp(history["final_validation_loss"]))
    history["strided_validation_loss"] = evaluate_strided(best, data.validation)
    history["strided_validation_perplexity"] = float(np.exp(history["strided_validation_loss"]))
    history["parameters"] = best.count_params()
    Path(f"{out}.history.json").write_text(json.dumps(history, indent=1))
    print(f"validation loss {history['final_validation_loss']:.4f} (perplexity "
          f"{history['final_validation_perplexity']:.3f}; every token with half a context before it: "
          f"{history['strided_validation_perplexity']:.3f}), {best.count_params()} parameters, "
          f"{history['updates']} updates, {history['train_seconds'] / 60:.1f} min of training; saved to {out}")
    if args.install:
        print("installed:", ", ".join(str(p) for p in install(out)))
    else:
        print(f"the shipped model is unchanged; install this run with "
              f"'python -m composerlab.models.transformer.training --install-only --out {out}'")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
