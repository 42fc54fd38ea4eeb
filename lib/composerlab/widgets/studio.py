"""The Music Studio: input, a chain of models, listen, keep and submit, on one page.

Everything a learner did in the AWS DeepComposer console, in one notebook cell (lab 08)
or one web page (``composerlab studio``), laid out as four cards, top to bottom:

1. **Input**: a sample melody, an uploaded MIDI file, or the keyboard; the editor shows
   and changes the current input (its other tracks, if any, drawn faint: they go along).
2. **Models**: a chain (:mod:`composerlab.widgets.chain`), each with its parameters, and
   one seed; **Generate** runs it on the input.
3. **Listen**: input or output in one playable roll (:mod:`composerlab.widgets.roll`):
   a playhead that follows the sound, a mute box and an instrument per track.
   **Use output as input** starts the next round of the chain from what you hear.
4. **Keep**: save to the library (:mod:`composerlab.models.library`), reopen, rename,
   delete (it asks first); download MIDI, WAV or MP3 in one click; submit to the event.

Save, download and submit all take the output exactly as the learner hears it: the
instruments chosen and without the muted tracks (:meth:`Studio.heard_output`). Each
action answers beside its own button; a failure (a file that is not MIDI, an empty
recording, an event server that is down or refuses the file) is said there in words and
changes nothing already saved. A new output clears the old output's messages.
"""
from __future__ import annotations

import html
import threading
import time

import ipywidgets as widgets
import pypianoroll
from IPython.display import display

from composerlab.errors import MusicFileError, ParameterError, UnknownModelError
from composerlab.models import one_blas_thread
from composerlab.models.catalog import MODELS
from composerlab.models.library import Library, LibraryError, music_from_dict, run_steps
from composerlab.music.midi import midi_bytes, read_midi_bytes
from composerlab.music.pianoroll import track_notes
from composerlab.music.samples import SAMPLES, load_sample
from composerlab.sound.audio import mp3_bytes, render, wav_bytes
from composerlab.widgets.assets import STATIC
from composerlab.widgets.chain import ChainEditor
from composerlab.widgets.download import Downloads
from composerlab.widgets.editor import Editor
from composerlab.widgets.keyboard import Keyboard
from composerlab.widgets.roll import RollPlayer
from composerlab.widgets.submit import SubmitError, submit

SECTIONS = ("input", "models", "listen", "keep", "submit")
"""Where the studio answers: one message line beside each group of buttons."""
PLAIN = (MusicFileError, LibraryError, SubmitError, UnknownModelError, ParameterError, ValueError)
"""Errors whose message is for the learner as it is."""


class TitleTaken(LibraryError):
    """A save under a title the library already has; the studio offers to replace it or keep both."""


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


def _no_null_tooltips(widget) -> None:
    """Every control in ``widget`` without a tooltip gets an empty one (ipywidgets shows None as "null")."""
    if hasattr(widget, "tooltip") and widget.tooltip is None:
        widget.tooltip = ""
    for child in getattr(widget, "children", ()):
        _no_null_tooltips(child)


def _classed(widget, *names: str):
    for name in names:
        widget.add_class(name)  # stable hooks for the browser tests and for the studio's style
    return widget


def _button(description: str, name: str, kind: str = "cl-secondary", tooltip: str = "") -> widgets.Button:
    return _classed(widgets.Button(description=description, tooltip=tooltip or description,
                                   layout=widgets.Layout(width="auto")), name, kind)


