"""Benchmark of the melody Transformer: speed with and without the cache, quality on held-out prompts, a sampling sweep.

Run: ``python bench/bench_transformer.py`` (several minutes on a 2-core CPU;
``--prompts 8`` for a quicker look).

Prints
- tokens per second and seconds for an 8-bar extension, with the key/value
  cache (what ``extend`` uses) and without it (every step runs the whole
  sequence again: in numpy, and through the Keras model), with the ratios;
- the held-out prompt report (4 bars of validation tunes, 8 bars generated,
  5 seeds each, default sampling) against the acceptance bounds;
- a temperature sweep and a top-p sweep: variety across seeds (distinct
  pitches, share of distinct bars) and the in-key share.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

TARGET_SECONDS_8_BARS = 1.0


def speed(n_tokens: int = 200) -> list[tuple]:
    from composerlab.models.evaluation.transformer import held_out_tunes, prompts
    from composerlab.models.transformer.generate import continue_notes, load_model
    from composerlab.models.transformer.tokens import tokenizer

    net, decoder = load_model("transformer")
    tok = tokenizer()
    # The densest of the 20 held-out prompts: the most notes to write in 8 bars, the slowest extension.
    prompt_name, prompt_notes = max(prompts(held_out_tunes(), count=20), key=lambda named: len(named[1]))
    prompt = tok.encode(prompt_notes)
    rng = np.random.default_rng(0)
    sequence = np.concatenate([prompt, rng.integers(3, len(tok), n_tokens)]).astype(np.int32)
    n_tokens = min(n_tokens, decoder.config.context - len(prompt))
    rows = []

    started = time.perf_counter()
    cache = decoder.new_cache()
    decoder.run(sequence[None, : len(prompt)], cache, 0)
    for t in range(len(prompt), len(prompt) + n_tokens):
        decoder.run(sequence[None, t: t + 1], cache, t)
    rows.append(("numpy, key/value cache", n_tokens / (time.perf_counter() - started)))

    started = time.perf_counter()
    for t in range(len(prompt), len(prompt) + n_tokens):
        decoder.run(sequence[None, : t + 1], decoder.new_cache(), 0)
    rows.append(("numpy, no cache (whole sequence every step)", n_tokens / (time.perf_counter() - started)))

    started = time.perf_counter()
    steps = min(n_tokens, 60)
    for t in range(len(prompt), len(prompt) + steps):
        net.logits(sequence[None, : t + 1])
    rows.append((f"Keras model, no cache ({steps} tokens)", steps / (time.perf_counter() - started)))

    continue_notes(prompt_notes, 1)  # warm
    times, counts = [], []
    for seed in range(5):
        started = time.perf_counter()
        new = continue_notes(prompt_notes, 8, seed=seed)
        times.append(time.perf_counter() - started)
        counts.append(len(new))
    return rows, float(np.median(times)), float(np.mean(counts)), prompt_name


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--sweep-prompts", type=int, default=12)
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args(argv)

    from composerlab.models.evaluation.transformer import held_out_tunes, quality_report
    from composerlab.models.transformer.generate import DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):  # as extend() decodes: one BLAS thread for the numpy steps
        rows, seconds, notes, prompt_name = speed()
    print("== speed (after loading; other jobs shared the 2 cores) ==")
    cached = rows[0][1]
    for label, rate in rows:
        print(f"{label:<48} {rate:8.1f} tokens/s   cache speed-up x{cached / rate:.1f}")
    print(f"8-bar extension of {prompt_name} (the densest prompt) with the cache: {seconds:.2f} s median of 5 "
          f"({notes:.0f} new notes); "
          f"target {TARGET_SECONDS_8_BARS:.1f} s -> ratio {seconds / TARGET_SECONDS_8_BARS:.2f}")

    tunes = held_out_tunes()
    print(f"\n== held-out prompts: 4 bars in, 8 bars out, 5 seeds, temperature {DEFAULT_TEMPERATURE}, "
          f"top-k {DEFAULT_TOP_K}, top-p {DEFAULT_TOP_P} ==")
    report = quality_report(tunes, count=args.prompts)
    bounds = [("in_key_notes", ">=", 0.9), ("continuations_with_empty_bar", "==", 0), ("in_range", ">=", 0.9),
              ("density_ok", ">=", 0.9), ("not_copy", ">=", 0.9), ("seeds_all_different", "==", 1.0)]
    for name, op, bound in bounds:
        value = report[name]
        ok = value >= bound if op == ">=" else value == bound
        print(f"{name:<32} {value:8.3f}   target {op} {bound}   {'ok' if ok else 'MISSED'}")
    print("prompts from:", ", ".join(f"{n} {k}" for k, n in report["sources"].items()))
    for name in ("prompts", "continuations", "in_key_continuations_90", "empty_bar_rate", "density_ratio_median",
                 "copied_bar_share", "distinct_pitches", "distinct_bar_share"):
        print(f"{name:<32} {report[name]:8.3f}")

    if not args.skip_sweep:
        print(f"\n== sampling sweep ({args.sweep_prompts} prompts x 5 seeds): variety across seeds ==")
        print(f"{'setting':<28} {'distinct pitches':>17} {'distinct bars':>14} {'in key':>8}")
        settings = [{"temperature": t} for t in (0.5, 0.9, 1.3)] + [{"top_p": p} for p in (0.5, 0.8, 0.95, 1.0)]
        for setting in settings:
            r = quality_report(tunes, count=args.sweep_prompts, **setting)
            label = ", ".join(f"{k} {v}" for k, v in setting.items())
            print(f"{label:<28} {r['distinct_pitches']:17.2f} {r['distinct_bar_share']:14.3f} {r['in_key_notes']:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
