"""Benchmark of the AR-CNN: sampling speed (ours and a reference-size network), training time, edit quality.

Run: ``python bench/bench_arcnn.py`` (3-10 minutes on a 2-core CPU, by load);
``--quick`` measures quality on 6 tunes of each source only; ``--model out/models/arcnn``
measures a run you trained instead of the shipped model; ``--check`` also measures the fall on
the key estimator's 40 check tunes (:data:`composerlab.models.evaluation.arcnn.CHECK_BOOKS`).

Prints
- seconds for 100 sampling iterations on an 8-bar melody, for the shipped
  network and for an untrained network of the original's size (a 2-D U-Net
  over 128 steps x 128 pitches, 5 levels down and 5 up, about 31.5M
  parameters, built from the paper's description), and the ratio;
- the shipped model's training time (from its card data);
- fixing wrong notes: for every validation chorale soprano and folk tune,
  20% of the notes moved a semitone out of key, then a default edit: the
  out-of-key share before and after, its fall, the untouched notes kept;
- adding notes to the bare tunes: added notes in key, consonant beats, beside
  the chorales' own consonant-beat rate.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

TARGET_SECONDS_100 = 2.0


def reference_network():
    """An untrained network the size of the original AR-CNN: 2-D U-Net, 128 x 128 x 1 in, one logit per cell."""
    from composerlab.models.runtime import quiet_tensorflow

    quiet_tensorflow()
    import keras
    from keras import layers

    widths = (32, 64, 128, 256, 512, 1024)
    roll = keras.Input((128, 128, 1))

    def block(x, width):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        return layers.Conv2D(width, 3, padding="same", activation="relu")(x)

    x, skips = roll, []
    for width in widths[:-1]:
        x = block(x, width)
        skips.append(x)
        x = layers.MaxPooling2D(2)(x)
    x = block(x, widths[-1])
    for width, skip in zip(reversed(widths[:-1]), reversed(skips)):
        x = layers.Conv2DTranspose(width, 2, strides=2)(x)
        x = block(layers.Concatenate()([x, skip]), width)
    return keras.Model(roll, layers.Conv2D(1, 1)(x))


def bench_speed(iterations: int = 100, model: str = "arcnn") -> dict:
    from composerlab.models.runtime import quiet_tensorflow

    tf = quiet_tensorflow()
    from composerlab.models.arcnn.generate import edit, load_model
    from composerlab.music.samples import load_sample

    melody = load_sample("twinkle")  # 8 bars
    load_model(model)
    edit(melody, iterations=5, model=model)
    times = []
    for seed in range(3):
        started = time.perf_counter()
        edit(melody, seed=seed, iterations=iterations, max_added=1000, max_removed=100, model=model)
        times.append(time.perf_counter() - started)
    ours = float(np.median(times))
    reference = reference_network()
    forward = tf.function(lambda x: reference(x, training=False))
    x = np.zeros((1, 128, 128, 1), np.float32)
    forward(x)
    passes = 5
    started = time.perf_counter()
    for _ in range(passes):
        forward(x).numpy()
    per_pass = (time.perf_counter() - started) / passes
    return {"ours_s": ours, "ours_parameters": load_model(model).n_parameters,
            "reference_s": per_pass * iterations, "reference_parameters": int(reference.count_params())}


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    print("  ".join(f"{title:>{len(title) if key == 'tune' else 9}}" if key != "tune" else f"{title:<22}"
                    for key, title, _ in columns))
    for row in rows:
        print("  ".join(f"{row[key]:<22}" if key == "tune" else f"{format(row[key], fmt):>9}"
                        for key, _, fmt in columns))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 tunes of each source")
    parser.add_argument("--model", default="arcnn",
                        help="'arcnn' (the shipped model) or the path of a trained run, e.g. out/models/arcnn")
    parser.add_argument("--check", action="store_true",
                        help="also the fall on the key estimator's 40 check tunes (seed i for tune i)")
    args = parser.parse_args(argv)
    model = args.model

    from composerlab.models.corpora.folk import folk_tunes
    from composerlab.models.evaluation import arcnn as quality
    from composerlab.models.arcnn.generate import DEFAULTS, load_model

    speed = bench_speed(model=model)
    print("Sampling speed, 100 iterations on an 8-bar melody (this 2-core CPU, shared with other jobs)")
    print(f"  ours       {speed['ours_parameters'] / 1e6:6.2f}M parameters  {speed['ours_s']:6.2f} s   "
          f"(target < {TARGET_SECONDS_100:.0f} s: {'ok' if speed['ours_s'] < TARGET_SECONDS_100 else 'MISSED'})")
    print(f"  reference  {speed['reference_parameters'] / 1e6:6.2f}M parameters  {speed['reference_s']:6.2f} s   "
          f"(untrained, same size as the original; ours is {speed['reference_s'] / speed['ours_s']:.0f}x faster)")
    info = load_model(model).info
    trained = "the shipped model" if model == "arcnn" else model
    print(f"Training of {trained}: {info.get('training_seconds', float('nan')) / 60:.1f} min of updates, "
          f"{info.get('wall_seconds', float('nan')) / 60:.1f} min wall (target <= 30 min)")
    print()

    n = 6 if args.quick else None
    sources = {"chorale sopranos": dict(list(quality.chorale_sopranos().items())[:n]),
               "folk tunes": dict(list(folk_tunes().items())[:n])}
    print(f"Default parameters: {DEFAULTS}")
    fixes, additions = [], []
    for label, tunes in sources.items():
        rows = [quality.fix_report(name, roll, seed=i, model=model) for i, (name, roll) in enumerate(tunes.items())]
        print(f"\nFixing wrong notes, {label} (20% of notes moved a semitone out of key)")
        table(rows, [("tune", "tune", ""), ("key", "key", ""), ("key_read", "key read", ""),
                     ("notes", "notes", "d"), ("moved", "moved", "d"),
                     ("out_of_key_before", "off before", ".2f"), ("out_of_key_after", "off after", ".2f"),
                     ("fall", "fall", ".0%"), ("untouched_kept", "kept", ".0%"),
                     ("moved_restored", "restored", ".0%"), ("added_cells", "added", "d"),
                     ("removed_cells", "removed", "d")])
        print(f"  mean fall {np.nanmean([r['fall'] for r in rows]):.0%} (target >= 80%), "
              f"mean untouched kept {np.nanmean([r['untouched_kept'] for r in rows]):.0%} (target >= 70%), "
              f"mean restored {np.nanmean([r['moved_restored'] for r in rows]):.0%}, "
              f"key read right in {sum(r['key'] == r['key_read'] for r in rows)} of {len(rows)}")
        fixes += rows
        rows = [quality.addition_report(name, roll, seed=i, model=model)
                for i, (name, roll) in enumerate(tunes.items())]
        print(f"\nAdding notes, {label} (the bare tune, default edit)")
        table(rows, [("tune", "tune", ""), ("added_notes", "notes", "d"), ("added_cells", "cells", "d"),
                     ("added_in_key", "in key", ".0%"), ("consonant_beats", "consonant", ".2f")])
        additions += rows
    chorales_rate = quality.chorale_consonance()
    print("\nSummary over all tunes")
    fall, kept = np.nanmean([r["fall"] for r in fixes]), np.nanmean([r["untouched_kept"] for r in fixes])
    in_key = np.nanmean([r["added_in_key"] for r in additions])
    consonant = np.nanmean([r["consonant_beats"] for r in additions])
    print(f"  out-of-key share falls by {fall:.0%} on average (target >= 80%): {'ok' if fall >= 0.8 else 'MISSED'}")
    print(f"  untouched notes kept      {kept:.0%} on average (target >= 70%): {'ok' if kept >= 0.7 else 'MISSED'}")
    print(f"  added notes in key        {in_key:.0%} (target >= 90%): {'ok' if in_key >= 0.9 else 'MISSED'}")
    print(f"  consonant beats           {consonant:.2f} (chorales {chorales_rate:.2f}; ratio "
          f"{consonant / chorales_rate:.2f})")
    if args.check:
        from composerlab.models.evaluation.arcnn import CHECK_BOOKS

        check = folk_tunes(20, books=CHECK_BOOKS)
        rows = [quality.fix_report(name, roll, seed=i, model=model) for i, (name, roll) in enumerate(check.items())]
        print(f"  check tunes ({len(rows)}): fall {np.nanmean([r['fall'] for r in rows]):.1%}, "
              f"kept {np.nanmean([r['untouched_kept'] for r in rows]):.0%}, "
              f"key read right in {sum(r['key'] == r['key_read'] for r in rows)} of {len(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
