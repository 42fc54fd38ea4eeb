"""A GAN trained on your own music, with its card: ``composerlab train gan --data DIR --name NAME``, lab 07.

:func:`train_custom` reads a folder (:func:`composerlab.models.corpora.pieces.read_folder`), trains the
accompaniment GAN on it (:func:`composerlab.models.gan.custom.fit_pieces`) and writes its card beside the
weights as ``NAME.md`` (:func:`write_card`): what it learned from (pieces, parts, files skipped and why),
how it was trained, and its figures against its own data's, so a model is never used without knowing
what it is. ``--model NAME`` then finds it in ``compose``, ``composerlab models`` and the catalog.
"""
from __future__ import annotations

import time
from pathlib import Path

from composerlab.models.corpora.pieces import FolderMusic, read_folder
from composerlab.models.gan.custom import WORKSHOP_ITERATIONS, check_name, fit_pieces
from composerlab.music.harmony import CHORALE_REFERENCE
from composerlab.music.metrics import METRIC_NAMES

GENRE_RECIPES = """\
## Genre models are the same run

The shipped genre models (`palestrina`, `monteverdi`, `quartet`) are this run over a corpus that ships
with music21, with the bass part always kept (`composerlab.models.cards.genres`):

    composerlab train gan --genre palestrina      # Renaissance masses; monteverdi: madrigals; quartet: strings

Your own folder of a corpus works too (`composerlab.models.corpora.pieces.copy_corpus` copies the files as they are):

    python -c "from composerlab.models.corpora.pieces import copy_corpus; copy_corpus('palestrina', 'corpus/palestrina')"
    composerlab train gan --data corpus/palestrina --name my_palestrina
"""


def _figures(metrics: list[dict]) -> list[str]:
    rows = {row["split"]: row for row in metrics}
    split = "validation" if "validation" in rows else "train"
    data, ours = rows.get(f"data {split}"), rows.get(split)
    if data is None or ours is None:
        return ["(no measures: the run was too short to evaluate)"]
    lines = [f"Measured on {split} windows (2 bars each): the data's own parts against the model's, "
             "for the same melodies.", "",
             "| measure | data | model | model/data | Bach chorales (10th-90th pct) |",
             "|---|---|---|---|---|"]
    for name in METRIC_NAMES:
        d, m = data.get(name, float("nan")), ours.get(name, float("nan"))
        ratio = f"{m / d:.2f}" if d else "-"
        reference = CHORALE_REFERENCE.get(name)
        shown = f"{reference['p10']:.2f}-{reference['p90']:.2f}" if reference and "p10" in reference else ""
        lines.append(f"| {name.replace('_', ' ')} | {d:.3f} | {m:.3f} | {ratio} | {shown} |")
    return lines


def write_card(stem: Path, info: dict, config, wall_seconds: float) -> Path:
    """Write ``<stem>.md`` for a trained model and return its path."""
    name, data = info["name"], info["data"]
    pieces, skipped = data["files"], data["skipped"]
    meters = sorted({"/".join(map(str, meter)) for *_, meter in pieces})
    lines = [
        f"# Model card: {name} (`{name}`)", "",
        f"{info['summary'][0].upper()}{info['summary'][1:]}.", "",
        f"Accompanies a melody with up to three parts learned from your music. Use it with "
        f"`composerlab compose twinkle --model {name} -o out.mid` or `compose(music, model=\"{name}\")`.", "",
        "## Data", "",
        f"- folder: `{data['folder']}`; {len(pieces)} pieces used, {len(skipped)} files skipped; meters {', '.join(meters)}",
        f"- windows of 2 x 16 steps: {data['train_windows']} for training ({data['train_pieces']} pieces), "
        f"{data['validation_windows']} for validation ({data['validation_pieces']} pieces)",
        f"- melodies' mean pitch {info['soprano_centre']:.1f} (a melody is moved by octaves to sit near it)",
        "- parts: the melody is the pitched part with the highest average pitch among those with at least a "
        "quarter as many notes as the busiest; the accompaniment the three busiest other parts, high to low "
        "(override with `--melody-part` and `--parts`)", "",
        "| piece | melody | accompaniment |", "|---|---|---|",
    ]
    lines += [f"| {piece} | {parts[0]} | {', '.join(parts[1:])} |" for piece, parts, _ in pieces[:40]]
    if len(pieces) > 40:
        lines.append(f"| ... and {len(pieces) - 40} more | | |")
    if skipped:
        lines += ["", "Skipped:", ""] + [f"- {file}: {reason}" for file, reason in skipped]
    lines += ["", "## Training", "",
              f"{config.iterations} iterations, batch {config.batch_size}, learning rate {config.learning_rate:g}, "
              f"{config.update_ratio} critic updates per generator update, seed {config.seed}; "
              f"{info['training_seconds']:.0f} s of updates, {wall_seconds:.0f} s in all (reading included). "
              "Network and losses are the Bach model's (`models/gan/network.py`).", "",
              "## Figures", ""] + _figures(info["metrics"]) + ["", GENRE_RECIPES]
    path = Path(f"{stem}.md")
    path.write_text("\n".join(lines))
    return path


def train_custom(data: str | Path | FolderMusic, name: str, iterations: int = WORKSHOP_ITERATIONS,
                 learning_rate: float = 1e-3, update_ratio: int = 2, batch_size: int = 32, seed: int = 0,
                 melody_part: str | None = None, parts: list[str] | None = None, eval_every: int | None = None,
                 progress: bool = True, live_plot: bool = False, folder: str | Path | None = None,
                 check: bool = True, **fitting) -> dict:
    """Read ``data``, train a GAN on it and save it as ``name`` with its card; return what happened.

    ``data`` is a folder, or what :func:`~composerlab.models.corpora.pieces.read_folder` already found
    in one (then it is not read again). ``check=False`` lets a genre run use its shipped model's name; it
    still writes under ``out/``. ``fitting``: :func:`~composerlab.models.gan.custom.fit_pieces`'s
    ``select_best``, ``settings`` and ``split``.

    Returns
    -------
    dict
        What :func:`~composerlab.models.gan.custom.fit_pieces` returns, with ``card`` and ``wall_seconds``.

    Raises
    ------
    ValueError
        A bad name, no usable piece, or fewer training windows than one batch.
    """
    if check:
        check_name(name)
    wall_started = time.perf_counter()
    found = data if isinstance(data, FolderMusic) else read_folder(data, melody_part, parts, progress=progress)
    result = fit_pieces(found, name, iterations=iterations, learning_rate=learning_rate, update_ratio=update_ratio,
                        batch_size=batch_size, seed=seed, eval_every=eval_every, progress=progress,
                        live_plot=live_plot, folder=folder, **fitting)
    wall = time.perf_counter() - wall_started
    card = write_card(result["stem"], result["info"], result["config"], wall)
    return {**result, "card": card, "wall_seconds": wall}
