"""Small shared pieces of the studio's look and words: class hooks, buttons, cards, counts in plain English.

The CSS classes set here (``cl-...``) are what ``static/studio.css`` styles and what the browser tests find.
"""
from __future__ import annotations

import ipywidgets as widgets
import pypianoroll

from composerlab.music.pianoroll import track_notes


def classed(widget, *names: str):
    """``widget`` with the CSS classes ``names`` added (stable hooks for the style and the browser tests)."""
    for name in names:
        widget.add_class(name)
    return widget


def button(description: str, name: str, kind: str = "cl-secondary", tooltip: str = "") -> widgets.Button:
    """A studio button: ``kind`` is ``cl-primary``, ``cl-secondary`` or ``cl-danger``; the tooltip says what it does."""
    return classed(widgets.Button(description=description, tooltip=tooltip or description,
                                  layout=widgets.Layout(width="auto")), name, kind)


def row(*items) -> widgets.HBox:
    """Controls side by side, wrapping on a narrow screen."""
    return classed(widgets.HBox(list(items)), "cl-row")


def card(number: int, title: str, hint: str, *children) -> widgets.VBox:
    """One numbered step of the studio: a heading with a hint, then its controls."""
    head = widgets.HTML(f'<h3 class="cl-h"><span class="cl-step">{number}</span> {title} <small>{hint}</small></h3>')
    return classed(widgets.VBox([head, *children]), "cl-card", f"cl-card-{title.lower()}")


def no_null_tooltips(widget) -> None:
    """Every control in ``widget`` without a tooltip gets an empty one (ipywidgets shows None as "null")."""
    if hasattr(widget, "tooltip") and widget.tooltip is None:
        widget.tooltip = ""
    for child in getattr(widget, "children", ()):
        no_null_tooltips(child)


def count_notes(music: pypianoroll.Multitrack) -> int:
    """Notes in every track."""
    return sum(len(track_notes(t)) for t in music.tracks)


def plural(n: int, word: str) -> str:
    """``"1 track"``, ``"4 tracks"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def names_list(names: list[str]) -> str:
    """``"Alto"``, ``"Alto and Bass"``, ``"Alto, Tenor and Bass"``."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
