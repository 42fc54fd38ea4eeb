"""How good are the Transformer's continuations: held-out prompts, musical checks, variety across seeds.

:func:`quality_report` continues the first bars of validation tunes (never seen in training) with
several seeds and checks each continuation against its prompt (key, empty bars, range, density,
copying); :func:`variety` measures how much one prompt's continuations differ, what a temperature or
top-p sweep moves; :func:`plot_attention` shows where a head looks. Used by ``bench/bench_transformer.py``
and lab 06.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from composerlab.models.transformer.data import load_tunes, split
from composerlab.models.transformer.generate import continue_notes
from composerlab.models.transformer.ngram import NGramModel, transpositions
from composerlab.models.transformer.tokens import meter_name, tokenizer
from composerlab.models.transformer.training import evaluate_strided
from composerlab.music.key import PITCH_CLASS_NAMES, estimate_key, scale_mask
from composerlab.music.pianoroll import Note, notes_to_roll, steps_per_bar

FIFTH = 7


@dataclass
class Prompt:
    """The opening of a held-out tune: its notes (bar lines every bar of ``meter`` from step 0), how many
    bars they fill (a pickup bar counts), and whether it starts with a pickup."""

    name: str
    notes: list
    meter: tuple
    bars: int
    pickup: bool

    @property
    def bar_steps(self) -> int:
        return steps_per_bar(self.meter)


def opening(tune, prompt_bars: int = 4, min_bars: int = 8) -> Prompt | None:
    """The first ``prompt_bars`` full bars of ``tune`` (a :class:`~composerlab.models.corpora.folk.Tune`), with its
    pickup before them; None when the tune is shorter than ``min_bars`` full bars or a prompt bar is silent."""
    notes = tune.as_notes()
    bar = tune.bar_steps
    first = notes[0].start // bar
    pickup = notes[0].start % bar != 0
    full = first + (1 if pickup else 0)
    if tune.bars - full < min_bars:
        return None
    stop = (full + prompt_bars) * bar
    part = [Note(n.start - first * bar, n.pitch, min(n.length, stop - n.start)) for n in notes if n.start < stop]
    if len({n.start // bar for n in part} - {0 if pickup else -1}) < prompt_bars:
        return None
    return Prompt(tune.name, part, tuple(tune.meter), prompt_bars + (1 if pickup else 0), pickup)


def prompts(tunes, prompt_bars: int = 4, count: int = 20, min_bars: int = 8, meter=None) -> list[Prompt]:
    """The openings (:func:`opening`) of ``count`` tunes long enough and with no silent bar, in ``meter``
    (None: any).

    The tunes are taken evenly across ``tunes`` (the validation tunes list the chorales first, then each
    folk collection), so the prompts mix every kind of melody the model learned.
    """
    chosen = [p for t in tunes if meter is None or tuple(t.meter) == tuple(meter)
              if (p := opening(t, prompt_bars, min_bars)) is not None]
    if len(chosen) <= count:
        return chosen
    return [chosen[i] for i in np.linspace(0, len(chosen) - 1, count).round().astype(int)]


def _bars(notes: list[Note], first_bar: int, n_bars: int, bar: int) -> list[tuple]:
    """Each bar's notes relative to its start, as a hashable tuple."""
    out = [[] for _ in range(n_bars)]
    for n in notes:
        b = n.start // bar - first_bar
        if 0 <= b < n_bars:
            out[b].append((n.start % bar, n.pitch, n.length))
    return [tuple(sorted(b)) for b in out]


def judge(prompt: list[Note], continuation: list[Note], prompt_bars: int, bars: int, meter=(4, 4)) -> dict:
    """The checks for one continuation (``bars`` bars) of one prompt (``prompt_bars`` bars of ``meter``)."""
    bar = steps_per_bar(tuple(meter))
    key = estimate_key(notes_to_roll(prompt, prompt_bars * bar) > 0)
    scale = scale_mask(key)
    pitches = np.array([n.pitch for n in continuation])
    low, high = min(n.pitch for n in prompt), max(n.pitch for n in prompt)
    new_bars = _bars(continuation, prompt_bars, bars, bar)
    old_bars = set(_bars(prompt, 0, prompt_bars, bar))
    prompt_steps = prompt_bars * bar - prompt[0].start // bar * bar - prompt[0].start % bar
    density = (len(continuation) / (bars * bar)) / (len(prompt) / max(prompt_steps, 1))
    return {
        "in_key": float(scale[pitches % 12].mean()) if len(pitches) else 0.0,
        "empty_bars": sum(1 for b in new_bars if not b),
        "in_range": bool(len(pitches) and pitches.min() >= low - FIFTH and pitches.max() <= high + FIFTH),
        "density_ratio": float(density),
        "copied_bars": sum(1 for b in new_bars if b and b in old_bars) / bars,
        "in_bars": all(prompt_bars * bar <= n.start < (prompt_bars + bars) * bar for n in continuation),
        "bars": new_bars,
        "pitches": set(pitches.tolist()),
    }