class Studio:
    """The studio for one learner.

    Parameters
    ----------
    library : Library or path, optional
        Where compositions are saved (default :func:`~composerlab.models.library.default_folder`).
    server : str
        The event server's address, prefilled in the submit form.
    sample : str
        The sample melody the studio opens with.
    warm_up : bool
        Load and run the models once in the background now, starting with the first one of the
        chain: Generate says "loading the models" until that one is ready (:attr:`ready`), the
        others follow while the learner reads the page (:attr:`warm`).
    """

    def __init__(self, library: Library | str | None = None, server: str = "http://127.0.0.1:8000",
                 sample: str = "twinkle", warm_up: bool = True):
        # Held while models load or run: the warm-up thread and a Generate click must not import
        # TensorFlow at the same time (a half-imported Keras fails).
        self._models_lock = threading.Lock()
        self.ready = threading.Event()  # the first model of the chain is loaded: Generate answers quickly
        self.warm = threading.Event()   # every model is
        self.library = library if isinstance(library, Library) else Library(library)
        self.output: pypianoroll.Multitrack | None = None
        self.made_from: tuple[pypianoroll.Multitrack, list[dict], int, str] | None = None
        self.source = f"sample:{sample}"
        self.timings: list[float] = []
        self.last_message = ""
        self._pending_delete: str | None = None
        self._pending_title: str | None = None

        self.messages = {where: _classed(widgets.HTML(), "cl-say", f"cl-say-{where}") for where in SECTIONS}
        # 1. input
        self.sample_menu = _classed(widgets.Dropdown(options=[(s.title, k) for k, s in SAMPLES.items()], value=sample,
                                                     description="Sample", tooltip="a sample melody as the input",
                                                     layout=widgets.Layout(width="330px")),
                                    "cl-sample")
        self.upload = _classed(widgets.FileUpload(accept=".mid,.midi", multiple=False, description="Upload MIDI",
                                                  tooltip="a .mid or .midi file from your computer"), "cl-upload",
                               "cl-secondary")
        self.keyboard = Keyboard()
        self.take_button = _button("Use keyboard melody as input", "cl-take-keyboard", "cl-primary")
        self.editor = Editor(load_sample(sample))
        # 2. models
        self.chain = ChainEditor()
        self.generate_button = _button("Generate", "cl-generate", "cl-primary", "run the chain on the input")
        # 3. listen
        self.roll = RollPlayer()
        self.reuse_button = _button("Use output as input", "cl-reuse", tooltip="start the next round from what you hear")
        self.reuse_button.disabled = True
        # 4. keep
        self.title_text = _classed(widgets.Text(placeholder="a title for it", description="Title",
                                                tooltip="the title it gets in your library and its files' names",
                                                layout=widgets.Layout(width="300px")), "cl-title")
        self.save_button = _button("Save to library", "cl-save", "cl-primary")
        self.replace_button = _button("Replace it", "cl-replace", "cl-danger")
        self.keep_both_button = _button("Keep both", "cl-keep-both")
        self.replace_box = _classed(widgets.HBox([self.replace_button, self.keep_both_button]), "cl-ask")
        self.library_menu = _classed(widgets.Dropdown(description="Library", tooltip="your saved compositions",
                                                      layout=widgets.Layout(width="420px")), "cl-library")
        self.open_button = _button("Open", "cl-open", tooltip="its input, chain, seed and music")
        self.rename_text = _classed(widgets.Text(placeholder="new title", description="New title",
                                                 tooltip="the chosen composition's new title",
                                                 layout=widgets.Layout(width="240px")), "cl-rename-text")
        self.rename_button = _button("Rename", "cl-rename")
        self.delete_button = _button("Delete", "cl-delete", "cl-danger", "remove it from the library (asks first)")
        self.confirm_delete_button = _button("Yes, delete it", "cl-confirm-delete", "cl-danger")
        self.cancel_delete_button = _button("Keep it", "cl-cancel-delete")
        self.delete_box = _classed(widgets.HBox([self.confirm_delete_button, self.cancel_delete_button]), "cl-ask")
        self.downloads = Downloads(self.export, label="Download what you hear:")
        self.server_text = _classed(widgets.Text(value=server, description="Server",
                                                 tooltip="the event server's address: ask your facilitator",
                                                 layout=widgets.Layout(width="330px")), "cl-server")
        self.alias_text = _classed(widgets.Text(placeholder="your alias", description="Alias",
                                                tooltip="the name the event knows you by",
                                                layout=widgets.Layout(width="240px")), "cl-alias")
        self.entry_title_text = _classed(widgets.Text(placeholder="entry title", description="Entry",
                                                      tooltip="your entry's title at the event",
                                                      layout=widgets.Layout(width="300px")), "cl-entry-title")
        self.submit_button = _button("Submit to the event", "cl-submit", "cl-primary")
        self.receipt = _classed(widgets.HTML(), "cl-receipt")
        for box in (self.replace_box, self.delete_box):
            box.layout.display = "none"

        self._connect()
        self.widget = self._layout()
        _no_null_tooltips(self.widget)
        self.refresh_library()
        self._show_input(switch=True)
        if warm_up:
            self.generate_button.disabled = True
            self.generate_button.description = "Generate (loading the models...)"
            threading.Thread(target=self._warm_up, name="composerlab-studio-warm-up", daemon=True).start()
        else:
            self.ready.set()
            self.warm.set()

    # ----- wiring
    def _connect(self) -> None:
        act = self._act
        self.sample_menu.observe(lambda change: act("input", self.load_sample, change["new"]), names="value")
        self.upload.observe(lambda change: act("input", self._uploaded, change["new"]), names="value")
        self.take_button.on_click(lambda _: act("input", self.use_keyboard))
        self.generate_button.on_click(lambda _: act("models", self.generate))
        self.reuse_button.on_click(lambda _: act("listen", self.use_output_as_input))
        self.save_button.on_click(lambda _: act("keep", self._save_clicked))
        self.replace_button.on_click(lambda _: act("keep", self.save, self._pending_title or "", True))
        self.keep_both_button.on_click(lambda _: act("keep", self.save, self._pending_title or "", False))
        self.open_button.on_click(lambda _: act("keep", self.open, self.library_menu.value))
        self.rename_button.on_click(lambda _: act("keep", self.rename, self.library_menu.value, self.rename_text.value))
        self.delete_button.on_click(lambda _: act("keep", self.ask_delete, self.library_menu.value))
        self.confirm_delete_button.on_click(lambda _: act("keep", self.delete, self._pending_delete))
        self.cancel_delete_button.on_click(lambda _: act("keep", self._keep))
        self.submit_button.on_click(lambda _: act("submit", self.submit, self.server_text.value, self.alias_text.value,
                                                  self.entry_title_text.value))
        self.editor.observe(lambda _: self._show_input(), names=["notes", "tempo"])
        self.roll.on_mix(self._mix_changed)
        self.chain.rows_box.observe(self._name_chain_controls, names="children")
        self._name_chain_controls()

    def _name_chain_controls(self, _change=None) -> None:
        """Give every control of the chain a name and a tooltip: a screen reader needs the name, and
        ipywidgets shows a control without a tooltip as "null" under the pointer."""
        for number, row in enumerate(self.chain.rows, 1):
            row.menu.description = f"Model {number}"
            row.menu.style.description_width = "initial"
            row.menu.layout.width = "270px"  # the label and the longest name, "transformer (extend)"
            row.menu.tooltip = "the model at this step of the chain"
            row.remove_button.tooltip = f"take model {number} out of the chain"
            for control in row.controls.values():
                control.tooltip = control.tooltip or control.description
            if not getattr(row, "_named", False):  # a new model in the row brings new controls
                row.params_box.observe(self._name_chain_controls, names="children")
                row._named = True
        self.chain.seed.tooltip = "the same input, chain, parameters and seed give the same music"
        self.chain.add_button.tooltip = "add a model at the end of the chain: it takes the last one's output"
        _no_null_tooltips(self.chain.box)

    def _act(self, where: str, action, *args) -> None:
        """Run a button's action; its answer, or the mistake in words, goes beside that button."""
        try:
            message = action(*args)
        except PLAIN as err:
            self.say(str(err), error=True, where=where)
            return
        except Exception as err:  # noqa: BLE001 - a button must answer; ipywidgets would swallow it silently
            self.say(f"That did not work ({type(err).__name__}: {err}); nothing was saved or changed in "
                     "the library. Tell your facilitator if it happens again.", error=True, where=where)
            return
        if message:
            self.say(message, where=where)

    def say(self, text: str, error: bool = False, where: str = "models") -> None:
        """Show ``text`` beside the buttons of ``where`` (one of :data:`SECTIONS`; red for a problem)."""
        kind = "cl-error" if error else "cl-ok"
        self.messages[where].value = f'<div class="{kind}" role="status">{html.escape(text)}</div>'
        self.last_message = text

    def message(self, where: str) -> str:
        """The text now shown beside the buttons of ``where``."""
        value = self.messages[where].value
        return html.unescape(value.split(">", 1)[1].rsplit("</div>", 1)[0]) if value else ""

    def _warm_up(self) -> None:
        """Pay the one-off costs before the first click: TensorFlow's import, each model's weights and
        first-call tracing, the SoundFont. The chain's first model comes first; Generate is enabled
        when it is ready, and the others warm while the learner reads the page."""
        melody = load_sample("twinkle")
        first = self.chain.steps()[0]["model"] if self.chain.steps() else next(iter(MODELS))
        try:
            for name in [first] + [n for n in MODELS if n != first]:
                with self._models_lock, one_blas_thread():
                    try:
                        run_steps(melody, [{"model": name, "params": {}}])
                    except Exception:  # noqa: BLE001 - a model that cannot warm up says why on Generate
                        pass
                if not self.ready.is_set():
                    self._enable_generate()
        finally:
            self._enable_generate()
            self.warm.set()

    def _enable_generate(self) -> None:
        self.generate_button.description = "Generate"
        self.generate_button.disabled = False
        self.ready.set()

    # ----- input
    def input_music(self) -> pypianoroll.Multitrack:
        """The current input: what the editor shows."""
        return self.editor.music()

    def set_input(self, music: pypianoroll.Multitrack, source: str) -> None:
        """Make ``music`` the input (the editor shows it)."""
        self.editor.set_music(music)
        self.source = source
        self._show_input(switch=True)

    def _show_input(self, switch: bool = False) -> None:
        """The roll gets the new input; it shows it when asked, or when there is no output to look at."""
        music = self.input_music()
        self.roll.show("input", music, switch=switch or self.output is None)

    def load_sample(self, key: str) -> str:
        self.set_input(load_sample(key), f"sample:{key}")
        if self.sample_menu.value != key:
            self.sample_menu.value = key
        return f"Input: the sample '{SAMPLES[key].title}'."

    def load_upload(self, name: str, data: bytes) -> str:
        """An uploaded file as input; anything that is not MIDI is refused with the reason."""
        music = read_midi_bytes(bytes(data), name)
        if not count_notes(music):
            raise MusicFileError(name, "has no notes")
        music.name = name
        self.set_input(music, f"file:{name}")
        return f"Input: {name} ({plural(count_notes(music), 'note')}, {plural(len(music.tracks), 'track')})."

    def _uploaded(self, files) -> str | None:
        if not files:
            return None
        first = files[0]
        try:
            return self.load_upload(first["name"], first["content"])
        finally:
            self.upload.value = ()  # the button's count is of files waiting, and none is: the file was read

    def use_keyboard(self) -> str:
        """The keyboard's melody as input; an empty one is refused and the input stays."""
        if not self.keyboard.note_list():
            raise ValueError("The keyboard has no notes yet: play or record a melody first.")
        self.set_input(self.keyboard.melody(), "keyboard")
        return f"Input: your keyboard melody ({plural(len(self.keyboard.note_list()), 'note')})."

    # ----- models
    def generate(self) -> str:
        """Run the chain on the input; the roll shows and plays the result."""
        steps, seed = self.chain.steps(), int(self.chain.seed.value)
        if not steps:
            raise ValueError("The chain is empty: add a model with '+ model'.")
        music = self.input_music()
        if not count_notes(music):
            raise ValueError("The input has no notes: load a sample, upload a file or play one.")
        started = time.perf_counter()
        with self._models_lock, one_blas_thread():
            output = run_steps(music, steps, seed)
        output.name = " -> ".join(s["model"] for s in steps)
        self._new_output(output, (music, steps, seed, self.source))
        seconds = time.perf_counter() - started
        self.timings.append(seconds)
        return (f"Generated with {output.name} (seed {seed}): {plural(count_notes(output), 'note')} in "
                f"{plural(len(output.tracks), 'track')}, {seconds:.2f} s. Listen below.")

    def _new_output(self, output: pypianoroll.Multitrack, made_from) -> None:
        """Show a new output; what was said about the previous one no longer holds."""
        self.output = output
        self.made_from = made_from
        self.roll.show("output", output, title=output.name)
        self.reuse_button.disabled = False
        self.downloads.enabled = True
        self.downloads.message = ""
        self.receipt.value = ""
        for where in ("listen", "keep", "submit"):
            self.messages[where].value = ""
        self._keep()

    def wait_for_sound(self, timeout: float = 60.0) -> bool:
        """Wait until the sound of what the roll shows is ready; True when it is."""
        return self.roll.wait_for_sound(timeout)

    def heard_output(self) -> pypianoroll.Multitrack:
        """The output as the learner hears it: the instruments chosen, the muted tracks left out.

        What Save, the downloads and Submit take.
        """
        if self.output is None:
            raise ValueError("Nothing generated yet: press Generate first.")
        music = self.roll.heard("output")
        if not music.tracks:
            raise ValueError("Every track is muted: unmute one to keep it.")
        music.name = self.output.name
        return music

    def _mix_changed(self) -> None:
        """A mute or an instrument changed: say what Save, Download and Submit will now take."""
        if self.roll.showing == "output" and self.output is not None:
            muted = self.roll.muted_names("output")
            self.say("Save, Download and Submit take the output as you hear it"
                     + (f": without {names_list(muted)}." if muted else ", with these instruments."), where="listen")

    def use_output_as_input(self) -> str:
        music = self.heard_output()
        self.set_input(music, "output")
        melody = music.tracks[0]
        others = [t.name or f"Track {i + 1}" for i, t in enumerate(music.tracks) if i]
        muted = self.roll.muted_names("output")
        kept = f" and keeps {names_list(others)} as they are (drawn faint)" if others else ""
        left = f"; {names_list(muted)} muted, so left out" if muted else ""
        return (f"The output is now the input: the editor shows its melody ({melody.name or 'Track 1'}, "
                f"{plural(len(track_notes(melody)), 'note')}){kept}{left}. Add or change models and Generate again.")

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
        """The Delete button: ask before anything is removed."""
        if not cid:
            raise LibraryError("Choose a composition to delete.")
        self._pending_delete = cid
        self.delete_box.layout.display = "flex"
        return f"Delete '{self.library.get(cid).title}' from your library? It cannot be undone."

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

    # ----- display
    def _layout(self) -> widgets.Widget:
        def card(number: int, title: str, hint: str, *children) -> widgets.VBox:
            head = widgets.HTML(f'<h3 class="cl-h"><span class="cl-step">{number}</span> {title} '
                                f'<small>{hint}</small></h3>')
            return _classed(widgets.VBox([head, *children]), "cl-card", f"cl-card-{title.lower()}")

        tabs = _classed(widgets.Tab(children=[self.editor, widgets.VBox([self.keyboard, self.take_button])]),
                        "cl-tabs")
        tabs.set_title(0, "Editor (the input)")
        tabs.set_title(1, "Keyboard")
        self.tabs = tabs
        row = lambda *items: _classed(widgets.HBox(list(items)), "cl-row")  # noqa: E731
        style = (STATIC / "studio.css").read_text(encoding="utf-8")
        return _classed(widgets.VBox([
            widgets.HTML(f"<style>{style}</style>"
                         "<header class='cl-top'><h2>Composer Lab <span>Music Studio</span></h2>"
                         "<p>Pick a melody, run it through a chain of models, listen, keep the best and submit it."
                         "</p></header>"),
            card(1, "Input", "a sample, your MIDI file, or play one",
                 row(self.sample_menu, self.upload), self.messages["input"], tabs),
            card(2, "Models", "each one's output is the next one's input",
                 self.chain.box, row(self.generate_button, self.messages["models"])),
            card(3, "Listen", "input or output; mute a track, change its instrument",
                 self.roll, row(self.reuse_button, self.messages["listen"])),
            card(4, "Keep", "save it, download it, submit it to the event",
                 row(self.title_text, self.save_button), self.replace_box, self.messages["keep"],
                 row(self.library_menu, self.open_button), row(self.rename_text, self.rename_button, self.delete_button),
                 self.delete_box, self.downloads,
                 row(self.server_text, self.alias_text, self.entry_title_text),
                 row(self.submit_button, self.messages["submit"]), self.receipt),
        ]), "cl-studio")

    def _ipython_display_(self):
        display(self.widget)
