"""Training the melody Transformer: token streams, transposition, progress, checkpoints, resume.

Every tune becomes ``BOS`` + its REMI tokens + ``EOS``; the training tunes are
joined into one stream and the model learns on random windows of
``context + 1`` tokens cut from it (the last ``context`` tokens are the
targets of the first ``context``), each transposed by a random number of
semitones (-5..+6, less where a note would leave the pitch range). The
validation tunes (split by piece) make fixed windows, never transposed, for
the validation loss; its exponential is the perplexity, the number the card
compares with the n-gram baseline (:mod:`composerlab.models.transformer.ngram`).
Keras's ``fit`` shows the progress bar; :class:`LiveLoss` records (and in a
notebook plots) training and validation loss; ``BackupAndRestore`` keeps a
checkpoint every epoch so a stopped run resumes where it was.

From a terminal: ``python -m composerlab.models.transformer.training --minutes 25
--out data/models/transformer``. Introduced in lab 06.
"""
from __future__ import annotations

import argparse
import json
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from composerlab.models.transformer import data as melodies
from composerlab.models.transformer.network import TransformerConfig, build, load
from composerlab.models.transformer.tokens import tokenizer
from composerlab.paths import cache_dir

MAX_SHIFT_DOWN, MAX_SHIFT_UP = 5, 6


@dataclass
class TokenData:
    """Token streams of the training and validation tunes."""

    train: np.ndarray
    validation: np.ndarray
    train_tunes: int
    validation_tunes: int
    validation_names: list = field(default_factory=list)

    def summary(self) -> dict:
        return {"train_tunes": self.train_tunes, "validation_tunes": self.validation_tunes,
                "train_tokens": int(len(self.train)), "validation_tokens": int(len(self.validation))}


def encode_tunes(tunes) -> list[np.ndarray]:
    """Each tune's ids: ``BOS``, REMI tokens, ``EOS``."""
    tok = tokenizer()
    return [np.concatenate([tok.encode(t.as_notes()), [tok.eos]]).astype(np.int16) for t in tunes]


def token_data(books: int | None = None, chorales: int | None = None, build_books: bool = True,
               collections=melodies.FOLK_COLLECTIONS) -> TokenData:
    """Tokenised tunes, split by piece; the token streams are cached beside the parsed notes.

    The arguments choose the tunes as in :func:`composerlab.models.transformer.data.load_tunes`.
    """
    tunes = melodies.load_tunes(books=books, chorales=chorales, build=build_books, collections=collections)
    key = zlib.crc32("\n".join(t.name for t in tunes).encode())
    path = cache_dir() / f"transformer_tokens_v{melodies.CACHE_VERSION}_{key:08x}.npz"
    if path.exists():
        with np.load(path) as saved:
            return TokenData(saved["train"], saved["validation"], int(saved["counts"][0]), int(saved["counts"][1]),
                             [str(n) for n in saved["validation_names"]])
    train, validation = melodies.split(tunes)
    streams = [np.concatenate(encode_tunes(part)) if part else np.zeros(0, np.int16) for part in (train, validation)]
    result = TokenData(streams[0], streams[1], len(train), len(validation), [t.name for t in validation])
    np.savez_compressed(path, train=result.train, validation=result.validation,
                        counts=np.array([len(train), len(validation)]),
                        validation_names=np.array(result.validation_names, dtype=str))
    return result


def transposed_windows(stream: np.ndarray, starts: np.ndarray, length: int, rng: np.random.Generator | None):
    """Windows of ``length`` tokens at ``starts``, each transposed at random (``rng`` None: not transposed)."""
    tok = tokenizer()
    windows = np.stack([stream[s: s + length] for s in starts]).astype(np.int32)
    if rng is None:
        return windows
    is_pitch = tok.kinds[windows] == "Pitch"
    pitch = np.where(is_pitch, tok.values[windows], 0)
    low = np.where(is_pitch, pitch, 10_000).min(axis=1)
    high = np.where(is_pitch, pitch, -1).max(axis=1)
    shift = rng.integers(-MAX_SHIFT_DOWN, MAX_SHIFT_UP + 1, size=len(starts))
    has = is_pitch.any(axis=1)
    shift = np.where(has, np.clip(shift, melodies.LOWEST_PITCH - low, melodies.HIGHEST_PITCH - high), 0)
    return windows + is_pitch * shift[:, None]


