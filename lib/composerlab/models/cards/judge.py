"""The AI judge trained on the corpus, calibrated, tested, and its card: ``composerlab train-judge``.

``composerlab train-judge`` and ``facilitator/train_ai_judge.ipynb`` call :func:`train_judge`. A run
writes under ``out/models/`` (ignored by git); replacing the shipped judge is the separate step
:func:`composerlab.models.judge.training.install_judge`.
"""
from __future__ import annotations

import time
from pathlib import Path

from composerlab.models.judge.data import bach_pitch_distribution, load_corpus_pieces, make_windows, split_pieces
from composerlab.models.judge.network import JudgeModel, build_network, train_network
from composerlab.models.judge.training import default_output, evaluate, piece_scores


def train_judge(epochs: int = 20, seed: int = 0, output: str | Path | None = None, limit: int | None = None,
                verbose: int = 2) -> tuple[JudgeModel, dict]:
    """Build the corpus data, train, calibrate, test, and save the judge.

    Parameters
    ----------
    epochs : int
        Most epochs (training stops earlier when validation loss stalls).
    seed : int
        The one seed for the split, the spoiled windows and the network.
    output : str or Path, optional
        Where to save (a stem); by default :func:`default_output` (``out/models/ai_judge``).
        The shipped judge is never overwritten here: see :func:`install_judge`.
    limit : int, optional
        Files per composer group (a quick run); all of the catalogue when None.

    Returns
    -------
    (JudgeModel, dict)
        The judge and its report: sizes, test accuracy, confusion, per composer, piece scores.
    """
    began = time.perf_counter()
    pieces = load_corpus_pieces(seed=seed, limit=limit)
    splits = split_pieces(pieces, seed=seed)
    sets = {name: make_windows(group, seed=seed + i) for i, (name, group) in enumerate(splits.items())}
    network, temperature, history, train_seconds = train_network(
        (sets["train"].windows, sets["train"].labels),
        (sets["validation"].windows, sets["validation"].labels),
        epochs=epochs, seed=seed, verbose=verbose)
    model = JudgeModel(network, temperature, bach_pitch_distribution(splits["train"]))
    test = sets["test"]
    test_all = make_windows(splits["test"], seed=seed + 2, balance=False)
    report = {
        "seed": seed,
        "epochs_run": len(history["loss"]),
        "temperature": round(temperature, 4),
        "pieces": {k: {"bach": sum(p.is_bach for p in v), "other": sum(not p.is_bach for p in v)}
                   for k, v in splits.items()},
        "windows": {k: {"bach": int(s.labels.sum()), "other": int((s.labels == 0).sum())} for k, s in sets.items()},
        "test": evaluate(model, test.windows, test.labels, test.composers),
        # every real window of the test pieces, not subsampled: the figures per composer
        "test_all_windows": evaluate(model, test_all.windows, test_all.labels, test_all.composers),
        "validation": evaluate(model, sets["validation"].windows, sets["validation"].labels,
                               sets["validation"].composers),
        "test_pieces": piece_scores(model, splits["test"]),
        "train_seconds": round(train_seconds, 1),
        "total_seconds": round(time.perf_counter() - began, 1),
        "history": {k: [round(float(x), 4) for x in v] for k, v in history.items()},
    }
    model.card = {k: report[k] for k in ("seed", "epochs_run", "temperature", "pieces", "windows",
                                         "train_seconds", "total_seconds")}
    model.card["test_accuracy"] = report["test"]["accuracy"]
    model.card["test_per_composer"] = report["test_all_windows"]["per_composer"]
    model.card["test_piece_scores"] = report["test_pieces"]["summary"]
    model.card["test_pieces"] = sorted(p.name for p in splits["test"])
    weights = model.save(output if output is not None else default_output())
    weights.with_name(weights.name.replace(".weights.h5", ".md")).write_text(model_card(report), encoding="utf-8")
    report["saved"] = str(weights)
    return model, report


