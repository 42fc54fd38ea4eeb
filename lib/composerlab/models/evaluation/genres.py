"""A genre model's figures against its own corpus: its held-out pieces' melodies accompanied and measured.

:func:`genre_report` accompanies the melody of every held-out piece of a genre's corpus as ``compose``
does and takes the same metrics of the composers' parts and of the model's; :func:`reference` and
:func:`corpus_figures` give the corpus's own. Measuring a shipped model needs only its held-out pieces
parsed (:func:`composerlab.models.corpora.genres.measured_pieces`); the corpus's own figures then come
from the shipped json. Used by ``bench/bench_genres.py``, the genre runs and their cards.
"""
from __future__ import annotations

import os
import time
import warnings

import numpy as np

from composerlab.models.corpora.genres import (
    genre_split,
    is_cached,
    measured_pieces,
    read_genre,
    shipped_info,
    training_pieces,
)
from composerlab.models.corpora.pieces import FolderMusic, Piece
from composerlab.models.gan.custom import build_dataset
from composerlab.models.gan.generate import accompany, bar_roll, default_decoding, load_model, voicing_weights
from composerlab.music.harmony import HARMONY_NAMES, evaluate_harmony
from composerlab.music.metrics import METRIC_NAMES, evaluate, means
from composerlab.music.pianoroll import DEFAULT_VELOCITY, steps_per_bar

EVAL_STEPS = 2048
"""A held-out piece is measured on its first 2048 steps at most (128 bars of 4/4)."""
SPLITS = ("held out", "train", "training")
"""Which pieces :func:`genre_report` measures: the held-out ones, a sample of training ones, every training one."""


def held_out_pieces(name: str, progress: bool = False) -> list[Piece]:
    """The held-out pieces of a genre: the split of its cached corpus, else only the pieces its shipped model
    was measured on (:func:`~composerlab.models.corpora.genres.measured_pieces`)."""
    if is_cached(name):
        return build_dataset(read_genre(name, progress=False), **genre_split(name)).validation_chorales
    return measured_pieces(name, progress)


def genre_report(name: str, model: str | None = None, found: FolderMusic | None = None, seed: int = 0,
                 limit: int | None = None, decoding: str | None = None, voicing: dict | None = None,
                 split: str = "held out") -> dict:
    """A genre model's metrics against its own corpus's, on the held-out pieces' melodies.

    Each held-out piece (the split of :func:`composerlab.models.gan.custom.build_dataset`) is cut to at
    most :data:`EVAL_STEPS` steps; its melody is accompanied as
    :func:`composerlab.models.gan.generate.compose` does (``model``: the shipped one by default, or a
    run's weights; ``decoding`` and ``voicing`` as ``compose`` takes them, by default the model's own),
    and the same metrics are taken of the composer's parts and of the model's. ``found``: the corpus as
    read (a run's); by default the held-out pieces alone. ``split="train"``: a sample of training pieces
    instead (:func:`~composerlab.models.corpora.genres.training_pieces`); ``"training"``: every training
    piece (the corpus is read), where a decoding weight is chosen.

    Returns
    -------
    dict
        ``pieces`` (names), ``data`` and ``generated`` (mean of each metric), ``ratio`` (generated / data;
        1 where both are 0, as Palestrina's parallels: the same none) and ``reference`` (the whole
        corpus's harmony figures, :func:`reference`, or the shipped json's where only the held-out pieces
        are read); ``corpus`` (every metric's mean over the whole corpus, :func:`corpus_figures`) and
        ``ratio_corpus`` (generated / corpus), where the corpus was read or the shipped json has them;
        ``measured`` (when, how long, the load, the decoding).
    """
    started, load_before = time.perf_counter(), os.getloadavg()
    gan = load_model(model or name)
    decoding = decoding or default_decoding(model or name, gan)
    if split not in SPLITS:
        raise ValueError(f"split is 'held out', 'train' or 'training', not {split!r}")
    held, found = _pieces(name, found, split)
    held = held[:limit]
    data, generated = _accompanied(held, gan, model or name, seed, decoding, voicing)
    if found is not None:
        ref, corpus = reference(found), corpus_figures(found)
    else:  # the corpus is not read: its figures as the shipped model's json keeps them
        shipped = shipped_info(name)["report"]
        ref, corpus = shipped["reference"], shipped.get("corpus")
    data_means, generated_means = means(data), means(generated)
    report = {"pieces": [p.name for p in held], "data": data_means, "generated": generated_means,
              "ratio": ratios(generated_means, data_means), "reference": ref,
              "measured": _how_measured(started, load_before, seed, decoding, split, gan, voicing)}
    if corpus:
        report["corpus"] = corpus
        report["ratio_corpus"] = ratios(generated_means, corpus)
    return report


def _pieces(name: str, found: FolderMusic | None, split: str) -> tuple[list[Piece], FolderMusic | None]:
    """The pieces :func:`genre_report` measures, and the corpus as read (None where it is not)."""
    if split == "train":
        return training_pieces(name), found
    if found is None and (split == "training" or is_cached(name)):
        found = read_genre(name, progress=False)
    if found is None:  # only the held-out pieces are read
        return measured_pieces(name), None
    dataset = build_dataset(found, **genre_split(name))
    if split == "held out":
        return dataset.validation_chorales, found
    training = set(dataset.train_names)
    return [p for p in found.pieces if p.name in training], found


