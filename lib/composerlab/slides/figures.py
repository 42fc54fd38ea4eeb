"""The figures a deck asks for with ``::: figure NAME key=value``, drawn by the library.

Each is a function ``(params, context) -> matplotlib Figure`` in :data:`FIGURES`, where
``context`` holds the event's results and placeholder values (:class:`Context`);
the builder turns it into a PNG inlined in the slide. Piano rolls and curves
come from :mod:`composerlab.widgets.plots` and the shipped GAN's training
history (``data/models/bach_gan.history.json``); the diagrams are drawn here.
"""
from __future__ import annotations

import base64
import io
import json
import warnings
from dataclasses import dataclass, field
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import segno
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from composerlab.models.gan.training import TrainingHistory
from composerlab.music.melody import clip_bars
from composerlab.music.metrics import METRIC_NAMES
from composerlab.music.pianoroll import track_notes
from composerlab.music.samples import load_sample
from composerlab.paths import models_dir
from composerlab.widgets.plots import plot_curves, plot_pianoroll, plot_roll_array

SIZE = (8.0, 4.2)
"""Figure size in inches; 8 x 4.2 at 110 dpi fills the figure area of a 16:9 slide."""
DPI = 110


class FigureError(ValueError):
    """A figure directive with an unknown name or a bad parameter."""


@dataclass
class Context:
    """What a figure may draw from besides its parameters: the event's results and placeholder values."""

    results: object = None
    values: dict = field(default_factory=dict)


def _history():
    path = models_dir() / "bach_gan.history.json"
    return TrainingHistory.from_json(json.loads(path.read_text()))


def _sample(name: str, bars: int | None = None):
    """A sample melody, cut to its first ``bars`` (the note that bars were left out is expected here)."""
    music = load_sample(name)
    if bars:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            music = clip_bars(music, bars)
    return music


def _new(size=SIZE):
    fig, ax = plt.subplots(figsize=size, dpi=DPI)
    return fig, ax


def pianoroll(params, context):
    """A sample melody's piano roll (``sample=twinkle``, ``bars=4``)."""
    music = _sample(params.get("sample", "twinkle"), int(params["bars"]) if "bars" in params else None)
    fig, ax = _new()
    plot_pianoroll(music, ax=ax, title=params.get("title"))
    return fig


def roll_grid(params, context):
    """The same melody as the 0/1 grid a network sees: time steps by pitches."""
    music = _sample(params.get("sample", "twinkle"), int(params.get("bars", 2)))
    roll = music.tracks[0].pianoroll > 0
    low, high = 58, 72
    fig, ax = _new()
    plot_roll_array(roll[:, low:high], ax=ax, lowest_pitch=low, title="a piano roll: one row per pitch, "
                    "one column per 16th note")
    ax.set_xticks(np.arange(0, roll.shape[0] + 1, 4))
    ax.grid(True, color="#bbbbbb", linewidth=0.4)
    return fig


def gan_sample(params, context):
    """What the shipped Bach GAN wrote for its first sample melody at ``iteration=N`` of training."""
    history = _history()
    iteration = int(params.get("iteration", max(history.samples)))
    if iteration not in history.samples:
        raise FigureError(f"gan_sample: no sample at iteration {iteration}; there are {sorted(history.samples)}")
    fig, ax = _new()
    plot_pianoroll(history.sample_multitrack(iteration, int(params.get("index", 0))), ax=ax,
                   title=f"Bach GAN, iteration {iteration}: the melody (soprano) and the three voices it wrote")
    return fig


def gan_losses(params, context):
    """The shipped GAN's critic and generator losses over its 6000 training iterations."""
    fig, ax = _new()
    _history().plot_losses(ax=ax)
    ax.set_title("Bach GAN training: losses (smoothed); the critic's settles, the generator's need not reach 0")
    return fig


def gan_metric(params, context):
    """One music metric over training (``metric=in_scale_ratio``): generated against Bach's own value."""
    name = params.get("metric", "in_scale_ratio")
    if name not in METRIC_NAMES:
        raise FigureError(f"gan_metric: unknown metric '{name}'; known: {', '.join(METRIC_NAMES)}")
    history = _history()
    gen = history.metric_curves("validation")
    data = history.metric_curves("data validation")
    fig, ax = _new()
    plot_curves({"generated (validation melodies)": gen[name]}, ax=ax, steps=gen["iteration"], xlabel="iteration",
                title=f"{name.replace('_', ' ')}: the model's music against Bach's")
    ax.axhline(data[name][-1], color="black", linewidth=1, label="Bach's chorales (validation)")
    ax.legend(fontsize="small")
    return fig


