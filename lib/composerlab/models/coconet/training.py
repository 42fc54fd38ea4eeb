"""Train the harmoniser: fill in randomly hidden cells of Bach's alto, tenor and bass.

Each step takes a batch of windows cut from the training chorales at random places (their starts
and ends included), each transposed by a random number of semitones (-6 to +5, as far as the
model's pitch axis allows), hides a random share of the three lower voices' cells
(:func:`composerlab.models.coconet.data.random_masks`), and teaches the network to name the hidden
pitches: the cross-entropy over the hidden cells, averaged per window so that every share of
hidden cells counts alike (Coconet's orderless training). Half the windows read phrase ends from
Bach's fermatas, half from held melody notes, as a folk tune will give them.

Every ``validate_every`` steps the held-out chorales (the GAN's split) are scored whole with fixed
masks (a quarter, half, three quarters and all of the cells hidden); the best weights are kept.
From a terminal::

    python -m composerlab.models.coconet.training            # writes out/models/bach_coconet.*
    python -m composerlab.models.coconet.training --install  # and replaces the shipped model
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from composerlab.models.coconet import data
from composerlab.models.coconet.network import Harmoniser, HarmoniserConfig, build_network, weights_of
from composerlab.paths import user_models_dir

NAME = "bach_coconet"
"""The shipped model's file stem in ``data/models/`` (``.npz`` weights, ``.json`` settings and figures)."""
VALIDATION_SHARES = (0.25, 0.5, 0.75, 1.0)
"""Shares of hidden cells the held-out chorales are scored with (1.0: everything hidden, as generation starts)."""


def make_batch(examples: list, rng: np.random.Generator, size: int, window: int):
    """(inputs, targets, hidden): a batch of ``size`` random windows of ``window`` cells, transposed and masked."""
    inputs = np.zeros((size, window, data.N_INPUTS), dtype=np.float32)
    targets = np.full((size, window, 3), -1, dtype=np.int64)
    hidden = np.zeros((size, window, 3), dtype=bool)
    lengths = np.array([len(e.voices) for e in examples], dtype=float)
    chosen = rng.choice(len(examples), size=size, p=lengths / lengths.sum())
    for b, index in enumerate(chosen):
        example = examples[index]
        cells = len(example.voices)
        slack = window // 4
        start = int(rng.integers(min(-slack, cells - window), max(cells - window + slack, -slack) + 1))
        low, high = example.shift_range()
        ctx, voices = data.window(example, start, window, int(rng.integers(low, high + 1)), bool(rng.random() < 0.5))
        known = data.random_masks(window, rng)
        inputs[b] = data.cell_inputs(ctx, voices, known)
        targets[b] = voices
        hidden[b] = ~known
    return inputs, targets, hidden


def validation_set(examples: list, seed: int = 1234):
    """Fixed (inputs, targets, hidden) batches over the held-out chorales, whole and untransposed, one per share."""
    rng = np.random.default_rng(seed)
    longest = max(len(e.voices) for e in examples)
    batches = []
    for share in VALIDATION_SHARES:
        inputs = np.zeros((len(examples), longest, data.N_INPUTS), dtype=np.float32)
        targets = np.full((len(examples), longest, 3), -1, dtype=np.int64)
        hidden = np.zeros((len(examples), longest, 3), dtype=bool)
        for b, example in enumerate(examples):
            ctx, voices = data.window(example, 0, longest, 0, held=False)
            known = rng.random((longest, 3)) >= share
            inputs[b], targets[b], hidden[b] = data.cell_inputs(ctx, voices, known), voices, ~known
        batches.append((share, inputs, targets, hidden))
    return batches


