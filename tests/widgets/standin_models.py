"""Two small stand-in models, an "edit" and an "extend", registered by tests in the catalog.

They check that the studio shows a model it has never seen with its kind's parameters and passes
them on; the real AR-CNN and Transformer arrive on their own branches. Each is deterministic
given its seed, like the real ones.
"""
from __future__ import annotations

import numpy as np

from composerlab.music.melody import from_notes, tempo_of
from composerlab.music.pianoroll import Note, track_notes

CALLS: list[dict] = []


def extend(music, seed=0, bars=8, temperature=0.9, top_k=0, top_p=0.95):
    """Repeat the melody's last bar ``bars`` times, each note moved by a seeded step of -2..2."""
    CALLS.append({"kind": "extend", "seed": seed, "bars": bars, "temperature": temperature, "top_k": top_k,
                  "top_p": top_p})
    notes = track_notes(music.tracks[0])
    end = max(n.end for n in notes)
    last_bar = [n for n in notes if n.start >= end - 16]
    rng = np.random.default_rng(seed)
    added = [Note(n.start + 16 * (b + 1), int(n.pitch + rng.integers(-2, 3)), n.length)
             for b in range(bars) for n in last_bar]
    return from_notes(notes + added, tempo=tempo_of(music))


def edit(music, seed=0, iterations=100, max_removed=40.0, max_added=100, temperature=1.0):
    """Drop every other note (as many as ``max_removed`` % allows)."""
    CALLS.append({"kind": "edit", "seed": seed, "iterations": iterations, "max_removed": max_removed,
                  "max_added": max_added, "temperature": temperature})
    notes = track_notes(music.tracks[0])
    budget = int(len(notes) * max_removed / 100)
    kept = [n for i, n in enumerate(notes) if not (i % 2 and (budget := budget - 1) >= 0)]
    return from_notes(kept, tempo=tempo_of(music))