def _box(ax, x, y, w, h, text, color):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02", facecolor=color, edgecolor="#333333"))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=9, wrap=True)


def _arrow(ax, start, end, color="#333333"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, linewidth=1.2))


def gan_architecture(params, context):
    """The chorale GAN as built in ``models/gan/network.py``: a U-Net generator over time and a critic."""
    fig, ax = _new((8.0, 4.4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.axis("off")
    # Generator: down the U from 16ths to bars, noise joins at the bottom, back up with skip connections.
    levels = [("16th notes", 4.6), ("8th notes", 3.6), ("beats", 2.6), ("bars", 1.6)]
    for i, (label, y) in enumerate(levels):
        width = 1.5 - 0.15 * i
        _box(ax, 0.3 + 0.25 * i, y, width, 0.6, f"conv\n{label}", "#cfe2f3")
        _box(ax, 4.2 - 0.25 * i - width, y, width, 0.6, f"conv\n{label}", "#d9ead3")
        if i:
            _arrow(ax, (0.9 + 0.25 * (i - 1), levels[i - 1][1]), (0.9 + 0.25 * i, y + 0.6))
            _arrow(ax, (3.6 - 0.25 * i, y + 0.6), (3.6 - 0.25 * (i - 1), levels[i - 1][1]))
        ax.annotate("", xy=(4.2 - 0.25 * i - width, y + 0.3), xytext=(0.3 + 0.25 * i + width, y + 0.3),
                    arrowprops=dict(arrowstyle="-|>", linestyle="--", color="#888888"))
    _box(ax, 1.1, 0.3, 2.0, 0.8, "noise (16 per bar)\n+ melody's key profile", "#fff2cc")
    _arrow(ax, (2.1, 1.1), (2.1, 1.6))
    _box(ax, 0.0, 5.4, 1.9, 0.5, "melody (soprano)", "#f4cccc")
    _box(ax, 2.5, 5.4, 2.2, 0.5, "alto, tenor, bass", "#f4cccc")
    _arrow(ax, (0.95, 5.4), (1.05, 5.2))
    _arrow(ax, (3.45, 5.2), (3.6, 5.4))
    ax.text(2.2, 0.0, "generator: a U-Net over time (dashed: skip connections)", ha="center", fontsize=9)
    # Critic: four strided convolutions, profiles, one score.
    for i in range(4):
        _box(ax, 5.6 + 0.8 * i, 3.3, 0.7, 1.2 - 0.15 * i, f"conv\n{i + 1}", "#ead1dc")
        if i:
            _arrow(ax, (5.6 + 0.8 * i - 0.1, 3.9), (5.6 + 0.8 * i, 3.9))
    _box(ax, 5.6, 1.9, 3.0, 0.7, "pitch-class profiles\n(melody and voices)", "#fff2cc")
    _box(ax, 8.9, 2.6, 1.0, 1.0, "dense:\none score", "#d9d2e9")
    _arrow(ax, (8.6, 3.9), (8.9, 3.3))
    _arrow(ax, (8.6, 2.25), (8.9, 2.9))
    _box(ax, 5.6, 5.0, 4.3, 0.7, "4 voices, 2 bars: real (Bach) or generated", "#f4cccc")
    _arrow(ax, (7.7, 5.0), (7.7, 4.5))
    _arrow(ax, (4.7, 5.65), (5.6, 5.35), color="#cc0000")
    ax.text(7.75, 1.3, "critic: how real do these voices sound?\n(Wasserstein score, no 0/1 verdict)",
            ha="center", fontsize=9)
    fig.tight_layout()
    return fig


def _twinkle_roll(bars: int = 2):
    return _sample("twinkle", bars).tracks[0].pianoroll > 0


def arcnn_steps(params, context):
    """An illustration of AR-CNN editing: one note added or removed per step, each from the notes around it."""
    roll = _twinkle_roll(2).astype(float)
    low, high = 55, 74
    wrong = roll.copy()
    wrong[8:12, 67], wrong[8:12, 68] = 0, 1   # an out-of-key G#4 where the tune has G4
    step1 = wrong.copy()
    step1[8:12, 68] = 0                        # step 1: remove the G#
    step2 = step1.copy()
    step2[8:12, 67] = 1                        # step 2: add the G back
    fig, axes = plt.subplots(1, 3, figsize=(8.0, 3.5), dpi=DPI, sharey=True)
    for ax, roll_, title in zip(axes, (wrong, step1, step2),
                                ("input: one wrong note (G#)", "step 1: remove the G#", "step 2: add a G")):
        plot_roll_array(roll_[:, low:high], ax=ax, lowest_pitch=low, title=title, cmap="Blues")
    for ax in axes[1:]:
        ax.set_ylabel("")
    fig.suptitle("AR-CNN (illustration): edit the piano roll one note at a time, each edit seeing the others",
                 fontsize=10)
    fig.tight_layout()
    return fig


def attention(params, context):
    """An illustration of self-attention: the next note looks back at every earlier note at once."""
    notes = track_notes(_sample("twinkle", 4).tracks[0])[:13]
    names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    fig, ax = _new((8.0, 3.6))
    xs = np.arange(len(notes))
    for x, note in zip(xs, notes):
        _box(ax, x - 0.4, 0, 0.8, 0.7, names[note.pitch % 12], "#cfe2f3")
    _box(ax, len(notes) - 0.4, 0, 0.8, 0.7, "?", "#fff2cc")
    # Illustrative weights: notes of the same pitch as the last one and the phrase start weigh most.
    last = notes[-1].pitch
    weights = np.array([1.0 if n.pitch == last else 0.25 for n in notes])
    weights[0] += 0.5
    weights /= weights.max()
    for x, w in zip(xs, weights):
        ax.annotate("", xy=(x, 0.75), xytext=(len(notes), 0.75),
                    arrowprops=dict(arrowstyle="-|>", color="#cc4125", alpha=float(0.2 + 0.8 * w),
                                    linewidth=0.6 + 2.4 * w, connectionstyle="arc3,rad=0.45",
                                    shrinkA=2, shrinkB=2))
    ax.set_xlim(-0.7, len(notes) + 0.7)
    ax.set_ylim(-0.3, 4.2)
    ax.axis("off")
    ax.set_title("Transformer (illustration): to write the next note it attends to every earlier note at once;\n"
                 "thicker arrows = more attention (here: the same pitch, and the phrase start)", fontsize=10)
    return fig


def podium(params, context):
    """The top three of an event's ``category=human`` or ``ai`` ranking as bars."""
    category = params.get("category", "human")
    fig, ax = _new((8.0, 3.8))
    results = context.results
    entries = results.category(category)[:3] if results else []
    if not entries:
        ax.text(0.5, 0.5, "[filled from the event's results: build with --event DIR]", ha="center",
                va="center", fontsize=14, color="#a61c00", transform=ax.transAxes)
        ax.axis("off")
        return fig
    order = [e for e in (entries[1:2] + entries[0:1] + entries[2:3])]
    heights = [3, 4, 2][: len(order)] if len(order) == 3 else [4, 3][: len(order)]
    colors = {1: "#f1c232", 2: "#b7b7b7", 3: "#b45f06"}
    for x, (entry, h) in enumerate(zip(order, heights)):
        ax.bar(x, h, color=colors.get(entry.rank, "#999999"), width=0.8)
        ax.text(x, h + 0.1, f"{entry.composer}\n{entry.points:g} points", ha="center", va="bottom", fontsize=12)
        ax.text(x, h / 2, str(entry.rank), ha="center", va="center", fontsize=28, color="white", weight="bold")
    ax.set_ylim(0, 6)
    ax.axis("off")
    return fig


def qr(params, context):
    """A QR code of the event's join link (``event.join_url``), for phones in the room."""
    url = context.values.get("event.join_url")
    fig, ax = _new((4.2, 4.2))
    ax.axis("off")
    if not url:
        ax.text(0.5, 0.5, "[QR code of the join link:\nbuild with --event DIR]", ha="center", va="center",
                fontsize=14, color="#a61c00", transform=ax.transAxes)
        return fig
    matrix = np.array(segno.make(url, error="m").matrix, dtype=bool)
    ax.imshow(np.pad(~matrix, 4, constant_values=True), cmap="gray", interpolation="nearest")
    return fig


FIGURES: dict[str, Callable] = {f.__name__: f for f in (
    pianoroll, roll_grid, gan_sample, gan_losses, gan_metric, gan_architecture, arcnn_steps, attention, podium, qr)}
"""Every figure a deck may name, by name."""


def draw(name: str, params: dict, results=None, values: dict | None = None) -> str:
    """The figure ``name`` as a ``data:image/png;base64,...`` URI.

    Raises
    ------
    FigureError
        When ``name`` is not in :data:`FIGURES` or a parameter is wrong.
    """
    if name not in FIGURES:
        raise FigureError(f"unknown figure '{name}'; known: {', '.join(sorted(FIGURES))}")
    fig = FIGURES[name](params, Context(results, values or {}))
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
