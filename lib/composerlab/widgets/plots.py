"""Piano-roll and training plots for the notebooks (matplotlib).

Introduced in lab 01 (piano rolls); the training labs add loss and metric curves.
"""
from __future__ import annotations

import io
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pypianoroll
from matplotlib.animation import FuncAnimation
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from composerlab.music import metrics
from composerlab.music.pianoroll import steps_per_bar, time_signature_of, track_notes
from composerlab.widgets.assets import TRACK_COLORS, track_color

__all__ = ["TRACK_COLORS", "track_color", "plot_pianoroll", "roll_png", "plot_roll_array", "plot_curves",
           "EDIT_COLORS", "plot_edits", "animate_edits", "plot_edit_sweep"]


def plot_pianoroll(multitrack: pypianoroll.Multitrack, ax=None, title: str | None = None,
                   muted: set[int] | None = None, legend: bool = True, figsize=(10, 3.5)):
    """Draw every track's notes as bars in its own colour, with bar lines.

    Parameters
    ----------
    multitrack : pypianoroll.Multitrack
        The composition.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    title : str, optional
        Defaults to the composition's name.
    muted : set of int, optional
        Tracks drawn faded (as the player shows muted tracks).

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    muted = muted or set()
    pitches, last = [], 0
    handles = []
    for index, track in enumerate(multitrack.tracks):
        notes = track_notes(track)
        color = track_color(index)
        alpha = 0.15 if index in muted else 0.85
        boxes = [[(n.start, n.pitch - 0.4), (n.end, n.pitch - 0.4), (n.end, n.pitch + 0.4),
                  (n.start, n.pitch + 0.4)] for n in notes]
        # One collection per track: drawing thousands of notes stays fast.
        ax.add_collection(PolyCollection(boxes, facecolors=color, alpha=alpha, edgecolors="black",
                                         linewidths=0.3, label=track.name))
        pitches += [n.pitch for n in notes]
        last = max([last] + [n.end for n in notes])
        handles.append(Patch(color=color, alpha=alpha, label=track.name or f"Track {index + 1}"))
    n_steps = max(last, max((t.pianoroll.shape[0] for t in multitrack.tracks), default=0))
    bar = steps_per_bar(time_signature_of(multitrack))
    for x in range(0, n_steps + 1, bar):
        ax.axvline(x, color="grey", linewidth=0.6, alpha=0.6)
    low, high = (min(pitches), max(pitches)) if pitches else (60, 72)
    ax.set_ylim(low - 2, high + 2)
    ax.set_xlim(0, max(n_steps, bar))
    ax.set_xticks(range(0, max(n_steps, bar), bar))
    ax.set_xticklabels([str(i + 1) for i in range(len(range(0, max(n_steps, bar), bar)))])
    ax.set_xlabel("bar")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(title if title is not None else (multitrack.name or "composition"))
    if legend and handles:
        ax.legend(handles=handles, loc="upper right", fontsize="small", framealpha=0.8)
    return ax


def roll_png(multitrack: pypianoroll.Multitrack, muted: set[int] | None = None, figsize=(9, 3),
             dpi: int = 90) -> bytes:
    """The piano roll of :func:`plot_pianoroll` as PNG bytes, for an image widget.

    Drawn on a bare :class:`~matplotlib.figure.Figure` (no pyplot): no figure
    manager to create and close, safe off the main thread, and the same cost in
    a kernel as in a benchmark (pyplot's inline display adds a second draw).
    """
    fig = Figure(figsize=figsize, dpi=dpi, layout="tight")
    plot_pianoroll(multitrack, ax=fig.add_subplot(), title="", muted=muted)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def plot_roll_array(roll: np.ndarray, ax=None, title: str = "", lowest_pitch: int = 0, cmap="Greys"):
    """Show one (steps, pitches) array as an image: what a model actually sees."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    ax.imshow(np.asarray(roll).T, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest",
              extent=(0, roll.shape[0], lowest_pitch - 0.5, lowest_pitch + roll.shape[1] - 0.5))
    ax.set_xlabel("time step (16th notes)")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(title)
    return ax


