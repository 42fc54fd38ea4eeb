"""The AI judge: how Bach-like is each submission, for a whole folder at once.

score = 100 x (weight x P(Bach) + (1 - weight) x pitch similarity), where
P(Bach) is the calibrated classifier's mean over every 8-bar window of the
piece (the best window is reported too) and pitch similarity is 1 minus the
Kolmogorov-Smirnov distance between the piece's pitch distribution and that of
the training chorales. ``weight`` is 0.5 by default, as in the judge that AWS
DeepComposer Got Talent used.

Any file the kit reads is judged: MIDI (any suffix case), MusicXML, ABC; any
length (a short piece is padded to 8 bars, a long one judged window by window);
any time signature; drum tracks left out. A file that cannot be read is listed
with the reason and the run goes on. The same files always get the same scores.

Used by ``facilitator/ai_judge.ipynb`` (ranking a submissions folder),
``facilitator/train_ai_judge.ipynb`` (training) and ``composerlab judge DIR``.
"""
from __future__ import annotations

import base64
import csv
import html
import struct
import sys
import time
import warnings
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from composerlab.errors import MusicFileError
from composerlab.models.judge import (
    LOW_PITCH,
    JudgeModel,
    encode_windows,
    load_judge,
    merged_rolls,
    pitch_histogram,
)

DEFAULT_WEIGHT = 0.5
"""Share of the classifier in the score (the rest is pitch similarity)."""
MAX_WINDOWS = 240
"""Windows judged per piece at most, spread evenly (240 one-bar hops is 30 minutes of 4/4 at 120 bpm)."""
FILES_PER_BATCH = 64
"""Files read before the model is called once on all their windows."""
CSV_COLUMNS = ("rank", "file", "composer", "score", "best_window_score", "classifier", "best_window_classifier",
               "pitch", "windows", "bars", "why", "error")


@dataclass
class Verdict:
    """The judge's result for one file (``error`` set when it could not be judged)."""

    file: str
    composer: str
    score: float | None = None
    best_window_score: float | None = None
    classifier: float | None = None
    best_window_classifier: float | None = None
    pitch: float | None = None
    windows: int = 0
    bars: int = 0
    why: str = ""
    error: str = ""
    rank: int | None = None
    roll_png: bytes | None = None

    @property
    def ok(self) -> bool:
        return not self.error


def composer_alias(file_name: str) -> str:
    """The alias in a name following ``event-alias-composition`` ("" when the name does not follow it).

    >>> composer_alias("summit24-mozzie-first_light.mid")
    'mozzie'
    """
    parts = Path(file_name).stem.split("-")
    return parts[1].strip() if len(parts) >= 3 and parts[1].strip() else ""


def find_submissions(folder: str | Path, exclude: str | Path | None = None) -> list[Path]:
    """Every file under ``folder`` (nested folders too), sorted; hidden files and ``exclude`` left out.

    Every file is returned, not only MIDI: a file that is not music is listed
    in the report with the reason, so a contestant sees why it was not judged.
    """
    folder = Path(folder)
    excluded = Path(exclude).resolve() if exclude is not None else None
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if excluded is not None and (path.resolve() == excluded or excluded in path.resolve().parents):
            continue
        if path.is_file():
            found.append(path)
    return found


def _read(path: Path):
    from composerlab.music import read_music
    from composerlab.pianoroll import steps_per_bar, time_signature_of

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        multitrack = read_music(path)
    try:
        bar_steps = steps_per_bar(time_signature_of(multitrack))
    except ValueError:
        bar_steps = 16  # a time signature off the grid: judge it as 4/4
    sounding, starts = merged_rolls(multitrack)
    if not starts.any():
        raise MusicFileError(path, "has no pitched notes to judge (drum tracks are left out)")
    return sounding, starts, bar_steps


