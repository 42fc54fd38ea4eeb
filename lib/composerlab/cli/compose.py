"""``composerlab compose`` and ``composerlab models``: make music with a chain of models.

The models' options (``--iterations``, ``--temperature``, ``--key-rule``, ...) are read from each
model's parameters in :data:`composerlab.models.catalog.MODELS`: one option per parameter name, handed
to every model of the chain that takes it.
"""
from __future__ import annotations

import argparse
import sys
import time

from composerlab.errors import ParameterError
from composerlab.models.catalog import MODELS, ModelEntry, all_models, compose_chain, parse_chain
from composerlab.models.parameters import Parameter
from composerlab.music.samples import read_melody
from composerlab.sound.audio import write_audio


def model_options() -> dict[str, list[tuple[str, Parameter]]]:
    """``{option: [(family, parameter), ...]}``: every command-line option of the shipped models, and the
    parameter each family of models reads from it (``--temperature``: the AR-CNN's and the Transformer's)."""
    options: dict[str, list[tuple[str, Parameter]]] = {}
    for entry in MODELS.values():
        for parameter in entry.parameters:
            if parameter.option and (entry.family, parameter) not in options.get(parameter.option, []):
                options.setdefault(parameter.option, []).append((entry.family, parameter))
    return options


def _help(uses: list[tuple[str, Parameter]]) -> str:
    """An option's help: what it sets in each family of models, its values and default."""
    parts = []
    for family, parameter in uses:
        values = parameter.accepted()
        default = "" if parameter.default is None or isinstance(parameter.default, bool) \
            else f"default {parameter.default:g}"
        shown = ", ".join(text for text in (values, default) if text)
        parts.append(f"{family}: {parameter.help}" + (f" ({shown})" if shown else ""))
    return "; ".join(parts)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """One option per model parameter (:func:`model_options`); each is None (the model's own default) unless given."""
    for option, uses in model_options().items():
        parameter = uses[0][1]
        settings = {"dest": parameter.name, "help": _help(uses)}
        if parameter.flag is not None:
            settings.update(action="store_const", const=parameter.flag, default=None)
        elif isinstance(parameter.default, bool):
            settings.update(action="store_true")
        else:
            kind = parameter.parse or (int if parameter.whole else float)
            settings.update(type=kind, default=None, metavar=parameter.metavar)
        parser.add_argument(option, **settings)


def model_params(entry: ModelEntry, args) -> dict:
    """The values of the options that belong to one model of the chain (those given, and its switches)."""
    given = {p.name: getattr(args, p.name) for p in entry.parameters if p.option}
    return {name: value for name, value in given.items() if value is not None}


def _cmd_compose(args) -> int:
    chain = parse_chain(args.model)  # an unknown name fails here, before any file is read
    music = read_melody(args.melody)
    started = time.perf_counter()
    params = {entry.name: model_params(entry, args) for entry in chain}
    try:
        result = compose_chain(music, args.model, seed=args.seed, params=params)
    except (FileNotFoundError, ParameterError) as err:  # a missing weight file names the fix; a bad value its range
        print(f"composerlab: {err}", file=sys.stderr)
        return 2
    except ValueError as err:  # unusable music, or a setting a model refuses
        print(f"composerlab: {err}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    path = write_audio(result, args.output)
    names = " -> ".join(entry.name for entry in chain)
    print(f"wrote {path} ({names}: {len(result.tracks)} tracks, seed {args.seed}, {seconds:.1f} s)")
    return 0


def _cmd_models(args) -> int:
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
    add_model_options(p)
    p.add_argument("-o", "--output", required=True, help="out.mid, out.wav or out.mp3")
    p.set_defaults(run=_cmd_compose)

    p = subparsers.add_parser("models", help="list the models compose can use, one line each")
    p.set_defaults(run=_cmd_models)