def _accompanied(pieces: list[Piece], gan, model: str, seed: int, decoding: str, voicing: dict | None):
    """(the composers' figures, the model's) for each piece with a melody: its first steps, its melody
    accompanied on the piece's own timeline."""
    data, generated = [], []
    for piece in pieces:
        real = _first_steps(piece)
        if not real[0].any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a melody note outside the model's range is said once per run
            melody = bar_roll(real[0].astype(np.uint8) * DEFAULT_VELOCITY, piece.meter, name=piece.name)
            composition = accompany(melody, gan, model, piece.meter, seed, decoding=decoding, voicing=voicing)
        fake = np.zeros_like(real)
        fake[:, : composition.shape[1]] = composition
        data.append(measure(real, piece.meter))
        generated.append(measure(fake, piece.meter))
    return data, generated


def _how_measured(started: float, load_before, seed: int, decoding: str, split: str, gan, voicing) -> dict:
    """When and how the figures were taken: a 2-core machine shared with others, so its load beside the time."""
    measured = {"date": time.strftime("%Y-%m-%d"), "seconds": time.perf_counter() - started, "seed": seed,
                "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
                "decoding": decoding, **({"split": split} if split != "held out" else {})}
    if decoding == "chords":
        own = {**getattr(gan, "info", {}).get("voicing", {}), **(voicing or {})}
        measured["voicing"] = {k: v for k, v in vars(voicing_weights(gan, voicing)).items() if k in own}
    return measured


def ratios(generated: dict, reference: dict) -> dict:
    """Model / reference for each metric (:func:`ratio`, with :data:`NONE_BELOW`)."""
    return {k: ratio(generated[k], reference[k], NONE_BELOW.get(k, 0.0)) for k in generated}


def reference(found: FolderMusic) -> dict:
    """The corpus's own harmony figures, one value per whole piece: mean, 10th and 90th percentile.

    What :data:`composerlab.music.harmony.CHORALE_REFERENCE` is for the chorales, for this genre.
    """
    rows = [evaluate_harmony(p.roll, p.meter) for p in found.pieces]
    out = {}
    for key in HARMONY_NAMES:
        values = np.array([r[key] for r in rows], dtype=float)
        values = values[~np.isnan(values)]
        out[key] = {"mean": float(values.mean()), "p10": float(np.percentile(values, 10)),
                    "p90": float(np.percentile(values, 90))}
    return out


def _first_steps(piece: Piece) -> np.ndarray:
    """A piece's first :data:`EVAL_STEPS` steps at most, in whole bars: what the figures measure of it."""
    bar = steps_per_bar(piece.meter)
    return piece.roll[:, :min(piece.roll.shape[1], EVAL_STEPS // bar * bar)]


def corpus_figures(found: FolderMusic) -> dict:
    """Each metric's mean over every piece of the corpus (its first :data:`EVAL_STEPS` steps, as for the
    held-out pieces): the corpus's own figures, of which the few held-out pieces' are a sample, and a figure
    that varies much from piece to piece (parallels) can differ from the corpus's by much."""
    return means([measure(_first_steps(p), p.meter) for p in found.pieces if p.roll[0].any()])


def measure(composition: np.ndarray, meter) -> dict:
    """Every metric of one (4, steps, 128) composition, the harmony measures counted on its own meter's beats."""
    return {**evaluate(composition), **evaluate_harmony(composition, tuple(meter))}


NONE_BELOW = {"parallels_per_bar": 0.001}
"""A rate this small counts as none: one parallel in a thousand bars. Palestrina's masses have fewer over the
whole corpus and none in the held-out pieces; a model that writes none matches them, as a model writing none
matches a corpus with exactly none (:func:`ratio`)."""


def ratio(generated: float, data: float, none_below: float = 0.0) -> float:
    """Model / corpus; 1 where both are none (0, or below ``none_below``: :data:`NONE_BELOW`), NaN where only the
    corpus is."""
    if data <= none_below and generated <= none_below:
        return 1.0
    if data:
        return generated / data
    return float("nan")


def figures_text(report: dict, split: str = "held out") -> str:
    """A report's figures as a plain-text table (the terminal's, as the card's is markdown): each metric of the
    ``split`` pieces, the model's, the ratio and whether it is within 25%, then the whole corpus's where known."""
    corpus = report.get("corpus")
    lines = [f"{'metric':<22}{'pieces':>8}{'model':>8}{'ratio':>8}  within"
             + (f"{'corpus':>10}{'ratio':>8}  within" if corpus else "")]
    for metric, share in report["ratio"].items():
        line = (f"{metric:<22}{report['data'][metric]:>8.3f}{report['generated'][metric]:>8.3f}{share:>8.2f}  "
                f"{'yes' if within(share) else 'NO ':<6}")
        if corpus:
            whole = report["ratio_corpus"][metric]
            line += f"{corpus[metric]:>10.3f}{whole:>8.2f}  {'yes' if within(whole) else 'NO'}"
        lines.append(line)
    count = len(report["ratio"])
    lines.append(f"{sum(within(r) for r in report['ratio'].values())} of {count} metrics within 25% of the {split} "
                 "pieces' own" + (f"; {sum(within(r) for r in report['ratio_corpus'].values())} of {count} within 25% "
                                  "of the whole corpus's" if corpus else ""))
    return "\n".join(lines)


def within(value: float, tolerance: float = 0.25) -> bool:
    """Whether a model/corpus ratio is within ``tolerance`` (25%) of 1."""
    return bool(np.isfinite(value) and abs(value - 1.0) <= tolerance)


