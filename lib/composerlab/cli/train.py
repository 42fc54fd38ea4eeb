"""``composerlab train gan``: train the accompaniment GAN on a folder of your own music, or a genre model
on its music21 corpus (``--genre``, :mod:`composerlab.models.cards.genres`)."""
from __future__ import annotations

import sys

from composerlab.models.cards.custom import train_custom
from composerlab.models.cards.genres import install, train_genre
from composerlab.models.catalog import MODELS
from composerlab.models.corpora.genres import GENRES
from composerlab.models.evaluation.genres import figures_text
from composerlab.models.gan.custom import WORKSHOP_ITERATIONS, check_name


def _cmd_train_genre(args) -> int:
    if args.data or (args.name and args.name != args.genre) or args.melody_part or args.parts:
        print("composerlab: --genre trains on the genre's corpus under its own name and part rule; "
              "leave out --data, --name, --melody-part and --parts", file=sys.stderr)
        return 2
    if args.genre not in GENRES:
        print(f"composerlab: no genre '{args.genre}': the genres are {', '.join(GENRES)}", file=sys.stderr)
        return 2
    result = train_genre(args.genre, iterations=args.iterations, seed=args.seed, progress=not args.quiet,
                         learning_rate=args.learning_rate)
    summary, report = result["dataset"], result["report"]
    print(f"{args.genre}: {summary['pieces']} pieces ({result['found'].report().splitlines()[0]}); "
          f"{summary['train_windows']} training windows, {summary['validation_windows']} held out; "
          f"trained in {result['seconds']:.0f} s ({result['wall_seconds']:.0f} s in all), "
          f"load average {result['load']['before'][0]:.2f} -> {result['load']['after'][0]:.2f}")
    print(figures_text(report))
    print(f"saved {result['path']}\nwrote {result['card']}")
    if args.install:
        for path in install(args.genre):
            print(f"installed {path}")
    else:
        print(f"replace the shipped model with it: {result['command']} --install (or copy the files)")
    return 0


def _cmd_train_gan(args) -> int:
    if args.genre:
        return _cmd_train_genre(args)
    if args.install or not args.data or not args.name:
        print("composerlab: train gan needs --data DIR --name NAME (your own music), or --genre NAME "
              "(--install replaces a shipped genre model)", file=sys.stderr)
        return 2
    args.iterations = args.iterations or WORKSHOP_ITERATIONS
    args.learning_rate = args.learning_rate or 1e-3
    try:
        check_name(args.name, reserved=MODELS)
    except ValueError as err:
        print(f"composerlab: {err}", file=sys.stderr)
        return 2
    parts = [p for p in args.parts.split(",") if p.strip()] if args.parts else None
    try:
        result = train_custom(args.data, args.name, iterations=args.iterations, learning_rate=args.learning_rate,
                              update_ratio=args.update_ratio, batch_size=args.batch_size, seed=args.seed,
                              melody_part=args.melody_part, parts=parts, progress=not args.quiet)
    except (FileNotFoundError, ValueError) as err:
        print(f"composerlab: {err}", file=sys.stderr)
        return 2
    print(result["found"].report())
    summary = result["dataset"]
    print(f"{summary['train_windows']} training windows, {summary['validation_windows']} validation windows; "
          f"trained {args.iterations} iterations in {result['seconds']:.0f} s ({result['wall_seconds']:.0f} s in all)")
    for split in ("data validation", "validation"):
        row = result["metrics"].get(split)
        if row:
            print(f"{split:>16}: consonant beats {row['consonant_beats']:.3f}, chord fit {row['chord_fit']:.3f}, "
                  f"parallels per bar {row['parallels_per_bar']:.3f}")
    print(f"saved {result['path']}\nwrote {result['card']}")
    print(f"use it: composerlab compose twinkle --model {args.name} -o {args.name}.mid")
    return 0


def add_command(subparsers) -> None:
    """Add ``composerlab train gan --data DIR --name NAME``."""
    p = subparsers.add_parser("train", help="train a model on your own music")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="MODEL")
    g = kinds.add_parser("gan", help="the accompaniment GAN, on a folder of MIDI, MusicXML and ABC files",
                         description="Train the accompaniment GAN on your own music. The melody is the part "
                                     "with the highest average pitch among the busy ones, the accompaniment "
                                     "the three busiest other parts; files that cannot be used are listed "
                                     "and skipped. The model goes to the models folder under out/ "
                                     "(or COMPOSERLAB_OUT), never data/models.")
    g.add_argument("--data", default=None, help="a folder of .mid, .musicxml/.mxl, .abc files (sub-folders too)")
    g.add_argument("--name", default=None, help="the model's name for --model (lower-case letters, digits, - and _)")
    g.add_argument("--genre", default=None, choices=list(GENRES),
                   help="instead of --data and --name: a genre model from its music21 corpus (out/models/GENRE.*)")
    g.add_argument("--install", action="store_true",
                   help="with --genre: then copy the run over the shipped data/models/GENRE_gan.* (on purpose only)")
    g.add_argument("--iterations", type=int, default=None,
                   help=f"generator updates (default {WORKSHOP_ITERATIONS}: a few minutes; a genre: its own)")
    g.add_argument("--learning-rate", type=float, default=None,
                   help="Adam learning rate (default 0.001; a genre: its own)")
    g.add_argument("--update-ratio", type=int, default=2, help="critic updates per generator update (default 2)")
    g.add_argument("--batch-size", type=int, default=32, help="windows per update (default 32)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--melody-part", default=None, help="the melody's part in every file, by number (1 = first) or name")
    g.add_argument("--parts", default=None,
                   help="the accompaniment's parts, comma-separated numbers or names (at most 3)")
    g.add_argument("--quiet", action="store_true", help="no progress bars")
    g.set_defaults(run=_cmd_train_gan)
