"""Benchmark: audio render of 8 bars x 4 tracks, and MIDI read + grid conversion.

Run: ``python bench/bench_music.py``. Prints each figure, its reference and the
ratio (reference / measured: above 1 is faster than required).
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from composerlab import clip_bars, read_midi, write_midi
from composerlab.music.notation import load_corpus
from composerlab.sound.audio import loudness, render

RENDER_TARGET_S = 1.0   # 8 bars x 4 tracks in under 1 s on a 2-core CPU
READ_TARGET_S = 0.060   # the AI judge's 500 files in 30 s leaves 60 ms a file in all


def timed(function, repeats: int) -> float:
    """Median wall time of ``repeats`` calls, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    chorale = clip_bars(load_corpus("bach/bwv66.6"), 8, warn=False)
    seconds = timed(lambda: render(chorale), repeats=5)
    samples, rate = render(chorale)
    level = loudness(samples)
    with tempfile.TemporaryDirectory() as folder:
        path = write_midi(load_corpus("bach/bwv7.7"), Path(folder) / "bwv7.7.mid")
        read_seconds = timed(lambda: read_midi(path), repeats=20)
    rows = [
        ("audio render, 8 bars x 4 tracks", seconds, RENDER_TARGET_S,
         f"{samples.shape[0] / rate:.1f} s of audio, peak {level['peak_dbfs']:.1f} dBFS"),
        ("MIDI read + grid, one chorale", read_seconds, READ_TARGET_S, "4 tracks"),
    ]
    print(f"{'benchmark':<36} {'measured':>10} {'reference':>10} {'ratio':>7}  note")
    for name, measured, reference, note in rows:
        print(f"{name:<36} {measured:>9.3f}s {reference:>9.3f}s {reference / measured:>6.1f}x  {note}")


if __name__ == "__main__":
    main()
