"""Testing and installing a trained AI judge: its accuracy and calibration, its scores of whole pieces.

The run that trains, tests and documents a judge is :func:`composerlab.models.cards.judge.train_judge`;
replacing the shipped judge in ``data/models/`` is a separate, explicit step: :func:`install_judge`
(``composerlab train-judge --install``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from composerlab.models.judge.network import MODEL_NAME, JudgeModel
from composerlab.models.judge.scoring import DEFAULT_WEIGHT, judge_rolls
from composerlab.models.runtime import install_run
from composerlab.paths import out_dir


def evaluate(model: JudgeModel, windows, labels, composers) -> dict:
    """Accuracy, confusion matrix (rows: true non-Bach, Bach) and accuracy per composer group."""
    probs = model.probabilities(windows)
    predicted = (probs >= 0.5).astype(int)
    labels = np.asarray(labels).astype(int)
    confusion = [[int(((labels == t) & (predicted == p)).sum()) for p in (0, 1)] for t in (0, 1)]
    per_composer = {}
    for composer in sorted(set(composers)):
        mask = np.asarray(composers) == composer
        per_composer[composer] = {"windows": int(mask.sum()),
                                  "accuracy": round(float((predicted[mask] == labels[mask]).mean()), 4),
                                  "mean_p_bach": round(float(probs[mask].mean()), 4)}
    eps = 1e-7
    log_loss = float(-np.mean(labels * np.log(probs + eps) + (1 - labels) * np.log(1 - probs + eps)))
    return {"accuracy": round(float((predicted == labels).mean()), 4), "windows": int(len(labels)),
            "confusion": confusion, "per_composer": per_composer, "log_loss": round(log_loss, 4),
            "brier": round(float(np.mean((probs - labels) ** 2)), 4),
            "calibration_error": round(calibration_error(probs, labels), 4)}


def calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: how far, on average, P(Bach) is from the share of Bach among windows given it."""
    which = np.minimum((probs * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(probs[mask].mean() - labels[mask].mean())
    return float(error)


JUDGE_SUFFIXES = (".weights.h5", ".json", ".md")
"""The files of one saved judge: weights, calibration and card (machine-readable), card (Markdown)."""


def default_output() -> Path:
    """Where a training run saves the judge unless told otherwise: ``out/models/ai_judge`` (ignored by git)."""
    return out_dir() / "models" / MODEL_NAME


def install_judge(stem: str | Path | None = None) -> list[Path]:
    """Replace the shipped judge in ``data/models/`` with one a training run saved (default: :func:`default_output`).

    The one step that overwrites the shipped model, on purpose only. Returns the files written.

    Raises
    ------
    FileNotFoundError
        When one of the saved judge's files is missing (nothing is copied then).
    """
    stem = Path(stem) if stem is not None else default_output()
    stem = stem.with_name(stem.name.split(".")[0])
    return install_run(stem, JUDGE_SUFFIXES, MODEL_NAME, "judge", "composerlab train-judge")


def piece_scores(model: JudgeModel, pieces, weight: float = DEFAULT_WEIGHT) -> dict:
    """Judge whole held-out pieces: every score, and mean score of Bach vs the rest."""
    verdicts = judge_rolls([(p.name, p.sounding, p.starts, p.bar_steps) for p in pieces], model, weight)
    rows = [{"piece": p.name, "composer": p.composer, "score": v.score} for p, v in zip(pieces, verdicts)]
    bach = [r["score"] for r in rows if r["composer"] == "bach"]
    other = [r["score"] for r in rows if r["composer"] != "bach"]
    summary = {"bach_mean": round(float(np.mean(bach)), 2) if bach else None,
               "other_mean": round(float(np.mean(other)), 2) if other else None,
               "bach_pieces": len(bach), "other_pieces": len(other)}
    if bach and other:
        summary["gap"] = round(summary["bach_mean"] - summary["other_mean"], 2)
    return {"summary": summary, "rows": rows}