def variety(rows: list[dict]) -> dict:
    """How different the continuations of one prompt are: distinct pitches and bars over all of them."""
    bars = [b for r in rows for b in r["bars"]]
    return {"distinct_pitches": len(set().union(*(r["pitches"] for r in rows))),
            "distinct_bar_share": len(set(bars)) / max(len(bars), 1),
            "all_different": len({tuple(r["bars"]) for r in rows}) == len(rows)}


def summarise(rows: list[dict], per_prompt: list[dict], bars: int) -> dict:
    """The report's figures over ``rows`` (one :func:`judge` each) and ``per_prompt`` (one :func:`variety` each)."""
    density = np.array([r["density_ratio"] for r in rows])
    return {
        "prompts": len(per_prompt),
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


def quality_report(tunes, count: int = 20, seeds=(0, 1, 2, 3, 4), prompt_bars: int = 4, bars: int = 8,
                   model: str = "transformer", meters=None, **sampling) -> dict:
    """Continue held-out prompts and summarise the checks (see the module docstring).

    ``count`` prompts of each meter in ``meters`` (None: of any meter, ``count`` in all). ``sampling``
    goes to :func:`composerlab.models.transformer.generate.continue_notes` (temperature, top_k, top_p,
    ``ablate``); the defaults are the model's. Returns the summary over all prompts, with
    ``"per_meter"`` (a summary per meter) and ``"sources"`` and ``"pickups"`` (prompt counts).
    """
    chosen = [p for m in meters for p in prompts(tunes, prompt_bars, count, meter=m)] if meters \
        else prompts(tunes, prompt_bars, count)
    rows, per_prompt, sources, by_meter = [], [], {}, {}
    for prompt in chosen:
        sources[prompt.name.split("/")[0]] = sources.get(prompt.name.split("/")[0], 0) + 1
        mine = [judge(prompt.notes, continue_notes(prompt.notes, bars, seed=seed, model=model, meter=prompt.meter,
                                                   **sampling), prompt.bars, bars, prompt.meter) for seed in seeds]
        rows += mine
        per_prompt.append(variety(mine))
        by_meter.setdefault(prompt.meter, ([], []))
        by_meter[prompt.meter][0].extend(mine)
        by_meter[prompt.meter][1].append(per_prompt[-1])
    report = summarise(rows, per_prompt, bars)
    report["per_meter"] = {meter_name(m): {**summarise(r, v, bars), "pickups": sum(
        p.pickup for p in chosen if p.meter == m)} for m, (r, v) in by_meter.items()}
    report["sources"] = sources
    report["pickups"] = sum(p.pickup for p in chosen)
    report["in_bars"] = float(np.mean([r["in_bars"] for r in rows]))
    return report


def held_out_tunes():
    """The validation tunes (split by piece, as in training)."""
    return split(load_tunes(build=False))[1]


def streams_by_meter(stream: np.ndarray) -> dict[str, np.ndarray]:
    """A token stream of whole tunes cut at ``BOS`` and joined again by meter: meter name -> stream."""
    tok = tokenizer()
    out: dict[str, list] = {}
    for tune in np.split(stream, np.flatnonzero(stream == tok.bos)[1:]):
        if len(tune) > 1 and tok.kinds[tune[1]] == "Meter":
            out.setdefault(tok.names[int(tune[1])].removeprefix("Meter_"), []).append(tune)
    return {name: np.concatenate(tunes) for name, tunes in out.items()}


def perplexity_by_meter(net, data, order: int = 7) -> dict[str, dict]:
    """Validation perplexity of the Transformer ``net`` (every token with at least half a context before it)
    and of an ``order``-gram baseline fitted on the same training tunes, meter by meter."""
    ngram = NGramModel(order).fit(transpositions(data.train))
    out = {}
    for name, stream in streams_by_meter(data.validation).items():
        row = {"tunes": int((stream == tokenizer().bos).sum()), "tokens": int(len(stream)),
               "ngram": float(np.exp(ngram.loss(stream)))}
        if len(stream) > net.config.context:
            row["transformer"] = float(np.exp(evaluate_strided(net, stream)))
        out[name] = row
    return out


def plot_attention(net, notes: list[Note], layer: int = -1, head: int = 0, ax=None, meter=(4, 4)):
    """Where one head looks: for each note's pitch token (rows), its attention over the melody's earlier notes.

    Token-by-token attention is hard to read, so each row and column is a
    note: the weight a note's ``Pitch`` token gives to the tokens of each
    earlier note, summed. Returns the matplotlib Axes.
    """
    tok = tokenizer()
    ids = tok.encode(notes, meter)
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