def _explain(probs: np.ndarray, pitch: float, starts: np.ndarray, reference: np.ndarray) -> str:
    """A one-line reason for the score, in words a contestant understands."""
    n, liked = len(probs), int((probs >= 0.5).sum())
    mean = float(probs.mean())
    if mean >= 0.8:
        head = f"reads like a Bach chorale in {liked} of {n} windows"
    elif mean >= 0.4:
        head = f"Bach-like in places ({liked} of {n} windows)"
    else:
        head = f"does not read like a Bach chorale ({liked} of {n} windows)"
    onsets = starts.any(axis=1)
    per_onset = starts.sum() / max(1, onsets.sum())
    if mean < 0.8 and per_onset < 1.5:
        head += "; mostly a single line where chorales move in four voices"
    elif mean < 0.8 and per_onset > 5:
        head += "; very dense chords or clusters"
    histogram = pitch_histogram(starts)
    median = float(np.searchsorted(np.cumsum(histogram) / histogram.sum(), 0.5))
    bach_median = float(np.searchsorted(np.cumsum(reference) / reference.sum(), 0.5))
    if pitch >= 0.8:
        tail = "pitch range close to Bach's"
    elif median > bach_median + 4:
        tail = "notes sit higher than Bach's four voices"
    elif median < bach_median - 4:
        tail = "notes sit lower than Bach's four voices"
    else:
        tail = "pitches spread differently from Bach's"
    return f"{head}; {tail}"


