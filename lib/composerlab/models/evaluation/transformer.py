"""How good are the Transformer's continuations: held-out prompts, musical checks, variety across seeds.

:func:`quality_report` continues the first bars of validation tunes (never seen in training) with
several seeds and checks each continuation against its prompt (key, empty bars, range, density,
copying); :func:`variety` measures how much one prompt's continuations differ, what a temperature or
top-p sweep moves; :func:`plot_attention` shows where a head looks. Used by ``bench/bench_transformer.py``
and lab 06.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from composerlab.models.transformer.data import load_tunes, split
from composerlab.models.transformer.generate import continue_notes
from composerlab.models.transformer.tokens import tokenizer
from composerlab.music.key import PITCH_CLASS_NAMES, estimate_key, scale_mask
from composerlab.music.pianoroll import STEPS_PER_BAR, Note, notes_to_roll

FIFTH = 7


def prompts(tunes, prompt_bars: int = 4, count: int = 20, min_bars: int = 8) -> list[tuple[str, list[Note]]]:
    """(name, notes of the first ``prompt_bars`` bars) of ``count`` tunes long enough and with no silent bar.

    The tunes are taken evenly across ``tunes`` (the validation tunes list the
    chorales first, then each folk collection), so the prompts mix every kind
    of melody the model learned. A pickup bar is skipped: the prompt starts at
    the first full bar.
    """
    chosen = []
    for tune in tunes:
        notes = tune.as_notes()
        first = notes[0].start // STEPS_PER_BAR + (1 if notes[0].start % STEPS_PER_BAR else 0)
        if tune.bars - first < min_bars:
            continue
        start, stop = first * STEPS_PER_BAR, (first + prompt_bars) * STEPS_PER_BAR
        part = [Note(n.start - start, n.pitch, min(n.length, stop - n.start)) for n in notes if start <= n.start < stop]
        if len({n.start // STEPS_PER_BAR for n in part}) < prompt_bars:
            continue
        chosen.append((tune.name, part))
    if len(chosen) <= count:
        return chosen
    return [chosen[i] for i in np.linspace(0, len(chosen) - 1, count).round().astype(int)]


def _bars(notes: list[Note], first_bar: int, n_bars: int) -> list[tuple]:
    """Each bar's notes relative to its start, as a hashable tuple."""
    out = [[] for _ in range(n_bars)]
    for n in notes:
        b = n.start // STEPS_PER_BAR - first_bar
        if 0 <= b < n_bars:
            out[b].append((n.start % STEPS_PER_BAR, n.pitch, n.length))
    return [tuple(sorted(b)) for b in out]


def judge(prompt: list[Note], continuation: list[Note], prompt_bars: int, bars: int) -> dict:
    """The checks for one continuation of one prompt."""
    key = estimate_key(notes_to_roll(prompt, prompt_bars * STEPS_PER_BAR) > 0)
    scale = scale_mask(key)
    pitches = np.array([n.pitch for n in continuation])
    low, high = min(n.pitch for n in prompt), max(n.pitch for n in prompt)
    new_bars = _bars(continuation, prompt_bars, bars)
    old_bars = set(_bars(prompt, 0, prompt_bars))
    density = len(continuation) / bars / (len(prompt) / prompt_bars)
    return {
        "in_key": float(scale[pitches % 12].mean()) if len(pitches) else 0.0,
        "empty_bars": sum(1 for b in new_bars if not b),
        "in_range": bool(len(pitches) and pitches.min() >= low - FIFTH and pitches.max() <= high + FIFTH),
        "density_ratio": float(density),
        "copied_bars": sum(1 for b in new_bars if b and b in old_bars) / bars,
        "bars": new_bars,
        "pitches": set(pitches.tolist()),
    }


def variety(rows: list[dict]) -> dict:
    """How different the continuations of one prompt are: distinct pitches and bars over all of them."""
    bars = [b for r in rows for b in r["bars"]]
    return {"distinct_pitches": len(set().union(*(r["pitches"] for r in rows))),
            "distinct_bar_share": len(set(bars)) / max(len(bars), 1),
            "all_different": len({tuple(r["bars"]) for r in rows}) == len(rows)}


