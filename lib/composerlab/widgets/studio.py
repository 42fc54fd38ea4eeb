"""The Music Studio: input, keyboard, editor, a chain of models, listen, save, export, submit.

Everything a learner did in the AWS DeepComposer console, in one notebook cell:

1. **Input**: a sample melody, an uploaded MIDI file, the keyboard, or a
   composition from the library. The editor always shows the current input.
2. **Models**: a chain (:mod:`composerlab.widgets.chain`), each with its
   parameters, and one seed; **Generate** runs it on the input.
3. **Listen**: input and output side by side; the output's player has an
   instrument menu and a mute box per track. **Use output as input** starts
   the next round of the chain from the result.
4. **Save** to the library (:mod:`composerlab.models.library`), reopen,
   rename, delete; **export** MIDI, WAV or MP3; **submit** to the event.

Every action answers in :attr:`Studio.status`; a failure (a file that is not
MIDI, an empty recording, an event server that is down or refuses the file)
is said there in words and changes nothing already saved. Introduced in lab 08;
``composerlab studio`` serves the same studio as a web page.
"""
from __future__ import annotations

import base64
import html
import threading
import time

import ipywidgets as widgets
import pypianoroll
from IPython.display import display

from composerlab.errors import MusicFileError, UnknownModelError
from composerlab.models import one_blas_thread
from composerlab.models.library import Library, LibraryError, music_from_dict, run_steps
from composerlab.music.midi import midi_bytes, read_midi_bytes
from composerlab.music.pianoroll import track_notes
from composerlab.music.samples import SAMPLES, load_sample
from composerlab.sound.audio import mp3_bytes, render, wav_bytes
from composerlab.widgets.chain import ChainEditor
from composerlab.widgets.editor import Editor
from composerlab.widgets.keyboard import Keyboard
from composerlab.widgets.player import Player
from composerlab.widgets.plots import roll_png
from composerlab.widgets.submit import SubmitError, submit


def _classed(widget, name: str):
    widget.add_class(name)  # stable hooks for the browser tests and for CSS
    return widget


def _button(description: str, name: str, style: str = "") -> widgets.Button:
    return _classed(widgets.Button(description=description, button_style=style), name)