def _verdict(name: str, probs: np.ndarray, sounding, starts, bar_steps, model: JudgeModel,
             weight: float, with_roll: bool) -> Verdict:
    pitch = model.pitch_similarity(pitch_histogram(starts))
    mean, best = float(probs.mean()), float(probs.max())
    played = np.flatnonzero(sounding.any(axis=1))
    return Verdict(
        file=name,
        composer=composer_alias(name),
        # Rounded: the ranking must not hang on the last bits of a float.
        score=round(100 * (weight * mean + (1 - weight) * pitch), 2),
        best_window_score=round(100 * (weight * best + (1 - weight) * pitch), 2),
        classifier=round(mean, 4),
        best_window_classifier=round(best, 4),
        pitch=round(pitch, 4),
        windows=len(probs),
        bars=int(-(-(int(played[-1]) + 1) // bar_steps)) if played.size else 0,
        why=_explain(probs, pitch, starts, model.bach_pitches),
        roll_png=roll_png(sounding, starts, bar_steps) if with_roll else None,
    )


def judge_rolls(items: list[tuple[str, np.ndarray, np.ndarray, int]], model: JudgeModel,
                weight: float = DEFAULT_WEIGHT, with_roll: bool = False) -> list[Verdict]:
    """Judge merged rolls ``(name, sounding, starts, bar_steps)`` with one batched model call."""
    encoded = [encode_windows(s, o, b, hop_bars=1, max_windows=MAX_WINDOWS) for _, s, o, b in items]
    if not encoded:
        return []
    probs = model.probabilities(np.concatenate(encoded))
    bounds = np.cumsum([0] + [len(e) for e in encoded])
    return [_verdict(name, probs[lo:hi], s, o, b, model, weight, with_roll)
            for (name, s, o, b), lo, hi in zip(items, bounds[:-1], bounds[1:])]


def judge_music(multitrack, model: JudgeModel | None = None, weight: float = DEFAULT_WEIGHT,
                name: str | None = None) -> Verdict:
    """Judge one composition already in memory (a Multitrack)."""
    model = model or load_judge()
    sounding, starts = merged_rolls(multitrack)
    if not starts.any():
        raise MusicFileError(name or multitrack.name or "composition", "has no pitched notes to judge")
    from composerlab.pianoroll import steps_per_bar, time_signature_of

    return judge_rolls([(name or multitrack.name or "composition", sounding, starts,
                         steps_per_bar(time_signature_of(multitrack)))], model, weight)[0]


def judge_folder(folder: str | Path, model: JudgeModel | None = None, weight: float = DEFAULT_WEIGHT,
                 exclude: str | Path | None = None, with_roll: bool = True, progress: bool = False) -> list[Verdict]:
    """Judge every file under ``folder``: ranked verdicts first, then the files that could not be judged.

    Parameters
    ----------
    folder : str or Path
        The submissions folder (nested folders are searched too).
    model : JudgeModel, optional
        Default: the shipped judge in data/models.
    weight : float
        Share of the classifier in the score, 0-1.
    exclude : str or Path, optional
        A folder inside ``folder`` to leave out (the report's own output folder).
    with_roll : bool
        Draw a small piano roll per file for the HTML report.

    Raises
    ------
    FileNotFoundError
        When ``folder`` does not exist (the only error that stops a run).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"the submissions folder {folder} does not exist (or is not a folder)")
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be between 0 and 1, not {weight}")
    model = model or load_judge()
    files = find_submissions(folder, exclude)
    judged, failed = [], []
    for begin in range(0, len(files), FILES_PER_BATCH):
        items = []
        for path in files[begin:begin + FILES_PER_BATCH]:
            name = path.relative_to(folder).as_posix()
            try:
                items.append((name, *_read(path)))
            except MusicFileError as err:
                failed.append(Verdict(file=name, composer=composer_alias(name), error=err.reason))
            except Exception as err:  # a reader bug must not stop the ceremony; the file is listed
                failed.append(Verdict(file=name, composer=composer_alias(name),
                                      error=f"could not be read ({type(err).__name__}: {err})"[:300]))
        judged += judge_rolls(items, model, weight, with_roll)
        if progress:
            print(f"\r{min(begin + FILES_PER_BATCH, len(files))}/{len(files)} files", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return rank(judged) + sorted(failed, key=lambda v: v.file)


def rank(verdicts: list[Verdict]) -> list[Verdict]:
    """Sort by score (ties: best window, then file name) and number the ranks 1, 2, 3..."""
    ordered = sorted(verdicts, key=lambda v: (-v.score, -v.best_window_score, v.file))
    for i, verdict in enumerate(ordered, 1):
        verdict.rank = i
    return ordered


def roll_png(sounding: np.ndarray, starts: np.ndarray, bar_steps: int, bars: int = 8) -> bytes:
    """A small PNG of the first ``bars`` bars: pitch up, time right, note starts darker, bar lines grey."""
    steps = min(len(sounding), bars * bar_steps)
    pitches = np.flatnonzero(sounding.any(axis=0))
    low, high = (int(pitches.min()) - 2, int(pitches.max()) + 2) if pitches.size else (LOW_PITCH, LOW_PITCH + 36)
    low, high = max(0, low), min(127, max(high, low + 24))
    on = sounding[:steps, low:high + 1].T[::-1]
    begin = starts[:steps, low:high + 1].T[::-1]
    image = np.full(on.shape + (3,), 255, np.uint8)
    image[:, ::bar_steps] = (225, 225, 225)
    image[on] = (95, 140, 200)
    image[begin] = (25, 60, 120)
    image = image.repeat(2, axis=0).repeat(2, axis=1)
    return _png(image)


def _png(image: np.ndarray) -> bytes:
    """Encode an (h, w, 3) uint8 array as PNG (stdlib only: fast enough for 500 thumbnails)."""
    height, width, _ = image.shape
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def write_report(verdicts: list[Verdict], output_dir: str | Path, top_n: int = 3,
                 weight: float = DEFAULT_WEIGHT, title: str = "AI judge") -> tuple[Path, Path]:
    """Write ``ai_judge_ranking.csv`` and a self-contained ``ai_judge_report.html``; return both paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = output_dir / "ai_judge_ranking.csv", output_dir / "ai_judge_report.html"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for verdict in verdicts:
            row = asdict(verdict)
            writer.writerow({k: "" if row[k] is None else row[k] for k in CSV_COLUMNS})
    html_path.write_text(report_html(verdicts, top_n, weight, title), encoding="utf-8")
    return csv_path, html_path


def report_html(verdicts: list[Verdict], top_n: int = 3, weight: float = DEFAULT_WEIGHT,
                title: str = "AI judge") -> str:
    """The ranking as one HTML page (styles and piano rolls inline, nothing to fetch)."""
    esc = html.escape
    judged = [v for v in verdicts if v.ok]
    failed = [v for v in verdicts if not v.ok]
    rows = []
    for v in judged:
        image = (f'<img alt="piano roll" src="data:image/png;base64,{base64.b64encode(v.roll_png).decode()}">'
                 if v.roll_png else "")
        cls = ' class="top"' if v.rank <= top_n else ""
        rows.append(
            f"<tr{cls}><td>{v.rank}</td><td>{esc(v.file)}</td><td>{esc(v.composer) or '<i>no alias</i>'}</td>"
            f"<td><b>{v.score:.1f}</b><br><small>best window {v.best_window_score:.1f}</small></td>"
            f"<td>{v.classifier:.2f}</td><td>{v.pitch:.2f}</td><td>{image}</td><td>{esc(v.why)}</td></tr>")
    bad = "".join(f"<tr><td>{esc(v.file)}</td><td>{esc(v.error)}</td></tr>" for v in failed)
    podium = "".join(f"<li><b>{esc(v.composer or v.file)}</b> ({esc(v.file)}): {v.score:.1f}</li>"
                     for v in judged[:top_n])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px; vertical-align: middle; }}
