"""``composerlab judge`` and ``composerlab train-judge``: the AI judge from a terminal."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from composerlab.models.judge.network import load_judge
from composerlab.models.judge.report import write_report
from composerlab.models.judge.scoring import DEFAULT_WEIGHT, judge_folder
from composerlab.models.cards.judge import train_judge
from composerlab.models.judge.training import install_judge


def _cmd_judge(args) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"composerlab judge: the folder {folder} does not exist", file=sys.stderr)
        return 2
    output = Path(args.output) if args.output else folder / "ai_judge_results"
    model = load_judge(args.model)
    began = time.perf_counter()
    verdicts = judge_folder(folder, model, weight=args.weight, exclude=output, progress=not args.quiet)
    csv_path, html_path = write_report(verdicts, output, top_n=args.top, weight=args.weight)
    seconds = time.perf_counter() - began
    judged = [v for v in verdicts if v.ok]
    for v in judged[:args.top]:
        print(f"{v.rank:>3}. {v.score:6.1f}  {v.composer or '(no alias)':<16} {v.file}")
    failed = [v for v in verdicts if not v.ok]
    print(f"{len(judged)} judged, {len(failed)} not judged, in {seconds:.1f} s")
    for v in failed:
        print(f"  not judged: {v.file}: {v.error}")
    print(f"wrote {csv_path}\nwrote {html_path}")
    return 0


def _cmd_train(args) -> int:
    model, report = train_judge(epochs=args.epochs, seed=args.seed, output=args.output, limit=args.limit)
    print(f"test accuracy {report['test']['accuracy']:.3f} on {report['test']['windows']} windows; "
          f"held-out pieces: Bach {report['test_pieces']['summary']['bach_mean']}, "
          f"others {report['test_pieces']['summary']['other_mean']}; trained in {report['train_seconds']:.0f} s")
    print(f"saved {report['saved']}")
    if args.install:
        for path in install_judge(report["saved"]):
            print(f"installed {path}")
    else:
        print("the shipped judge is unchanged; 'composerlab train-judge --install' replaces it")
    return 0


def add_command(subparsers) -> None:
    """Add ``composerlab judge`` and ``composerlab train-judge``."""
    p = subparsers.add_parser("judge", help="rank every submission in a folder by how Bach-like it is")
    p.add_argument("folder", help="the submissions folder (nested folders are searched too)")
    p.add_argument("-o", "--output", help="where the CSV and HTML go (default: FOLDER/ai_judge_results)")
    p.add_argument("--top", type=int, default=3, help="how many winners to show (default 3)")
    p.add_argument("--weight", type=float, default=DEFAULT_WEIGHT,
                   help="share of the classifier in the score, the rest is pitch similarity (default 0.5)")
    p.add_argument("--model", help="a judge saved by train-judge (default: the shipped one)")
    p.add_argument("--quiet", action="store_true", help="no progress count")
    p.set_defaults(run=_cmd_judge)

    p = subparsers.add_parser("train-judge", help="train the AI judge on the music21 corpus")
    p.add_argument("--epochs", type=int, default=20, help="most epochs (early stopping on validation loss)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", help="stem to save to (default: out/models/ai_judge)")
    p.add_argument("--install", action="store_true",
                   help="then replace the shipped judge in data/models with the one just trained")
    p.add_argument("--limit", type=int, help="files per composer group (a quick run)")
    p.set_defaults(run=_cmd_train)