def plot_curves(history: Mapping[str, Sequence[float]], ax=None, title: str = "", xlabel: str = "step",
                steps: Sequence[float] | None = None):
    """Line plot of named series (losses, metrics) against training steps."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    for name, values in history.items():
        xs = steps if steps is not None else range(len(values))
        ax.plot(list(xs)[: len(values)], values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


EDIT_COLORS = {"kept": TRACK_COLORS[0], "removed": TRACK_COLORS[1], "added": TRACK_COLORS[2]}
"""Colours of an edit (the AR-CNN's): kept notes blue, removed red, added green, as its tracks play."""


def plot_edits(result, ax=None, title: str | None = None, figsize=(10, 3.5)):
    """The piano roll of an AR-CNN edit: kept notes blue, removed ones faded red, added ones green.

    ``result`` is a :class:`composerlab.models.arcnn.generate.EditResult`. Introduced in lab 05.
    """
    summary = result.summary()
    title = title if title is not None else (
        f"{result.name}: {summary['added_cells']} cells added, {summary['removed_cells']} removed "
        f"({summary['toggles']} steps)")
    return plot_pianoroll(result.as_tracks(), ax=ax, title=title, muted={1}, figsize=figsize)


def animate_edits(result, every: int = 1, interval: int = 120, figsize=(9, 3.5)):
    """A matplotlib animation of an edit, one frame per ``every`` toggles.

    Kept cells are blue, added green, removed light red; the cell toggled last
    is ringed. Show it with ``IPython.display.HTML(anim.to_jshtml())``.
    Introduced in lab 05.
    """
    start = result.input_roll
    frames = list(result.rolls())
    shown_frames = list(range(0, len(frames), max(1, every)))
    if shown_frames[-1] != len(frames) - 1:
        shown_frames.append(len(frames) - 1)
    ever = np.logical_or.reduce(frames)
    pitches = np.flatnonzero(ever.any(axis=0))
    low, high = int(pitches.min()) - 2, int(pitches.max()) + 3
    colors = {k: np.array(to_rgb(v)) for k, v in EDIT_COLORS.items()}

    def image(roll):
        rgb = np.ones(roll.shape + (3,))
        rgb[roll & start] = colors["kept"]
        rgb[roll & ~start] = colors["added"]
        rgb[~roll & start] = 0.55 + 0.45 * colors["removed"]
        return np.transpose(rgb[:, low:high], (1, 0, 2))

    fig, ax = plt.subplots(figsize=figsize)
    shown = ax.imshow(image(frames[0]), origin="lower", aspect="auto", interpolation="nearest",
                      extent=(0, start.shape[0], low - 0.5, high - 0.5))
    marker, = ax.plot([], [], "o", mfc="none", mec="black", ms=9)
    for x in range(0, start.shape[0] + 1, 16):
        ax.axvline(x, color="grey", lw=0.5, alpha=0.5)
    ax.set_xlabel("step (16th notes)")
    ax.set_ylabel("MIDI pitch")
    ax.legend(handles=[Patch(color=EDIT_COLORS[k], label=k) for k in ("kept", "added", "removed")],
              loc="upper right", fontsize="small")
    title = ax.set_title("")

    def update(i):
        k = shown_frames[i]
        shown.set_data(image(frames[k]))
        if k:
            _, step, pitch, action, _ = result.steps[k - 1]
            marker.set_data([step + 0.5], [pitch])
            title.set_text(f"iteration {k}: {action} pitch {pitch} at step {step}")
        else:
            marker.set_data([], [])
            title.set_text("the input")
        return shown, marker, title

    update(0)
    anim = FuncAnimation(fig, update, frames=len(shown_frames), interval=interval, blit=False)
    plt.close(fig)
    return anim


def plot_edit_sweep(results: Mapping, parameter: str, figsize_per_panel=(5, 3)):
    """One :func:`plot_edits` panel per value of a parameter sweep (``{value: EditResult}``).

    Each title gives the cells added and removed and the share of added notes
    in the input's key. Introduced in lab 05.
    """
    fig, axes = plt.subplots(1, len(results), squeeze=False,
                             figsize=(figsize_per_panel[0] * len(results), figsize_per_panel[1]))
    for ax, (value, result) in zip(axes[0], results.items()):
        s = result.summary()
        key = metrics.estimate_key(result.input_roll)
        in_key = metrics.in_scale_ratio(result.added_cells, key) if result.added_cells.any() else float("nan")
        plot_edits(result, ax=ax, title=f"{parameter}={value}: +{s['added_cells']} -{s['removed_cells']}, "
                                         f"{in_key:.0%} added in key")
    fig.tight_layout()
    return fig