def count_notes(music: pypianoroll.Multitrack) -> int:
    """Notes in every track."""
    return sum(len(track_notes(t)) for t in music.tracks)


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
        Load and run every model once in the background now (and draw and render once),
        so that every Generate click answers quickly: the button says "loading the
        models" and waits until then. :attr:`ready` is set when it is done.
    """

    def __init__(self, library: Library | str | None = None, server: str = "http://127.0.0.1:8000",
                 sample: str = "twinkle", warm_up: bool = True):
        self.library = library if isinstance(library, Library) else Library(library)
        self.output: pypianoroll.Multitrack | None = None
        self.made_from: tuple[pypianoroll.Multitrack, list[dict], int, str] | None = None
        self.source = f"sample:{sample}"
        self.timings: list[float] = []
        self.player: Player | None = None
        self.sound_thread: threading.Thread | None = None
        # Held while models load or run: the warm-up thread and a Generate click must not import
        # TensorFlow at the same time (a half-imported Keras fails).
        self._models_lock = threading.Lock()
        self.ready = threading.Event()

        self.status = _classed(widgets.HTML(), "cl-studio-status")
        # 1. input
        self.sample_menu = widgets.Dropdown(options=[(s.title, k) for k, s in SAMPLES.items()], value=sample,
                                            layout=widgets.Layout(width="260px"))
        self.sample_button = _button("Load sample", "cl-load-sample")
        self.upload = _classed(widgets.FileUpload(accept=".mid,.midi", multiple=False, description="Upload MIDI"),
                               "cl-upload")
        self.library_menu = _classed(widgets.Dropdown(layout=widgets.Layout(width="420px")), "cl-library")
        self.open_button = _button("Open", "cl-open")
        self.rename_text = widgets.Text(placeholder="new title", layout=widgets.Layout(width="180px"))
        self.rename_button = _button("Rename", "cl-rename")
        self.delete_button = _button("Delete", "cl-delete", "danger")
        self.keyboard = Keyboard()
        self.take_button = _button("Use keyboard melody as input", "cl-take-keyboard", "info")
        self.take_button.layout.width = "max-content"
        self.editor = Editor(load_sample(sample))
        # 2. models
        self.chain = ChainEditor()
        self.generate_button = _button("Generate", "cl-generate", "success")
        # 3. listen
        self.input_audio = _classed(widgets.Audio(format="wav", autoplay=False), "cl-input-audio")
        # The output's sound is its player's audio widget, shown here too: one widget, so one render
        # and one transfer to the browser a click (see _show_output).
        self.output_audio = _classed(widgets.Audio(format="wav", autoplay=False), "cl-output-audio")
        self.output_column = widgets.VBox([widgets.HTML("<b>Output</b>"), self.output_audio])
        self.output_box = widgets.VBox()
        self.reuse_button = _button("Use output as input", "cl-reuse")
        self.reuse_button.layout.width = "max-content"
        # 4. keep
        self.title_text = _classed(widgets.Text(placeholder="title", description="Title"), "cl-title")
        self.save_button = _button("Save to library", "cl-save", "primary")
        self.export_buttons = [_button(f"Export {kind}", f"cl-export-{kind.lower()}") for kind in ("MIDI", "WAV", "MP3")]
        self.downloads = _classed(widgets.HTML(), "cl-downloads")
        self.server_text = _classed(widgets.Text(value=server, description="Server"), "cl-server")
        self.alias_text = _classed(widgets.Text(placeholder="your alias", description="Alias"), "cl-alias")
        self.entry_title_text = _classed(widgets.Text(placeholder="entry title", description="Entry"), "cl-entry-title")
        self.submit_button = _button("Submit to the event", "cl-submit", "warning")
        self.receipt = _classed(widgets.HTML(), "cl-receipt")

        self._connect()
        self.widget = self._layout()
        self.refresh_library()
        self._show_input()
        if warm_up:
            self.generate_button.disabled = True
            self.generate_button.description = "Generate (loading the models...)"
            self.generate_button.layout.width = "max-content"
            threading.Thread(target=self._warm_up, name="composerlab-studio-warm-up", daemon=True).start()
        else:
            self.ready.set()

    # ----- wiring
    def _connect(self) -> None:
        act = self._act
        self.sample_button.on_click(lambda _: act(self.load_sample, self.sample_menu.value))
        self.upload.observe(lambda change: act(self._uploaded, change["new"]), names="value")
        self.open_button.on_click(lambda _: act(self.open, self.library_menu.value))
        self.rename_button.on_click(lambda _: act(self.rename, self.library_menu.value, self.rename_text.value))
        self.delete_button.on_click(lambda _: act(self.delete, self.library_menu.value))
        self.take_button.on_click(lambda _: act(self.use_keyboard))
        self.generate_button.on_click(lambda _: act(self.generate))
        self.reuse_button.on_click(lambda _: act(self.use_output_as_input))
        self.save_button.on_click(lambda _: act(self.save, self.title_text.value))
        for button, kind in zip(self.export_buttons, ("mid", "wav", "mp3")):
            button.on_click(lambda _, k=kind: act(self.export, k))
        self.submit_button.on_click(lambda _: act(self.submit, self.server_text.value, self.alias_text.value,
                                                  self.entry_title_text.value))
        self.editor.observe(lambda _: self._show_input(), names=["notes", "tempo"])

    def _act(self, action, *args) -> None:
        """Run a button's action; a mistake becomes a message in the status line, never a traceback."""
        try:
            message = action(*args)
        except (MusicFileError, LibraryError, SubmitError, UnknownModelError, ValueError) as err:
            self.say(str(err), error=True)
            return
        except Exception as err:  # noqa: BLE001 - a button must answer; ipywidgets would swallow it silently
            self.say(f"That did not work ({type(err).__name__}: {err}); nothing was saved or changed in "
                     "the library. Tell your facilitator if it happens again.", error=True)
            return
        if message:
            self.say(message)

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` in the status line (red for a problem)."""
        colour = "#b00020" if error else "#1b5e20"
        kind = "cl-error" if error else "cl-ok"
        self.status.value = f'<div class="{kind}" style="color:{colour};font-weight:bold">{html.escape(text)}</div>'

    def _warm_up(self) -> None:
        """Pay every one-off cost before the first click: TensorFlow's import, each model's weights and
        first-call tracing, the SoundFont, matplotlib's fonts. Then Generate is enabled."""
        from composerlab.models.catalog import MODELS

        melody = load_sample("twinkle")
        try:
            roll_png(melody)
            render(melody)
            for name in MODELS:
                with self._models_lock, one_blas_thread():
                    try:
                        run_steps(melody, [{"model": name, "params": {}}])
                    except Exception:  # noqa: BLE001 - a model that cannot warm up says why on Generate
                        pass
        finally:
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
        self._show_input()

    def _show_input(self) -> None:
        music = self.input_music()
        if count_notes(music):
            self.input_audio.value = wav_bytes(*render(music))

    def load_sample(self, key: str) -> str:
        self.set_input(load_sample(key), f"sample:{key}")
        return f"Input: the sample '{SAMPLES[key].title}'."

    def load_upload(self, name: str, data: bytes) -> str:
        """An uploaded file as input; anything that is not MIDI is refused with the reason."""
        music = read_midi_bytes(bytes(data), name)
        if not count_notes(music):
            raise MusicFileError(name, "has no notes")
        music.name = name
        self.set_input(music, f"file:{name}")
        return f"Input: {name} ({count_notes(music)} notes, {len(music.tracks)} tracks)."

    def _uploaded(self, files) -> str | None:
        if not files:
            return None
        first = files[0]
        return self.load_upload(first["name"], first["content"])

    def use_keyboard(self) -> str:
        """The keyboard's melody as input; an empty one is refused and the input stays."""
        if not self.keyboard.note_list():
            raise ValueError("The keyboard has no notes yet: play or record a melody first.")
        self.set_input(self.keyboard.melody(), "keyboard")
        return f"Input: your keyboard melody ({len(self.keyboard.note_list())} notes)."

    # ----- models
    def generate(self) -> str:
        """Run the chain on the input; show and play both."""
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
        self.output = output
        self.made_from = (music, steps, seed, self.source)
        self._show_output()
        seconds = time.perf_counter() - started
        self.timings.append(seconds)
        return f"Generated with {output.name} (seed {seed}): {count_notes(output)} notes in {seconds:.2f} s."

    def _show_output(self) -> None:
        # The click answers with the notes and the piano roll; the sound (a tenth to a few tenths
        # of a second of synthesis) is rendered on a thread and fills the audio in when ready.
        self.player = Player(self.output, title=self.output.name, sound=False)
        self.output_audio = _classed(self.player.audio, "cl-output-audio")
        self.output_column.children = [self.output_column.children[0], self.output_audio]
        self.output_box.children = [self.player.widget]
        self.sound_thread = self.player.load_sound_in_background()

    def wait_for_sound(self, timeout: float = 60.0) -> bool:
        """Wait until the output's sound is ready; True when it is."""
        if self.sound_thread is not None:
            self.sound_thread.join(timeout)
            return not self.sound_thread.is_alive()
        return True

    def _need_output(self) -> pypianoroll.Multitrack:
        if self.output is None:
            raise ValueError("Nothing generated yet: press Generate first.")
        return self.player.current() if self.player is not None else self.output

    def use_output_as_input(self) -> str:
        self.set_input(self._need_output(), "output")
        return "The output is now the input: add or change models and Generate again."

    # ----- library
    def refresh_library(self, select: str | None = None) -> None:
        entries = self.library.list()
        self.library_menu.options = [(f"{e.title} | {e.chain_text} | {e.created[:16].replace('T', ' ')}", e.id)
                                     for e in entries]
        self.library_menu.value = select if select in [e.id for e in entries] else (entries[0].id if entries else None)

    def save(self, title: str) -> str:
        """Save the output (or the input, if nothing was generated) with how it was made."""
        if self.output is not None and self.made_from is not None:
            music, steps, seed, source = self.made_from
            entry = self.library.save(self._need_output(), title, music, steps, seed, source)
        else:
            entry = self.library.save(self.input_music(), title, source=self.source)
        self.refresh_library(entry.id)
        return f"Saved '{entry.title}' to the library ({entry.notes} notes, {entry.chain_text})."

    def open(self, cid: str | None) -> str:
        """Reopen a composition: its input, its chain and seed, and the saved music as output."""
        if not cid:
            raise LibraryError("The library is empty: save a composition first.")
        entry = self.library.get(cid)
        self.set_input(music_from_dict(entry.input), f"library:{cid}")
        self.chain.set_steps(entry.chain)
        self.chain.seed.value = entry.seed
        self.output = self.library.load(cid)
        self.made_from = (music_from_dict(entry.input), entry.chain, entry.seed, entry.source)
        self._show_output()
        self.title_text.value = entry.title
        return f"Opened '{entry.title}' ({entry.chain_text}, seed {entry.seed})."

    def rename(self, cid: str | None, title: str) -> str:
        if not cid:
            raise LibraryError("Choose a composition to rename.")
        entry = self.library.rename(cid, title)
        self.refresh_library(cid)
        return f"Renamed to '{entry.title}'."

    def delete(self, cid: str | None) -> str:
        if not cid:
            raise LibraryError("Choose a composition to delete.")
        title = self.library.get(cid).title
        self.library.delete(cid)
        self.refresh_library()
        return f"Deleted '{title}' from the library."

    # ----- out of the studio
    def export(self, kind: str) -> str:
        """A download link for the output as ``mid``, ``wav`` or ``mp3``."""
        music = self._need_output()
        if kind == "mid":
            data, mime = midi_bytes(music), "audio/midi"
        else:
            samples, rate = render(music)
            data, mime = (wav_bytes(samples, rate), "audio/wav") if kind == "wav" else (mp3_bytes(samples, rate), "audio/mpeg")
        name = f"{(self.title_text.value or music.name or 'composition').strip().replace(' ', '_')}.{kind}"
        name = "".join(c for c in name if c.isalnum() or c in "._-+>")
        self.last_export = (name, data)
        href = f"data:{mime};base64,{base64.b64encode(data).decode()}"
        self.downloads.value = (f'<a class="cl-download" style="color:#1565c0;text-decoration:underline" '
                                f'download="{html.escape(name)}" href="{href}">'
                                f"Download {html.escape(name)}</a> ({len(data) // 1024 + 1} KB)")
        return f"{name} is ready: click its link to download it."

    def submit(self, server: str, alias: str, title: str) -> str:
        """Send the output (or the input) to the event; show the receipt or the server's reason."""
        music = self.output if self.output is not None else self.input_music()
        try:
            receipt = submit(server, alias, title, midi_bytes(music), f"{title or 'entry'}.mid")
        except SubmitError as err:
            self.receipt.value = f'<span class="cl-refused" style="color:#b00020">Not submitted: {html.escape(str(err))}</span>'
            raise
        eligible = "eligible" if receipt.get("eligible", True) else "not eligible for a prize"
        self.receipt.value = (f'<span class="cl-accepted">Received: entry #{html.escape(str(receipt["id"]))}, '
                              f'stored as {html.escape(str(receipt.get("stored_as", "?")))} ({eligible})</span>')
        return f"Submitted '{title}' as {alias}: receipt #{receipt['id']}."

    # ----- display
    def _layout(self) -> widgets.Widget:
        h = lambda text: widgets.HTML(f"<h3 style='margin:8px 0 2px'>{text}</h3>")  # noqa: E731
        tabs = widgets.Tab(children=[widgets.VBox([self.keyboard, self.take_button]), self.editor])
        tabs.set_title(0, "Keyboard")
        tabs.set_title(1, "Editor (current input)")
        tabs.selected_index = 1
        tabs.add_class("cl-tabs")
        self.tabs = tabs
        listen = widgets.HBox([widgets.VBox([widgets.HTML("<b>Input</b>"), self.input_audio]),
                               self.output_column])
        return _classed(widgets.VBox([
            widgets.HTML("<h2 style='margin:0'>Composer Lab Music Studio</h2>"
                         "<style>.cl-studio-status{position:sticky;top:0;z-index:20;background:#fff}</style>"),
            self.status,
            h("1. Input"),
            widgets.HBox([self.sample_menu, self.sample_button, self.upload]),
            widgets.HBox([self.library_menu, self.open_button, self.rename_text, self.rename_button,
                          self.delete_button]),
            tabs,
            h("2. Models"), self.chain.box, self.generate_button,
            h("3. Listen and compare"), listen, self.output_box, self.reuse_button,
            h("4. Keep, export, submit"),
            widgets.HBox([self.title_text, self.save_button]),
            widgets.HBox(self.export_buttons), self.downloads,
            widgets.HBox([self.server_text, self.alias_text, self.entry_title_text]),
            self.submit_button, self.receipt,
        ]), "cl-studio")

    def _ipython_display_(self):
        display(self.widget)
