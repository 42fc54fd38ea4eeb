"""The page side of the anywidget widgets: their ES modules and styles in ``widgets/static/``.

anywidget loads one module and one style sheet per widget from strings, so what the widgets
share is put in front of each one's own file: ``sound.js`` (a small Web Audio synth and note
names) before the module, ``kit.css`` (the kit's colours, buttons and fields) before the styles.
The track colours live here too: light to import, so the studio draws without matplotlib.
"""
from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"

TRACK_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                "#17becf", "#bcbd22", "#7f7f7f"]
"""One colour per track, in track order: the plots, the player, the editor and the studio's roll."""


def track_color(index: int) -> str:
    """The colour of track ``index`` everywhere a track is drawn."""
    return TRACK_COLORS[index % len(TRACK_COLORS)]


def page_module(name: str) -> str:
    """The ES module of widget ``name``: the shared ``sound.js``, then ``static/<name>``."""
    return (STATIC / "sound.js").read_text(encoding="utf-8") + "\n" + (STATIC / name).read_text(encoding="utf-8")


def page_css(name: str) -> str:
    """The style sheet of widget ``name``: the shared ``kit.css``, then ``static/<name>``."""
    return (STATIC / "kit.css").read_text(encoding="utf-8") + "\n" + (STATIC / name).read_text(encoding="utf-8")