def quality_report(tunes, count: int = 20, seeds=(0, 1, 2, 3, 4), prompt_bars: int = 4, bars: int = 8,
                   model: str = "transformer", **sampling) -> dict:
    """Continue held-out prompts and summarise the checks (see the module docstring).

    ``sampling`` goes to :func:`composerlab.models.transformer.generate.continue_notes`
    (temperature, top_k, top_p); the defaults are the model's.
    """
    rows, per_prompt, sources = [], [], {}
    for name, prompt in prompts(tunes, prompt_bars, count):
        sources[name.split("/")[0]] = sources.get(name.split("/")[0], 0) + 1
        mine = []
        for seed in seeds:
            new = continue_notes(prompt, bars, seed=seed, model=model, **sampling)
            mine.append(judge(prompt, new, prompt_bars, bars))
        rows += mine
        per_prompt.append(variety(mine))
    density = np.array([r["density_ratio"] for r in rows])
    return {
        "prompts": len(per_prompt),
        "sources": sources,
        "continuations": len(rows),
        "in_key_notes": float(np.mean([r["in_key"] for r in rows])),
        "in_key_continuations_90": float(np.mean([r["in_key"] >= 0.9 for r in rows])),
        "empty_bar_rate": float(np.mean([r["empty_bars"] for r in rows]) / bars),
        "continuations_with_empty_bar": int(sum(r["empty_bars"] > 0 for r in rows)),
        "in_range": float(np.mean([r["in_range"] for r in rows])),
        "density_ok": float(np.mean((density >= 0.5) & (density <= 2.0))),
        "density_ratio_median": float(np.median(density)),
        "not_copy": float(np.mean([r["copied_bars"] < 0.5 for r in rows])),
        "copied_bar_share": float(np.mean([r["copied_bars"] for r in rows])),
        "seeds_all_different": float(np.mean([v["all_different"] for v in per_prompt])),
        "distinct_pitches": float(np.mean([v["distinct_pitches"] for v in per_prompt])),
        "distinct_bar_share": float(np.mean([v["distinct_bar_share"] for v in per_prompt])),
    }


def held_out_tunes():
    """The validation tunes (split by piece, as in training)."""
    return split(load_tunes(build=False))[1]


def plot_attention(net, notes: list[Note], layer: int = -1, head: int = 0, ax=None):
    """Where one head looks: for each note's pitch token (rows), its attention over the melody's earlier notes.

    Token-by-token attention is hard to read, so each row and column is a
    note: the weight a note's ``Pitch`` token gives to the tokens of each
    earlier note, summed. Returns the matplotlib Axes.
    """
    tok = tokenizer()
    ids = tok.encode(notes)
    weights = net.attention(ids, layer)[head]
    pitch_at = np.flatnonzero(tok.kinds[ids] == "Pitch")
    owner = np.searchsorted(pitch_at, np.arange(len(ids)), side="right") - 1  # position, pitch, duration -> note
    owner[tok.kinds[ids] == "Position"] += 1
    n = len(pitch_at)
    grid = np.zeros((n, n))
    for row, t in enumerate(pitch_at):
        for col in range(n):
            grid[row, col] = weights[t, (owner == col)].sum()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(grid, cmap="magma", origin="upper")
    names = [f"{PITCH_CLASS_NAMES[p % 12]}{p // 12 - 1}" for p in tok.values[ids[pitch_at]]]
    step = max(1, n // 24)
    ax.set_xticks(range(0, n, step), names[::step], rotation=90, fontsize=7)
    ax.set_yticks(range(0, n, step), names[::step], fontsize=7)
    ax.set_xlabel("earlier note (what it looks at)")
    ax.set_ylabel("note being written")
    ax.set_title(f"layer {layer if layer >= 0 else net.config.layers + layer}, head {head}")
    return ax
