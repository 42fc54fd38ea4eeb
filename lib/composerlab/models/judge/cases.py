"""Made-up pieces to try the judge on: the tricks that fooled a Bach judge before, and a rehearsal folder."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from composerlab.models.judge.data import load_piece
from composerlab.models.judge.network import JudgeModel, load_judge
from composerlab.music.melody import clip_bars, count_bars, melody, transpose
from composerlab.music.midi import write_midi
from composerlab.music.pianoroll import Note, make_multitrack, track_notes
from composerlab.music.samples import SAMPLES, load_sample

FOOLING_KINDS = ("random notes", "clusters", "noise", "plain triads")
"""What :func:`tune_with` puts under a tune: tricks that once fooled a Bach judge, and a plain baseline."""


def tune_with(multitrack, kind: str, rng: np.random.Generator):
    """The tune of a piece (its top line) over random notes, clusters, noise or plain triads.

    The judge AWS DeepComposer Got Talent used gave a melody plus random notes
    96 of 100, more than the melody over plain triads; these pieces check that
    ours is not fooled that way.
    """
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