def validation_windows(stream: np.ndarray, context: int, limit: int | None = None) -> np.ndarray:
    """Non-overlapping windows of ``context + 1`` tokens covering the validation stream."""
    if len(stream) < context + 1:
        return np.zeros((0, context + 1), np.int32)
    starts = np.arange(0, len(stream) - context, context)[: limit]
    return transposed_windows(stream, starts, context + 1, None)


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
                import matplotlib.pyplot as plt
                from IPython.display import clear_output

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
    sees its full n-1 tokens before every token.
    """
    context = net.config.context
    half = context // 2
    starts = list(range(0, max(len(stream) - context, 0) + 1, half))
    if starts[-1] + context < len(stream):
        starts.append(len(stream) - context)
    total, count, scored_to = 0.0, 0, 1
    for i in range(0, len(starts), batch):
        chunk = starts[i: i + batch]
        windows = np.stack([stream[s: s + context] for s in chunk]).astype(np.int32)
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


def train(config: TransformerConfig | None = None, epochs: int = 20, steps_per_epoch: int = 100, batch: int = 16,
          learning_rate: float = 1e-3, minutes: float | None = None, data: TokenData | None = None,
          out: str | Path | None = None, checkpoint_dir: str | Path | None = None, live: bool = False,
          verbose: int = 1, validation_limit: int | None = None, seed: int = 0, callbacks=()):
    """Train a melody Transformer; return ``(network, history)``.

    Parameters
    ----------
    config : TransformerConfig, optional
        Sizes (defaults: the shipped model's).
    epochs, steps_per_epoch, batch : int
        Training length: ``epochs * steps_per_epoch`` updates of ``batch`` windows.
    learning_rate : float
        AdamW peak rate, with a cosine decay to a tenth over the run.
    minutes : float, optional
        Stop after the first epoch that ends past this wall time.
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
    """
    from composerlab.models import quiet_tensorflow

    quiet_tensorflow()
    import keras

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

    class Windows(keras.utils.PyDataset):
        def __len__(self):
            return steps_per_epoch

        def __getitem__(self, index):
            starts = rng.integers(0, len(data.train) - length + 1, size=batch)
            w = transposed_windows(data.train, starts, length, rng)
            return w[:, :-1], w[:, 1:]

    total = epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, total, alpha=0.1,
                                                      warmup_target=None)
    net.model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=0.01, clipnorm=1.0),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      jit_compile=True)  # XLA: about 30x faster a step on this CPU than Keras's "auto" choice here
    history = {"config": asdict(config), "data": data.summary()}
    started = time.perf_counter()
    callbacks = make_callbacks(keras, val_windows, history, live, Path(checkpoint_dir) if checkpoint_dir else None,
                               Path(out) if out else None, net, started) + list(callbacks)
    if minutes is not None:
        class Deadline(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if time.perf_counter() - started > minutes * 60:
                    self.model.stop_training = True

        callbacks.append(Deadline())
    net.model.fit(Windows(), epochs=epochs, callbacks=callbacks, verbose=verbose)
    history["train_seconds"] = time.perf_counter() - started
    if out is not None:
        Path(f"{out}.history.json").write_text(json.dumps(history, indent=1))
    return net, history


def main(argv=None) -> int:
    """``python -m composerlab.models.transformer.training``: train and save the melody Transformer."""
    parser = argparse.ArgumentParser(description="Train the melody Transformer on music21's melodies.")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--steps", type=int, default=50, help="updates per epoch")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=None, help="stop after the epoch that passes this time")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--context", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--validation-windows", type=int, default=48,
                        help="validation windows scored after each epoch (all of them at the end)")
    parser.add_argument("--books", type=int, default=None, help="first N ABC files of each collection")
    parser.add_argument("--out", default=str(Path(cache_dir()) / "transformer"),
                        help="weights stem; data/models/transformer replaces the shipped model")
    parser.add_argument("--checkpoints", default=None, help="folder for per-epoch checkpoints (resume)")
    args = parser.parse_args(argv)
    config = TransformerConfig(context=args.context, layers=args.layers, width=args.width, heads=args.heads,
                               ffn=3 * args.width, dropout=args.dropout)
    data = token_data(books=args.books, build_books=False)
    print(json.dumps(data.summary()))
    net, history = train(config, epochs=args.epochs, steps_per_epoch=args.steps, batch=args.batch,
                         learning_rate=args.learning_rate, minutes=args.minutes, data=data, out=args.out,
                         checkpoint_dir=args.checkpoints, verbose=2, validation_limit=args.validation_windows)
    best = load(args.out)
    history["final_validation_loss"] = evaluate(best, validation_windows(data.validation, config.context))
    history["final_validation_perplexity"] = float(np.exp(history["final_validation_loss"]))
    history["strided_validation_loss"] = evaluate_strided(best, data.validation)
    history["strided_validation_perplexity"] = float(np.exp(history["strided_validation_loss"]))
    history["parameters"] = best.count_params()
    Path(f"{args.out}.history.json").write_text(json.dumps(history, indent=1))
    print(f"validation loss {history['final_validation_loss']:.4f} (perplexity "
          f"{history['final_validation_perplexity']:.3f}) on every validation window, {best.count_params()} "
          f"parameters, {history['train_seconds'] / 60:.1f} min of training")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
