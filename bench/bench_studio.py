"""Benchmark: one Generate click in the studio, per shipped model and for a two-model chain (8 bars).

A click runs the chain, renders the output to audio for the player and draws
the per-track player: everything the learner waits for. Each figure is the
median of 5 clicks after the studio warmed its models up (as it does in the
background when it opens); the first, cold click is printed too.

Run: ``python bench/bench_studio.py``. Target (issue 12): under 1.5 s a click;
the ratio is target / measured (above 1 meets it).
"""
from __future__ import annotations

import statistics
import tempfile
import time

from composerlab.models.catalog import MODELS
from composerlab.music.melody import count_bars
from composerlab.widgets.studio import Studio

TARGET_S = 1.5


def clicks(studio: Studio, chain: list[str], repeats: int = 5) -> list[float]:
    studio.chain.set_steps([{"model": name, "params": {}} for name in chain])
    times = []
    for seed in range(repeats):
        studio.chain.seed.value = seed
        studio.status.value = ""
        started = time.perf_counter()
        studio.generate_button.click()
        times.append(time.perf_counter() - started)
        assert "Generated" in studio.status.value, f"{' -> '.join(chain)}: {studio.status.value}"
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        studio = Studio(library=folder, warm_up=False)
        assert count_bars(studio.input_music()) == 8
        names = list(MODELS)
        started = time.perf_counter()
        clicks(studio, names[:1], repeats=1)
        cold = time.perf_counter() - started
        print(f"first click (models load): {cold:.2f} s  [the studio warms up in the background on opening]")
        chains = [[n] for n in names] + [names[:2] if len(names) > 1 else names * 2]
        print(f"{'chain':<24}{'median s':>10}{'max s':>8}{'target':>8}{'ratio':>8}")
        for chain in chains:
            times = clicks(studio, chain)
            median = statistics.median(times)
            print(f"{' -> '.join(chain):<24}{median:>10.2f}{max(times):>8.2f}{TARGET_S:>8.1f}{TARGET_S / median:>8.2f}")


if __name__ == "__main__":
    main()
