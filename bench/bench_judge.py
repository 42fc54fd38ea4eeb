"""How fast the AI judge ranks a submissions folder: files judged per second, against 500 files in 30 s.

Run: ``/tmp/venv/bin/python bench/bench_judge.py [--files 500] [--repeat 2]``

Start-up (importing TensorFlow, loading the model, tracing the network once)
is timed apart from judging, as the target is "after start-up". The folder is
made of :func:`composerlab.models.judge.scoring.write_demo_submissions` files (held-out corpus
pieces, sample melodies, a tune over random notes; 8 to 32 bars each, like
submissions made in the labs). ``--long`` adds one timed run over the pieces
uncut (up to 349 bars), to show how the time grows with length.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

TARGET_FILES, TARGET_SECONDS = 500, 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=TARGET_FILES)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs (the best is reported)")
    parser.add_argument("--long", action="store_true", help="one more run over the same pieces uncut")
    args = parser.parse_args()

    began = time.perf_counter()
    from composerlab.models.judge.cases import write_demo_submissions
    from composerlab.models.judge.network import load_judge
    from composerlab.models.judge.report import write_report
    from composerlab.models.judge.scoring import judge_folder

    model = load_judge()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        write_demo_submissions(folder, n=args.files, model=model)
        judge_folder(folder, model, with_roll=False)  # warm-up on the same folder: traces the network
        startup = time.perf_counter() - began

        rows = []
        for run in range(args.repeat):
            t0 = time.perf_counter()
            verdicts = judge_folder(folder, model)
            t1 = time.perf_counter()
            write_report(verdicts, Path(tmp) / "results")
            t2 = time.perf_counter()
            windows = sum(v.windows for v in verdicts)
            rows.append((str(run + 1), len(verdicts), windows, t1 - t0, t2 - t1, t2 - t0))
        if args.long:
            uncut = Path(tmp) / "uncut"
            write_demo_submissions(uncut, n=args.files, model=model, cut=False)
            t0 = time.perf_counter()
            verdicts = judge_folder(uncut, model)
            t1 = time.perf_counter()
            write_report(verdicts, Path(tmp) / "results_uncut")
            t2 = time.perf_counter()
            long_row = ("uncut", len(verdicts), sum(v.windows for v in verdicts), t1 - t0, t2 - t1, t2 - t0)

    print(f"start-up (imports, model, writing the folder, warm-up): {startup:.1f} s\n")
    print(f"{'run':>5} {'files':>6} {'windows':>8} {'judge s':>8} {'report s':>9} {'total s':>8} {'files/s':>8}")
    for run, files, windows, judge_s, report_s, total in rows + ([long_row] if args.long else []):
        print(f"{run:>5} {files:>6} {windows:>8} {judge_s:>8.2f} {report_s:>9.2f} {total:>8.2f} {files / total:>8.1f}")
    best = min(rows, key=lambda r: r[5])  # the cut folder, as the target is stated for submissions
    rate = best[1] / best[5]
    needed = TARGET_FILES / TARGET_SECONDS
    print(f"\nbest: {rate:.1f} files/s; target {needed:.1f} files/s (500 in 30 s): {rate / needed:.1f}x the target; "
          f"500 files would take {TARGET_FILES / rate:.1f} s")


if __name__ == "__main__":
    main()
