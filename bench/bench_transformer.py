"""Benchmark of the melody Transformer: speed with and without the cache, held-out tunes in every meter, the ablation,
perplexity per meter against the n-gram baseline, a sampling sweep.

Run: ``python bench/bench_transformer.py`` (10-20 minutes on a 2-core CPU; ``--prompts 3`` for a quicker look,
``--model out/models/transformer`` for a run you trained).

Prints
- tokens per second and seconds for an 8-bar extension, with the key/value cache (what ``extend`` uses)
  and without it (every step runs the whole sequence again: in numpy, and through the Keras model);
- held-out tunes (the validation split: never trained on) in 4/4, 2/2, 3/4, 2/4 and 6/8, pickups
  kept: their first 4 bars in, 8 bars out, 5 seeds each, default sampling, the checks per meter and
  over all against the acceptance bounds; then the same with the network's scores replaced by equal
  ones (the ablation: the same sampling and grammar, no model);
- validation perplexity per meter, the Transformer against the 7-gram baseline;
- a temperature sweep and a top-p sweep: variety across seeds (distinct pitches, share of distinct bars)
  and the in-key share.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

TARGET_SECONDS_8_BARS = 1.0
BOUNDS = [("in_key_notes", ">=", 0.9), ("continuations_with_empty_bar", "==", 0), ("in_range", ">=", 0.9),
          ("density_ok", ">=", 0.9), ("not_copy", ">=", 0.9), ("seeds_all_different", "==", 1.0),
          ("in_bars", "==", 1.0)]


def speed(model: str, n_tokens: int = 200) -> tuple:
    from composerlab.models.evaluation.transformer import held_out_tunes, prompts
    from composerlab.models.transformer.generate import continue_notes, load_model
    from composerlab.models.transformer.tokens import tokenizer

    net, decoder = load_model(model)
    tok = tokenizer()
    # The densest of the held-out prompts: the most notes to write in 8 bars, the slowest extension.
    densest = max(prompts(held_out_tunes(), count=40), key=lambda p: len(p.notes) / p.bars / p.bar_steps)
    prompt = tok.encode(densest.notes, densest.meter)
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

    continue_notes(densest.notes, 1, meter=densest.meter, model=model)  # warm
    times, counts = [], []
    for seed in range(5):
        started = time.perf_counter()
        new = continue_notes(densest.notes, 8, seed=seed, meter=densest.meter, model=model)
        times.append(time.perf_counter() - started)
        counts.append(len(new))
    return rows, float(np.median(times)), float(np.mean(counts)), densest


def show_checks(report: dict) -> None:
    names = [name for name, _, _ in BOUNDS]
    print(f"{'meter':<8}{'prompts':>8}{'pickups':>8}" + "".join(f"{n[:14]:>16}" for n in names))
    for meter, row in report["per_meter"].items():
        print(f"{meter:<8}{row['prompts']:>8}{row['pickups']:>8}" + "".join(
            f"{row.get(n, report.get(n, float('nan'))):>16.3f}" for n in names))
    print(f"{'all':<8}{report['prompts']:>8}{report['pickups']:>8}" + "".join(f"{report[n]:>16.3f}" for n in names))
    for name, op, bound in BOUNDS:
        value = report[name]
        ok = value >= bound if op == ">=" else value == bound
        print(f"  {name:<32} {value:8.3f}   target {op} {bound}   {'ok' if ok else 'MISSED'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=8, help="held-out prompts of each meter")
    parser.add_argument("--sweep-prompts", type=int, default=12)
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-perplexity", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true", help="only the speed (run it under the timing lock)")
    parser.add_argument("--model", default="transformer")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from composerlab.models.evaluation.transformer import held_out_tunes, perplexity_by_meter, quality_report
    from composerlab.models.transformer.data import token_data
    from composerlab.models.transformer.generate import DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P, load_model
    from composerlab.models.transformer.tokens import METERS

    if not args.skip_speed:
        with threadpool_limits(1, user_api="blas"):  # as extend() decodes: one BLAS thread for the numpy steps
            rows, seconds, notes, densest = speed(args.model)
        print("== speed (after loading; this 2-core CPU) ==")
        cached = rows[0][1]
        for label, rate in rows:
            print(f"{label:<48} {rate:8.1f} tokens/s   cache speed-up x{cached / rate:.1f}")
        print(f"8-bar extension of {densest.name} ({densest.meter[0]}/{densest.meter[1]}, the densest prompt) with "
              f"the cache: {seconds:.2f} s median of 5 ({notes:.0f} new notes); target {TARGET_SECONDS_8_BARS:.1f} s "
              f"-> ratio {seconds / TARGET_SECONDS_8_BARS:.2f}")
    if args.skip_quality:
        return 0

    tunes = held_out_tunes()
    print(f"\n== held-out tunes, {args.prompts} of each meter: 4 bars (and a pickup) in, 8 bars out, 5 seeds, "
          f"temperature {DEFAULT_TEMPERATURE}, top-k {DEFAULT_TOP_K}, top-p {DEFAULT_TOP_P} ==")
    report = quality_report(tunes, count=args.prompts, meters=METERS, model=args.model)
    show_checks(report)
    print("prompts from:", ", ".join(f"{n} {k}" for k, n in report["sources"].items()))
    for name in ("continuations", "in_key_continuations_90", "empty_bar_rate", "density_ratio_median",
                 "copied_bar_share", "distinct_pitches", "distinct_bar_share"):
        print(f"{name:<32} {report[name]:8.3f}")
    print("\n== ablation: the network's scores replaced by equal ones, the same sampling and grammar ==")
    show_checks(quality_report(tunes, count=args.prompts, meters=METERS, model=args.model, ablate=True))

    if not args.skip_perplexity:
        print("\n== validation perplexity per meter (every token with half a context before it) ==")
        net, _ = load_model(args.model)
        table = perplexity_by_meter(net, token_data(build_books=False))
        print(f"{'meter':<8}{'tunes':>7}{'tokens':>9}{'Transformer':>13}{'7-gram':>9}{'ratio':>8}")
        for meter, row in table.items():
            mine = row.get("transformer", float("nan"))
            print(f"{meter:<8}{row['tunes']:>7}{row['tokens']:>9}{mine:>13.3f}{row['ngram']:>9.3f}"
                  f"{mine / row['ngram']:>8.2f}")

    if not args.skip_sweep:
        print(f"\n== sampling sweep ({args.sweep_prompts} prompts x 5 seeds): variety across seeds ==")
        print(f"{'setting':<28} {'distinct pitches':>17} {'distinct bars':>14} {'in key':>8}")
        settings = [{"temperature": t} for t in (0.5, 0.9, 1.3)] + [{"top_p": p} for p in (0.5, 0.8, 0.95, 1.0)]
        for setting in settings:
            r = quality_report(tunes, count=args.sweep_prompts, model=args.model, **setting)
            label = ", ".join(f"{k} {v}" for k, v in setting.items())
            print(f"{label:<28} {r['distinct_pitches']:17.2f} {r['distinct_bar_share']:14.3f} {r['in_key_notes']:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