def train(config: HarmoniserConfig | None = None, limit: int | None = None, out: str | Path | None = None,
          progress: bool = True, log=print) -> Harmoniser:
    """Train a harmoniser on the chorales and save it (``out``: a file stem; default ``out/models/bach_coconet``).

    Parameters
    ----------
    config : HarmoniserConfig, optional
        Hyperparameters (defaults: the shipped model's).
    limit : int, optional
        Use only the first ``limit`` chorales (quick runs, tests).
    progress : bool
        A progress bar over the steps.
    log : callable
        Receives one line per validation pass.

    Returns
    -------
    Harmoniser
        The weights with the best validation loss, with the run's figures in ``info``.
    """
    from composerlab.models import quiet_tensorflow  # with TensorFlow below: training is where it runs

    tf = quiet_tensorflow()  # deferred: training is the one place TensorFlow runs
    import keras  # loads TensorFlow

    config = config or HarmoniserConfig()
    stem = Path(out) if out else user_models_dir() / NAME
    started = time.perf_counter()
    training, held_out = data.split(data.load_pieces(limit))
    if not held_out:
        training, held_out = training[:-1], training[-1:]  # tiny runs: keep one piece aside
    train_examples, val_examples = data.examples(training), data.examples(held_out)
    model = build_network(config)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, config.steps, alpha=0.05, warmup_target=config.learning_rate, warmup_steps=min(200, config.steps // 10))
    optimizer = keras.optimizers.Adam(schedule)

    def loss_of(logits, targets, hidden):
        labelled = tf.cast(hidden & (targets >= 0), tf.float32)
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.maximum(targets, 0), logits)
        per_window = tf.reduce_sum(ce * labelled, axis=[1, 2]) / tf.maximum(tf.reduce_sum(labelled, axis=[1, 2]), 1.0)
        return tf.reduce_mean(per_window), tf.reduce_sum(ce * labelled), tf.reduce_sum(labelled)

    @tf.function(reduce_retracing=True)
    def train_step(inputs, targets, hidden):
        with tf.GradientTape() as tape:
            loss, _, _ = loss_of(model(inputs, training=True), targets, hidden)
        grads = tape.gradient(loss, model.trainable_variables)
        grads, _ = tf.clip_by_global_norm(grads, 1.0)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function(reduce_retracing=True)
    def score(inputs, targets, hidden):
        _, total, count = loss_of(model(inputs, training=False), targets, hidden)
        return total, count

    def validate() -> dict:
        row = {}
        for share, inputs, targets, hidden in val_batches:
            total = count = 0.0
            for a in range(0, len(inputs), 16):
                t, c = score(inputs[a: a + 16], targets[a: a + 16], hidden[a: a + 16])
                total, count = total + float(t), count + float(c)
            row[f"hidden_{share:.2f}"] = total / max(count, 1.0)
        row["loss"] = float(np.mean(list(row.values())))
        return row

    val_batches = validation_set(val_examples)
    rng = np.random.default_rng(config.seed)
    history, running, best, best_weights = [], [], np.inf, None
    bar = tqdm(range(1, config.steps + 1), desc="training harmoniser", disable=not progress)
    for step in bar:
        inputs, targets, hidden = make_batch(train_examples, rng, config.batch_size, config.window)
        running.append(float(train_step(inputs, targets, hidden)))
        if step % config.validate_every == 0 or step == config.steps:
            row = {"step": step, "train_loss": float(np.mean(running)), **validate(),
                   "seconds": round(time.perf_counter() - started, 1)}
            running = []
            history.append(row)
            if row["loss"] < best:
                best, best_weights = row["loss"], weights_of(model, config)
            bar.set_postfix(train=f"{row['train_loss']:.3f}", val=f"{row['loss']:.3f}")
            log(f"step {step}: train {row['train_loss']:.3f}, held-out {row['loss']:.3f} "
                f"(all hidden {row['hidden_1.00']:.3f}), {row['seconds']:.0f} s")
    seconds = time.perf_counter() - started
    info = {"training": {"seconds": round(seconds, 1), "train_pieces": len(training), "held_out_pieces": len(held_out),
                         "best_validation_loss": best, "steps": config.steps, "history": history}}
    harmoniser = Harmoniser(best_weights, config, info)
    harmoniser.save(stem)
    return harmoniser


def install(stem: str | Path | None = None) -> list:
    """Copy a training run (default ``out/models/bach_coconet``) over the shipped ``data/models/bach_coconet.*``."""
    from composerlab.models import install_run  # the package imports its parts: deferred to avoid a cycle

    stem = Path(stem) if stem else user_models_dir() / NAME
    return install_run(stem, (".npz", ".json"), NAME, "harmoniser", "python -m composerlab.models.coconet.training")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Train the learned harmoniser on the Bach chorales.")
    parser.add_argument("--steps", type=int, default=HarmoniserConfig.steps)
    parser.add_argument("--channels", type=int, default=HarmoniserConfig.channels)
    parser.add_argument("--batch-size", type=int, default=HarmoniserConfig.batch_size)
    parser.add_argument("--window", type=int, default=HarmoniserConfig.window)
    parser.add_argument("--learning-rate", type=float, default=HarmoniserConfig.learning_rate)
    parser.add_argument("--validate-every", type=int, default=HarmoniserConfig.validate_every)
    parser.add_argument("--no-relative", action="store_true", help="without the relative head (an ablation of it)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="use only the first N chorales (a quick run)")
    parser.add_argument("--out", help=f"file stem to write (default {user_models_dir() / NAME})")
    parser.add_argument("--install", action="store_true", help="then copy the run over the shipped model in data/models")
    args = parser.parse_args(argv)
    config = HarmoniserConfig(channels=args.channels, batch_size=args.batch_size, window=args.window,
                              learning_rate=args.learning_rate, steps=args.steps,
                              validate_every=args.validate_every, seed=args.seed, relative=not args.no_relative)
    harmoniser = train(config, args.limit, args.out)
    stem = Path(args.out) if args.out else user_models_dir() / NAME
    print(json.dumps({k: v for k, v in harmoniser.info["training"].items() if k != "history"}))
    print(f"saved {stem}.npz and {stem}.json ({harmoniser.parameters} parameters; config {asdict(config)})")
    if args.install:
        for path in install(stem):
            print(f"installed {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