def model_card(report: dict) -> str:
    """The model card (Markdown) for a judge trained by :func:`train_judge`."""
    pieces, windows = report["pieces"], report["windows"]
    lines = [
        "# AI judge: Bach-likeness model",
        "",
        "Scores how Bach-like a composition is, for the AI-judge prize of a Composer Lab event "
        "(`facilitator/ai_judge.ipynb`, `composerlab judge DIR`).",
        "",
        "## What it is",
        "",
        "- Input: 8-bar windows of the piece, every pitched track merged into one binarized piano roll "
        "(16th-note grid, 128 steps, pitches C1-B7, channels: sounding and note starts); drums left out.",
        "- Network: 3 convolution layers, global average and max pooling, one dense layer "
        f"({_count_params(report)} parameters); output calibrated by temperature scaling on the validation "
        f"pieces (T = {report['temperature']}). No randomness at inference.",
        "- Score = 100 x (weight x mean P(Bach) over the windows + (1 - weight) x (1 - KS distance between "
        "the piece's pitch distribution and that of the training chorales)), weight 0.5 by default. "
        "The chorales' pitch distribution ships in `ai_judge.json`.",
        "",
        "## Data",
        "",
        "The music21 corpus that ships inside the music21 package (no download). Positives: Bach chorales. "
        "Negatives: Palestrina, Monteverdi, trecento, Josquin, Mozart, Haydn, Beethoven, Robert and Clara "
        "Schumann, folk-song books (Essen, O'Neill, Aird, Ryan) and single pieces (Handel, Corelli, "
        "C.P.E. Bach, Chopin, Joplin, ...), plus chorale windows spoiled on purpose (random notes added, "
        "clusters, noise, the tune over random chords), 30% of the negatives. Training windows are "
        "transposed by up to 6 semitones and sometimes cut short.",
        "",
        "Split **by piece**, per composer group (70/15/15, seed {}):".format(report["seed"]),
        "",
        "| split | Bach pieces | other pieces | Bach windows | other windows |",
        "|---|---|---|---|---|",
    ]
    for split in ("train", "validation", "test"):
        lines.append(f"| {split} | {pieces[split]['bach']} | {pieces[split]['other']} | "
                     f"{windows[split]['bach']} | {windows[split]['other']} |")
    return "\n".join(lines + _results(report) + _training_and_limits(report))


def _results(report: dict) -> list[str]:
    test, summary = report["test"], report["test_pieces"]["summary"]
    lines = [
        "",
        "## Results on the test pieces",
        "",
        f"- Accuracy on 8-bar windows (Bach vs not, balanced): **{test['accuracy']:.1%}** on {test['windows']} "
        f"windows; log loss {test['log_loss']}, Brier score {test['brier']}, expected calibration error "
        f"{test.get('calibration_error')}.",
        f"- Confusion (rows true not-Bach / Bach, columns predicted): {test['confusion']}",
        f"- Whole held-out pieces, judged as submissions are: Bach chorales average **{summary['bach_mean']}**, "
        f"other pieces **{summary['other_mean']}** (gap {summary.get('gap')}; {summary['bach_pieces']} and "
        f"{summary['other_pieces']} pieces).",
        "",
        "Per composer group, on every window of the test pieces (up to 8 per piece, not subsampled; "
        "\"spoiled\" rows are test chorales spoiled on purpose):",
        "",
        "| composer group | test windows | accuracy | mean P(Bach) |",
        "|---|---|---|---|",
    ]
    return lines + [f"| {c} | {r['windows']} | {r['accuracy']:.1%} | {r['mean_p_bach']:.2f} |"
                    for c, r in report["test_all_windows"]["per_composer"].items()]


def _training_and_limits(report: dict) -> list[str]:
    return [
        "",
        "## Training",
        "",
        f"- {report['epochs_run']} epochs (early stopping on validation loss), Adam 2e-3, batch 64, seed "
        f"{report['seed']}.",
        f"- Time on the development machine (2 shared CPU cores, no GPU): training {report['train_seconds']:.0f} s; "
        f"everything including parsing the corpus {report['total_seconds']:.0f} s (parsing is cached in "
        "`.cache/`, so a second run skips it; the first parse of the 674 corpus files took about 15 minutes "
        "here, sharing the 2 cores with a GAN training).",
        "- Retrain: `composerlab train-judge` (or run `facilitator/train_ai_judge.ipynb` with its default "
        "parameters); either writes `out/models/ai_judge.*` and leaves these files alone. Replace the shipped "
        "judge on purpose with `composerlab train-judge --install` (trains, then copies), or copy a run's "
        "files: `cp out/models/ai_judge.weights.h5 out/models/ai_judge.json out/models/ai_judge.md data/models/`.",
        "",
        "## Limits",
        "",
        "- It knows the chorales: other Bach (fugues, suites) is not in its positives, and music in four-part "
        "chorale style by anyone will score high.",
        "- Windows are 128 steps: in metres with bars longer than 4/4 (e.g. 12/8, 4/2) a window holds fewer "
        "than 8 bars; shorter bars (3/4) are padded with silence.",
        "- The pitch part compares absolute pitch, so the same music an octave up loses pitch points.",
        "",
    ]


def _count_params(report: dict) -> str:
    return f"{build_network().count_params():,}"
