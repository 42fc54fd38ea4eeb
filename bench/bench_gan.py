"""Benchmark of the Bach chorale GAN: training speed, inference latency, quality against the data.

Run: ``python bench/bench_gan.py`` (about 3 minutes on a 2-core CPU).
``--skip-training`` leaves out the training-speed part.

Prints
- seconds per training iteration and windows per second at the original
  lab's settings (batch 64, 5 critic updates per generator update) and at ours;
- load time of the shipped model and latency of an 8-bar and a 32-bar (whole song) accompaniment
  (chord decoding, the default; the raw decoding's 32 bars beside);
- for every validation chorale's soprano, each metric for Bach's own voices
  and for ours, with the ratio and the acceptance bounds; the harmony
  measures (consonant beats, chord fit, parallels per bar) against the range
  of whole chorales (``composerlab.music.harmony.CHORALE_REFERENCE``); with chord
  decoding (the default), the raw model, and the raw model with the key rule.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

REFERENCE_SECONDS_PER_ITERATION = 50.9
"""The original DeepComposer GAN lab, measured on this kind of 2-core CPU (TF 2.21): 1000 iterations, about 14 h."""


def bench_training(iterations: int = 15) -> list[tuple]:
    from composerlab.models.gan import data as chorales
    from composerlab.models.gan.network import ChoraleGAN, GANConfig
    from composerlab.models.gan.training import batches

    dataset = chorales.build_dataset(bars=2)
    rows = []
    for label, batch_size, ratio in (("reference settings (batch 64, ratio 5)", 64, 5),
                                     ("ours (batch 32, ratio 2)", 32, 2)):
        config = GANConfig(batch_size=batch_size, update_ratio=ratio)  # key inputs and key loss as shipped
        gan = ChoraleGAN(config)
        rng = np.random.default_rng(0)
        stream = batches(dataset.train, config, rng)
        gan.train_step(stream, rng)  # compile
        started = time.perf_counter()
        for _ in range(iterations):
            gan.train_step(stream, rng)
        seconds = (time.perf_counter() - started) / iterations
        windows = batch_size * (ratio + 1) / seconds
        rows.append((label, seconds, windows))
    return rows


def cold_load_seconds() -> float:
    """Loading the model in a fresh Python, TensorFlow import included."""
    import subprocess
    import sys

    code = ("import time; t = time.perf_counter(); from composerlab.models.gan.generate import load_model; "
            "load_model('bach'); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_inference(repeats: int = 20) -> dict:
    fresh_seconds = cold_load_seconds()
    started = time.perf_counter()
    import tensorflow  # noqa: F401  (timed apart from loading the model)
    import_seconds = time.perf_counter() - started

    from composerlab.models.gan.generate import compose, load_model
    from composerlab.music.melody import from_notes
    from composerlab.music.pianoroll import Note

    started = time.perf_counter()
    load_model("bach")
    load_seconds = time.perf_counter() - started
    tune = [60, 62, 64, 65, 67, 69, 71, 72]
    melody = from_notes([Note(4 * i, tune[i % 8], 4) for i in range(32)])  # 8 bars of quarter notes
    song = from_notes([Note(4 * i, tune[i % 8], 4) for i in range(128)])  # 32 bars: a whole song
    figures = {"fresh_s": fresh_seconds, "import_tensorflow_s": import_seconds, "load_s": load_seconds}
    for label, music, decoding in (("8_bars", melody, None), ("32_bars", song, None), ("32_bars_raw", song, "raw")):
        compose(music, seed=0, decoding=decoding)
        times = []
        for seed in range(repeats):
            started = time.perf_counter()
            compose(music, seed=seed, decoding=decoding)
            times.append(time.perf_counter() - started)
        figures[f"median_{label}_s"], figures[f"max_{label}_s"] = float(np.median(times)), float(np.max(times))
    return figures


def report_quality(report: dict, label: str) -> None:
    from composerlab.music import metrics
    from composerlab.music.harmony import CHORALE_REFERENCE, in_reference_range

    print(f"Quality on the {report['chorales']} validation chorales, {label} "
          f"(first 8 bars; Bach's soprano given)")
    print(f"{'metric':<22}{'Bach':>8}{'ours':>8}{'ours/Bach':>11}  acceptance")
    bounds = {"polyphonic_rate": "within 25%", "pitch_classes_used": "within 25%",
              "qualified_note_rate": "within 25%", "empty_bar_rate": "at most +0.05"}
    for name in metrics.METRIC_NAMES:
        data, ours = report["data"][name], report["generated"][name]
        ratio = ours / data if data else float("nan")
        if name == "parallels_per_bar":
            bounds[name] = "at most 0.15"
            ok = "ok" if ours <= 0.15 else "MISSED"
        elif name in CHORALE_REFERENCE:
            reference = CHORALE_REFERENCE[name]
            bounds[name] = f"chorales' 10th-90th pct {reference['p10']:.2f}-{reference['p90']:.2f}"
            ok = "ok" if in_reference_range(name, ours) else "MISSED"
        elif name == "empty_bar_rate":
            ok = "ok" if ours <= data + 0.05 else "MISSED"
        elif name in bounds:
            ok = "ok" if abs(ratio - 1) <= 0.25 else "MISSED"
        else:
            ok = ""
        print(f"{name:<22}{data:>8.3f}{ours:>8.3f}{ratio:>11.2f}  {bounds.get(name, '')} {ok}")
    value = report["in_key_ratio_in_key_melodies"]
    print(f"in-key ratio of our notes for the {report['in_key_melodies']} in-key sopranos: {value:.3f} "
          f"(target >= 0.9) {'ok' if value >= 0.9 else 'MISSED'}")
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args(argv)

    from composerlab.models.evaluation.gan import validation_report

    if not args.skip_training:
        print("Training speed (our generator and critic, 2-bar windows)")
        print(f"{'settings':<42}{'s / iteration':>14}{'windows / s':>13}{'vs reference':>14}")
        for label, seconds, windows in bench_training():
            print(f"{label:<42}{seconds:>14.3f}{windows:>13.0f}{REFERENCE_SECONDS_PER_ITERATION / seconds:>13.0f}x")
        print(f"{'original lab (measured)':<42}{REFERENCE_SECONDS_PER_ITERATION:>14.1f}{64 * 6 / 50.9:>13.1f}")
        print()

    inference = bench_inference()
    print("Inference")
    print(f"  load in a fresh Python      {inference['fresh_s']:.2f} s   (TensorFlow import included)")
    print(f"  import TensorFlow           {inference['import_tensorflow_s']:.2f} s")
    print(f"  load the Bach model         {inference['load_s']:.2f} s   (target < 3 s; after the import)")
    print(f"  8-bar accompaniment median  {inference['median_8_bars_s'] * 1000:.0f} ms (max "
          f"{inference['max_8_bars_s'] * 1000:.0f} ms; target < 200 ms)")
    print(f"  32-bar accompaniment median {inference['median_32_bars_s'] * 1000:.0f} ms (max "
          f"{inference['max_32_bars_s'] * 1000:.0f} ms; target < 500 ms, ratio "
          f"{inference['median_32_bars_s'] / 0.5:.2f})")
    print(f"  32 bars, raw decoding       {inference['median_32_bars_raw_s'] * 1000:.0f} ms (max "
          f"{inference['max_32_bars_raw_s'] * 1000:.0f} ms; the generator alone, raw decoding)")
    print()

    for decoding, in_key, label in (("chords", False, "chord decoding (compose() default)"),
                                    ("raw", False, "the raw model (decoding='raw')"),
                                    ("raw", True, "the raw model with the key rule (in_key=True)")):
        report_quality(validation_report("bach", in_key=in_key, decoding=decoding), label)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
