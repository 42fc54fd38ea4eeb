"""The AI judge at work: how Bach-like each submission is, for a whole folder at once.

score = 100 x (weight x P(Bach) + (1 - weight) x pitch similarity): the calibrated classifier's mean over
every 8-bar window, and 1 minus the Kolmogorov-Smirnov distance between the piece's pitch distribution
and the training chorales'; ``weight`` 0.5, as in the judge AWS DeepComposer Got Talent used. Any file
the kit reads, any length and meter, is judged; a file that cannot be read is listed with the reason and
the run goes on. Used by ``facilitator/ai_judge.ipynb`` and ``composerlab judge DIR``.
"""
from __future__ import annotations

import struct
import sys
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from composerlab.errors import MusicFileError
from composerlab.models.judge.network import (
    LOW_PITCH,
    JudgeModel,
    encode_windows,
    load_judge,
    merged_rolls,
    pitch_histogram,
)
from composerlab.music.melody import read_music
from composerlab.music.pianoroll import steps_per_bar, time_signature_of

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
