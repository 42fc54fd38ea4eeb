"""``composerlab compose`` and ``composerlab models``: make music with a chain of models."""
from __future__ import annotations

import sys
import time


def _model_params(entry, args) -> dict:
    """The command-line options that belong to one model of the chain."""
    if entry.kind == "accompany":
        programs = tuple(int(p) for p in args.programs.split(",")) if args.programs else None
        return {"in_key": args.key_rule, **({"programs": programs} if programs else {}),
                **({"decoding": "raw"} if args.raw else {})}
    if entry.kind == "edit":
        given = {"iterations": args.iterations, "max_removed": args.max_removed, "max_added": args.max_added,
                 "temperature": args.temperature}
        return {name: value for name, value in given.items() if value is not None}
    if entry.kind == "extend":
        # None: each model's own default (another model kind may read --temperature too).
        given = {"bars": args.bars, "temperature": args.temperature, "top_k": args.top_k, "top_p": args.top_p}
        return {k: v for k, v in given.items() if v is not None}
    return {}


def _cmd_compose(args) -> int:
    from composerlab.errors import ParameterError
    from composerlab.models.catalog import compose_chain, parse_chain
    from composerlab.music.samples import read_melody
    from composerlab.sound.audio import write_audio

    chain = parse_chain(args.model)  # an unknown name fails here, before any file is read
    music = read_melody(args.melody)
    started = time.perf_counter()
    params = {entry.name: _model_params(entry, args) for entry in chain}
    try:
        result = compose_chain(music, args.model, seed=args.seed, params=params)
    except (FileNotFoundError, ParameterError) as err:  # a missing weight file names the fix; a bad value its range
        print(f"composerlab: {err}", file=sys.stderr)
        return 2
    except ValueError as err:  # a setting out of range (bars, temperature, top-k, top-p), or unusable music
        print(f"composerlab: {err}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    path = write_audio(result, args.output)
    names = " -> ".join(entry.name for entry in chain)
    print(f"wrote {path} ({names}: {len(result.tracks)} tracks, seed {args.seed}, {seconds:.1f} s)")
    return 0


def _cmd_models(args) -> int:
    from composerlab.models.catalog import all_models

    for entry in all_models().values():  # the shipped ones, then those you trained
        print(f"{entry.name:<12} {entry.kind:<10} {entry.summary}")
    return 0


def add_command(subparsers) -> None:
    """Add ``composerlab compose MELODY --model bach -o out.mid`` and ``composerlab models``."""
    p = subparsers.add_parser("compose", help="make music from a melody with a model or a chain of models")
    p.add_argument("melody", help="a sample name (see 'samples') or a .mid/.musicxml/.abc file")
    p.add_argument("--model", default="bach",
                   help="a model name (see 'models'), a chain such as 'arcnn,bach', or the path of a GAN you trained")
    p.add_argument("--seed", type=int, default=0, help="another seed gives other music")
    p.add_argument("--programs", default=None,
                   help="GAN: GM programs for soprano,alto,tenor,bass (default: the model's own; bach 40,40,41,42: strings)")
    p.add_argument("--key-rule", action="store_true",
                   help="GAN: keep to the melody's key (chords inside it; with --raw, every note the model "
                        "chose outside it moves a semitone into it)")
    p.add_argument("--raw", action="store_true",
                   help="GAN: the model's own note choices, each voice's likeliest pitch (the Bach model's default "
                        "is chord decoding: one chord and voicing per beat)")
    p.add_argument("--iterations", type=int, default=None,
                   help="AR-CNN: edit steps, one note cell toggled each (1-1000, default 100)")
    p.add_argument("--max-removed", type=float, default=None, metavar="PCT",
                   help="AR-CNN: most of the input's notes it may remove, in percent (0-100, default 40)")
    p.add_argument("--max-added", type=int, default=None, metavar="N",
                   help="AR-CNN: most notes (16th-note cells) it may add (0-1000, default 100)")
    p.add_argument("--bars", type=int, default=None, help="Transformer: new bars, 1-16 (default 8)")
    p.add_argument("--temperature", type=float, default=None,
                   help="sampling temperature / AR-CNN creative risk: below 1 safer, above 1 riskier (each model has its own default: AR-CNN 0.3)")
    p.add_argument("--top-k", type=int, default=None, help="Transformer: keep the k likeliest tokens (0 = all)")
    p.add_argument("--top-p", type=float, default=None,
                   help="Transformer: nucleus sampling, keep the likeliest tokens up to this probability (0-1]")
    p.add_argument("-o", "--output", required=True, help="out.mid, out.wav or out.mp3")
    p.set_defaults(run=_cmd_compose)

    p = subparsers.add_parser("models", help="list the models compose can use, one line each")
    p.set_defaults(run=_cmd_models)
