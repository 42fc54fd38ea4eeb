"""Benchmark: whole-process start-up of the kit's commands, as a learner or facilitator meets them.

Each figure is a fresh process, timed from its start until it has answered
(median of ``--runs``), with its peak resident memory (GNU ``time``'s maximum
RSS). Measured:

- ``composerlab --help``;
- ``composerlab compose twinkle -o x.mid`` with each shipped model and the
  chain ``arcnn,bach`` (a cold start every time: imports, weights, the music);
- ``composerlab judge`` over ``--judge-files`` generated MIDI files (files per second);
- ``composerlab serve`` until its home page answers over HTTP on 127.0.0.1.

The studio's own figure (page ready, Generate enabled) is ``bench_studio.py --page``.
Targets: ``--help`` 0.5 s, compose with ``bach`` 1.5 s, any other model or
the chain 2 s, the judge 100 files per second, ``serve`` 2 s. The ratio is
target / figure: at least 1 meets it. ``--save FILE`` keeps the figures as
JSON and ``--before FILE`` prints each figure's ratio against a saved run
(before / after: above 1 is faster or smaller now).

Run: ``/work/tools/timed python bench/bench_startup.py`` or plainly
``python bench/bench_startup.py --runs 5`` on an idle machine.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

COMMAND = [sys.executable, "-m", "composerlab"]
GNU_TIME = shutil.which("time") or "/usr/bin/time"
ACCOMPANY_TARGET_S = {"bach": 1.5}
OTHER_TARGET_S = 2.0
HELP_TARGET_S = 0.5
SERVE_TARGET_S = 2.0
JUDGE_TARGET_FILES_PER_S = 100.0


def timed_run(args: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``composerlab ARGS`` once; seconds and peak RSS in MB. A failure stops the bench with its message."""
    stats = cwd / "time.txt"
    started = time.perf_counter()
    done = subprocess.run([GNU_TIME, "-f", "%M", "-o", str(stats), *COMMAND, *args],
                          cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"composerlab {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    peak_kb = float(stats.read_text().split()[-1])
    return seconds, peak_kb / 1024


def measure(label: str, args: list[str], cwd: Path, runs: int, target_s: float) -> dict:
    """Median seconds and the largest peak memory over ``runs`` fresh processes."""
    results = [timed_run(args, cwd) for _ in range(runs)]
    seconds = statistics.median(s for s, _ in results)
    return {"label": label, "seconds": seconds, "peak_mb": max(m for _, m in results),
            "target_s": target_s, "ratio": target_s / seconds}


def shipped_models() -> list[str]:
    """The names ``composerlab models`` lists as shipped (a learner's trained models left out)."""
    # Imported here, not at the top: the bench process itself should not pay the models' imports
    # before the figures it takes are of other processes.
    from composerlab.models.catalog import MODELS

    return list(MODELS)


def write_judge_folder(folder: Path, count: int) -> None:
    """``count`` MIDI files: the sample melodies, transposed by a few semitones so no two are alike."""
    # Imported here for the same reason as in shipped_models.
    from composerlab.music.melody import transpose
    from composerlab.music.midi import write_midi
    from composerlab.music.samples import list_samples, load_sample

    names = list_samples()
    folder.mkdir(parents=True)
    for index in range(count):
        music = load_sample(names[index % len(names)])
        write_midi(transpose(music, index // len(names) % 7 - 3), folder / f"entry_{index:04d}.mid")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_once(event_dir: Path) -> float:
    """Seconds from starting ``composerlab serve`` until its home page answers (the process is stopped after)."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([*COMMAND, "serve", str(event_dir), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
            if server.poll() is not None:
                raise SystemExit(f"composerlab serve stopped with {server.returncode}")
        raise SystemExit("composerlab serve did not answer within 60 s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(runs: int, judge_files: int, models: list[str]) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        rows.append(measure("--help", ["--help"], work, runs, HELP_TARGET_S))
        for name in [*models, "arcnn,bach"]:
            target = ACCOMPANY_TARGET_S.get(name, OTHER_TARGET_S)
            rows.append(measure(f"compose {name}", ["compose", "twinkle", "--model", name, "-o", "x.mid"],
                                work, runs, target))
        submissions = work / "submissions"
        write_judge_folder(submissions, judge_files)
        judge = measure(f"judge {judge_files} files", ["judge", str(submissions), "-o", str(work / "ranked"),
                                                       "--quiet"], work, runs, judge_files / JUDGE_TARGET_FILES_PER_S)
        judge["files_per_s"] = judge_files / judge["seconds"]
        rows.append(judge)
        event_dir = work / "event"
        subprocess.run([*COMMAND, "event", "new", str(event_dir), "--name", "Bench", "--judges", "Ada"],
                       check=True, capture_output=True)
        seconds = statistics.median(serve_once(event_dir) for _ in range(runs))
        rows.append({"label": "serve until it answers", "seconds": seconds, "peak_mb": None,
                     "target_s": SERVE_TARGET_S, "ratio": SERVE_TARGET_S / seconds})
    return rows


def print_table(rows: list[dict], before: dict[str, dict]) -> None:
    print(f"{'command':28} {'seconds':>8} {'peak MB':>8} {'target':>7} {'ratio':>6} {'vs before':>10}")
    for row in rows:
        peak = f"{row['peak_mb']:.0f}" if row["peak_mb"] is not None else "-"
        old = before.get(row["label"])
        versus = f"{old['seconds'] / row['seconds']:.2f}x" if old else "-"
        if old and old.get("peak_mb") and row["peak_mb"]:
            versus += f" mem {old['peak_mb'] / row['peak_mb']:.2f}x"
        print(f"{row['label']:28} {row['seconds']:8.2f} {peak:>8} {row['target_s']:7.2f} {row['ratio']:6.2f} {versus:>10}")
        if "files_per_s" in row:
            print(f"{'':28} {row['files_per_s']:8.1f} files per second")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure (median)")
    parser.add_argument("--judge-files", type=int, default=100)
    parser.add_argument("--models", default="", help="comma-separated (default: every shipped model)")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--before", type=Path, help="a JSON written by --save, to compare against")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    models = args.models.split(",") if args.models else shipped_models()
    rows = run(args.runs, args.judge_files, models)
    before = {row["label"]: row for row in json.loads(args.before.read_text())} if args.before else {}
    print_table(rows, before)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
