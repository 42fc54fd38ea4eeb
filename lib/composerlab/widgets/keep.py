"""The studio's fourth card, Keep: save to the library, reopen, rename, delete, download, submit.

:class:`KeepCard` is mixed into :class:`~composerlab.widgets.studio.Studio`; it uses the studio's
``output``, ``made_from``, ``heard_output()``, ``input_music()``, ``set_input()``, ``chain``, ``messages``
and ``_new_output()``. Everything it keeps is the output as the learner hears it.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from composerlab.models.library import LibraryError, music_from_dict
from composerlab.music.midi import midi_bytes
from composerlab.sound.audio import mp3_bytes, render, wav_bytes
from composerlab.widgets.download import Downloads
from composerlab.widgets.looks import button, card, classed, plural, row
from composerlab.widgets.submit import SubmitError, submit


class TitleTaken(LibraryError):
    """A save under a title the library already has; the studio offers to replace it or keep both."""


class KeepCard:
    """The Keep card's controls and actions (a part of :class:`~composerlab.widgets.studio.Studio`)."""

    def _build_keep(self, server: str) -> None:
        self._pending_delete: str | None = None
        self._pending_title: str | None = None
        self.title_text = classed(widgets.Text(placeholder="a title for it", description="Title",
                                               tooltip="the title it gets in your library and its files' names",
                                               layout=widgets.Layout(width="300px")), "cl-title")
        self.save_button = button("Save to library", "cl-save", "cl-primary")
        self.replace_button = button("Replace it", "cl-replace", "cl-danger")
        self.keep_both_button = button("Keep both", "cl-keep-both")
        self.replace_box = classed(widgets.HBox([self.replace_button, self.keep_both_button]), "cl-ask")
        self.library_menu = classed(widgets.Dropdown(description="Library", tooltip="your saved compositions",
                                                     layout=widgets.Layout(width="420px")), "cl-library")
        self.open_button = button("Open", "cl-open", tooltip="its input, chain, seed and music")
        self.rename_text = classed(widgets.Text(placeholder="new title", description="New title",
                                                tooltip="the chosen composition's new title",
                                                layout=widgets.Layout(width="240px")), "cl-rename-text")
        self.rename_button = button("Rename", "cl-rename")
        self.delete_button = button("Delete", "cl-delete", "cl-danger", "remove it from the library (asks first)")
        self.confirm_delete_button = button("Yes, delete it", "cl-confirm-delete", "cl-danger")
        self.cancel_delete_button = button("Keep it", "cl-cancel-delete")
        self.delete_question = classed(widgets.HTML(), "cl-question")
        self.delete_box = classed(widgets.HBox([self.delete_question, self.confirm_delete_button,
                                                self.cancel_delete_button]), "cl-ask")
        self.downloads = Downloads(self.export, label="Download what you hear:")
        self.server_text = classed(widgets.Text(value=server, description="Server",
                                                tooltip="the event server's address: ask your facilitator",
                                                layout=widgets.Layout(width="330px")), "cl-server")
        self.alias_text = classed(widgets.Text(placeholder="your alias", description="Alias",
                                               tooltip="the name the event knows you by",
                                               layout=widgets.Layout(width="240px")), "cl-alias")
        self.entry_title_text = classed(widgets.Text(placeholder="entry title", description="Entry",
                                                     tooltip="your entry's title at the event",
                                                     layout=widgets.Layout(width="300px")), "cl-entry-title")
        self.submit_button = button("Submit to the event", "cl-submit", "cl-primary")
        self.receipt = classed(widgets.HTML(), "cl-receipt")
        for box in (self.replace_box, self.delete_box):
            box.layout.display = "none"

    def _connect_keep(self, act) -> None:
        self.save_button.on_click(lambda _: act("keep", self._save_clicked))
        self.replace_button.on_click(lambda _: act("keep", self.save, self._pending_title or "", True))
        self.keep_both_button.on_click(lambda _: act("keep", self.save, self._pending_title or "", False))
        self.open_button.on_click(lambda _: act("library", self.open, self.library_menu.value))
        self.rename_button.on_click(lambda _: act("library", self.rename, self.library_menu.value,
                                                  self.rename_text.value))
        self.delete_button.on_click(lambda _: act("library", self.ask_delete, self.library_menu.value))
        self.confirm_delete_button.on_click(lambda _: act("library", self.delete, self._pending_delete))
        self.cancel_delete_button.on_click(lambda _: act("library", self._keep))
        self.submit_button.on_click(lambda _: act("submit", self.submit, self.server_text.value, self.alias_text.value,
                                                  self.entry_title_text.value))

    def _keep_card(self) -> widgets.VBox:
        return card(4, "Keep", "save it, download it, submit it to the event",
                    row(self.title_text, self.save_button), self.messages["keep"], self.replace_box,
                    row(self.library_menu, self.open_button), row(self.rename_text, self.rename_button,
                                                                  self.delete_button),
                    self.delete_box, self.messages["library"], self.downloads,
                    row(self.server_text, self.alias_text, self.entry_title_text),
                    row(self.submit_button, self.messages["submit"]), self.receipt)

    # ----- library
    def refresh_library(self, select: str | None = None) -> None:
        entries = self.library.list()
        self.library_menu.options = [(f"{e.title} | {e.chain_text} | {e.created[:16].replace('T', ' ')}", e.id)
                                     for e in entries]
        self.library_menu.value = select if select in [e.id for e in entries] else (entries[0].id if entries else None)

    def _save_clicked(self) -> str:
        try:
            return self.save(self.title_text.value)
        except TitleTaken:
            self._pending_title = self.title_text.value
            self.replace_box.layout.display = "flex"
            raise

    def save(self, title: str, replace: bool | None = None) -> str:
        """Save what you hear (or the input, if nothing was generated) with how it was made.

        A title the library already has is refused (:class:`TitleTaken`) unless ``replace`` says
        what to do: True replaces the earlier composition(s) of that title, False keeps both.
        """
        title = title.strip()
        same = [e for e in self.library.list() if e.title.strip().lower() == title.lower()] if title else []
        if same and replace is None:
            raise TitleTaken(f"Your library already has '{same[0].title}' (saved "
                             f"{same[0].created[:16].replace('T', ' ')}): replace it, or keep both?")
        if self.output is not None and self.made_from is not None:
            music, steps, seed, source = self.made_from
            entry = self.library.save(self.heard_output(), title, music, steps, seed, source)
        else:
            entry = self.library.save(self.input_music(), title, source=self.source)
        if replace:
            for old in same:
                self.library.delete(old.id)
        self._keep()
        self.refresh_library(entry.id)
        verb = "Replaced" if replace and same else "Saved"
        return f"{verb} '{entry.title}' in the library ({plural(entry.notes, 'note')}, {entry.chain_text})."

    def open(self, cid: str | None) -> str:
        """Reopen a composition: its input, its chain and seed, and the saved music as output."""
        if not cid:
            raise LibraryError("The library is empty: save a composition first.")
        entry = self.library.get(cid)
        self.set_input(music_from_dict(entry.input), f"library:{cid}")
        self.chain.set_steps(entry.chain)
        self.chain.seed.value = entry.seed
        self.title_text.value = entry.title
        self._new_output(self.library.load(cid), (music_from_dict(entry.input), entry.chain, entry.seed, entry.source))
        return f"Opened '{entry.title}' ({entry.chain_text}, seed {entry.seed})."

    def rename(self, cid: str | None, title: str) -> str:
        if not cid:
            raise LibraryError("Choose a composition to rename.")
        entry = self.library.rename(cid, title)
        self.refresh_library(cid)
        return f"Renamed to '{entry.title}'."

    def ask_delete(self, cid: str | None) -> str:
        """The Delete button: ask, beside it, before anything is removed."""
        if not cid:
            raise LibraryError("Choose a composition to delete.")
        self._pending_delete = cid
        question = f"Delete '{self.library.get(cid).title}' from your library? It cannot be undone."
        self.delete_question.value = f"<b>{html.escape(question)}</b>"
        self.delete_box.layout.display = "flex"
        self.messages["library"].value = ""
        return ""

    def _keep(self) -> str:
        """Nothing asked is pending any more (Keep it; or a new save or output)."""
        self._pending_delete = self._pending_title = None
        self.delete_box.layout.display = self.replace_box.layout.display = "none"
        return ""

    def delete(self, cid: str | None) -> str:
        """Remove composition ``cid`` from the library (the button asks first: :meth:`ask_delete`)."""
        if not cid:
            raise LibraryError("Choose a composition to delete.")
        title = self.library.get(cid).title
        self.library.delete(cid)
        self._keep()
        self.refresh_library()
        return f"Deleted '{title}' from the library."

    # ----- out of the studio
    def export(self, kind: str) -> tuple[str, bytes]:
        """What you hear as a ``mid``, ``wav`` or ``mp3`` file: ``(file name, bytes)``."""
        music = self.heard_output()
        if kind == "mid":
            data = midi_bytes(music)
        elif kind in ("wav", "mp3"):
            samples, rate = render(music)
            data = wav_bytes(samples, rate) if kind == "wav" else mp3_bytes(samples, rate)
        else:
            raise ValueError(f"there is no {kind!r} download; choose mid, wav or mp3")
        name = f"{(self.title_text.value or music.name or 'composition').strip().replace(' ', '_')}.{kind}"
        return "".join(c for c in name if c.isalnum() or c in "._-+"), data

    def submit(self, server: str, alias: str, title: str) -> str:
        """Send what you hear (or the input) to the event; show the receipt or the server's reason."""
        music = self.heard_output() if self.output is not None else self.input_music()
        try:
            receipt = submit(server, alias, title, midi_bytes(music), f"{title or 'entry'}.mid")
        except SubmitError as err:
            self.receipt.value = f'<span class="cl-refused">Not submitted: {html.escape(str(err))}</span>'
            raise
        eligible = "eligible" if receipt.get("eligible", True) else "not eligible for a prize"
        self.receipt.value = (f'<span class="cl-accepted">Received: entry #{html.escape(str(receipt["id"]))}, '
                              f'stored as {html.escape(str(receipt.get("stored_as", "?")))} ({eligible})</span>')
        return f"Submitted '{title}' as {alias}: receipt #{receipt['id']}."