tr.top {{ background: #fff6d6; }} th {{ text-align: left; background: #f3f3f3; }} small {{ color: #777; }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{len(judged)} submissions judged, {len(failed)} could not be judged. Score = 100 &times;
({weight:g} &times; classifier + {1 - weight:g} &times; pitch similarity). Classifier: the model's
probability that 8-bar windows are by Bach (mean over the piece); pitch: how close the piece's pitch
distribution is to the chorales' (1 - Kolmogorov-Smirnov distance).</p>
<h2>Top {top_n}</h2><ol>{podium}</ol>
<h2>Ranking</h2>
<table><tr><th>Rank</th><th>File</th><th>Composer</th><th>Score</th><th>Classifier</th><th>Pitch</th>
<th>Piano roll (first 8 bars)</th><th>Why</th></tr>
{''.join(rows)}</table>
<h2>Not judged</h2>
{f'<table><tr><th>File</th><th>Reason</th></tr>{bad}</table>' if failed else '<p>None: every file was judged.</p>'}
</body></html>
"""


FOOLING_KINDS = ("random notes", "clusters", "noise", "plain triads")
"""What :func:`tune_with` puts under a tune: tricks that once fooled a Bach judge, and a plain baseline."""


def tune_with(multitrack, kind: str, rng: np.random.Generator):
    """The tune of a piece (its top line) over random notes, clusters, noise or plain triads.

    The judge AWS DeepComposer Got Talent used gave a melody plus random notes
    96 of 100, more than the melody over plain triads; these pieces check that
    ours is not fooled that way.
    """
    from composerlab.music import melody
    from composerlab.pianoroll import Note, make_multitrack, track_notes

    tune = track_notes(melody(multitrack).tracks[0])
    end = max(n.end for n in tune)
    extra = []
    if kind == "random notes":
        extra = [Note(int(rng.integers(0, end)), int(rng.integers(45, 80)), int(rng.choice([2, 4, 8])))
                 for _ in range(len(tune))]
    elif kind == "clusters":
        for start in range(0, end, 8):
            base = int(rng.integers(48, 66))
            extra += [Note(start, base + k, 8) for k in range(4)]
    elif kind == "noise":
        extra = [Note(int(rng.integers(0, end)), int(rng.integers(30, 96)), 1) for _ in range(4 * len(tune))]
    elif kind == "plain triads":
        for start in range(0, end, 16):
            root = 48 + (0, 5, 7, 0)[(start // 16) % 4]
            extra += [Note(start, root + k, 16) for k in (0, 4, 7)]
    else:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(FOOLING_KINDS)}")
    return make_multitrack([("Melody", 0, tune), ("Added", 0, extra)], name=f"tune + {kind}")


def write_demo_submissions(folder: str | Path, n: int = 12, seed: int = 0, model: JudgeModel | None = None,
                           cut: bool = True) -> list[Path]:
    """Write ``n`` made-up submissions named ``demo-<alias>-<piece>.mid`` (a rehearsal, or a benchmark).

    They cycle through held-out chorales and other held-out corpus pieces named
    in the model card, the sample melodies, and a chorale tune over random
    notes, each repeat transposed, so every file differs. Like submissions made
    in the labs, each is 8 to 32 bars long (longer pieces are cut), unless
    ``cut`` is False.
    """
    from composerlab.judge_data import load_piece
    from composerlab.midi import write_midi
    from composerlab.music import clip_bars, count_bars, transpose
    from composerlab.samples import SAMPLES, load_sample

    model = model or load_judge()
    rng = np.random.default_rng(seed)
    held_out = model.card.get("test_pieces", [])
    bach = [n for n in held_out if n.startswith("bach/")][:5]
    # Tunes from folk-song books are left out: reading one means parsing the whole book.
    other = [n for n in held_out if not n.startswith("bach/") and "#" not in n]
    other = other[:: max(1, len(other) // 5)][:5]
    sources = [(Path(name.split("#")[0]).stem.replace("-", "_"), load_piece(name)) for name in bach + other]
    sources += [(key, load_sample(key)) for key in list(SAMPLES)[:3]]
    if bach:
        sources.append(("tune_and_random_notes", tune_with(sources[0][1], "random notes", rng)))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(n):
        title, music = sources[i % len(sources)]
        shift = (i // len(sources)) % 7 - 3
        if cut:
            music = clip_bars(music, bars=min(count_bars(music), (8, 12, 16, 24, 32)[i % 5]), warn=False)
        written.append(write_midi(transpose(music, shift) if shift else music,
                                  folder / f"demo-player{i + 1:03d}-{title}.mid"))
    return written


# --- training -------------------------------------------------------------------------------------------------


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
        Where to save (stem; default data/models/ai_judge). ``None`` saves the shipped model.
    limit : int, optional
        Files per composer group (a quick run); all of the catalogue when None.

    Returns
    -------
    (JudgeModel, dict)
        The judge and its report: sizes, test accuracy, confusion, per composer, piece scores.
    """
    from composerlab.judge_data import bach_pitch_distribution, load_corpus_pieces, make_windows, split_pieces
    from composerlab.models.judge import train_network

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
    weights = model.save(output)
    weights.with_name(weights.name.replace(".weights.h5", ".md")).write_text(model_card(report), encoding="utf-8")
    return model, report


def model_card(report: dict) -> str:
    """The model card (Markdown) for a judge trained by :func:`train_judge`."""
    test, pieces, windows = report["test"], report["pieces"], report["windows"]
    summary = report["test_pieces"]["summary"]
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
    lines += [
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
    lines += [f"| {c} | {r['windows']} | {r['accuracy']:.1%} | {r['mean_p_bach']:.2f} |"
              for c, r in report["test_all_windows"]["per_composer"].items()]
    lines += [
        "",
        "## Training",
        "",
        f"- {report['epochs_run']} epochs (early stopping on validation loss), Adam 2e-3, batch 64, seed "
        f"{report['seed']}.",
        f"- Time on the development machine (2 shared CPU cores, no GPU): training {report['train_seconds']:.0f} s; "
        f"everything including parsing the corpus {report['total_seconds']:.0f} s (parsing is cached in "
        "`.cache/`, so a second run skips it; the first parse of the 674 corpus files took about 15 minutes "
        "here, sharing the 2 cores with a GAN training).",
        "- Retrain (overwrites these files): `composerlab train-judge` "
        "(or run `facilitator/train_ai_judge.ipynb` with its default parameters).",
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
    return "\n".join(lines)


def _count_params(report: dict) -> str:
    from composerlab.models.judge import build_network

    return f"{build_network().count_params():,}"


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


# --- command line ---------------------------------------------------------------------------------------------


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
    p.add_argument("--output", help="stem to save to (default: data/models/ai_judge)")
    p.add_argument("--limit", type=int, help="files per composer group (a quick run)")
    p.set_defaults(run=_cmd_train)
