"""Download buttons: one click saves a file the kernel makes (MIDI, WAV, MP3) in the learner's browser.

An ipywidgets button can only answer in the kernel, so a download used to take two
clicks (make a link, then click it). This anywidget (``static/download.js``) asks the
kernel for the file when its button is clicked and hands the bytes to the browser as a
download; a problem ("Nothing generated yet") is said beside the buttons. Introduced in lab 08.
"""
from __future__ import annotations

from typing import Callable

import anywidget
import traitlets

from composerlab.widgets.assets import page_css, page_module

MIME = {"mid": "audio/midi", "wav": "audio/wav", "mp3": "audio/mpeg"}


class Downloads(anywidget.AnyWidget):
    """A row of download buttons, one per kind; ``make(kind) -> (file name, bytes)`` makes the file.

    ``make`` may raise ``ValueError`` (or a subclass) with a message for the learner.
    :attr:`last` holds the last file handed to the browser, as ``(name, bytes)``.
    """

    _esm = page_module("download.js")
    _css = page_css("download.css")

    kinds = traitlets.List(["mid", "wav", "mp3"]).tag(sync=True)
    label = traitlets.Unicode("Download").tag(sync=True)
    enabled = traitlets.Bool(False).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, make: Callable[[str], tuple[str, bytes]], **kwargs):
        super().__init__(**kwargs)
        self._make = make
        self.last: tuple[str, bytes] | None = None
        self.on_msg(lambda _widget, content, _buffers: self.handle(content))

    def handle(self, message: dict) -> None:
        """A click on the page: ``{"type": "download", "kind": "mid"}``."""
        if message.get("type") != "download":
            return
        kind = str(message.get("kind"))
        try:
            if kind not in MIME:
                raise ValueError(f"there is no {kind!r} download; choose one of {', '.join(MIME)}")
            name, data = self._make(kind)
        except ValueError as err:
            self.message = str(err)
            self.send({"type": "refused", "text": str(err)})
            return
        self.last = (name, data)
        self.message = f"Downloaded {name} ({len(data) // 1024 + 1} KB)."
        self.send({"type": "file", "name": name, "mime": MIME[kind], "text": self.message}, buffers=[data])
