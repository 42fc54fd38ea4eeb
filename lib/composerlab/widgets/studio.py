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
4. **Keep** (:mod:`composerlab.widgets.keep`): save to the library, reopen, rename,
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
from composerlab.models.library import Library, LibraryError, run_steps
from composerlab.music.midi import read_midi_bytes
from composerlab.music.pianoroll import track_notes
from composerlab.music.samples import SAMPLES, load_sample
from composerlab.widgets.assets import STATIC
from composerlab.widgets.chain import ChainEditor
from composerlab.widgets.editor import Editor
from composerlab.widgets.keep import KeepCard, TitleTaken
from composerlab.widgets.keyboard import Keyboard
from composerlab.widgets.looks import (
    button,
    card,
    classed,
    count_notes,
    names_list,
    no_null_tooltips,
    plural,
    row,
)
from composerlab.widgets.roll import RollPlayer
from composerlab.widgets.submit import SubmitError

__all__ = ["PLAIN", "SECTIONS", "Studio", "TitleTaken", "count_notes"]

SECTIONS = ("input", "models", "listen", "keep", "library", "submit")
"""Where the studio answers: one message line beside each group of buttons."""
PLAIN = (MusicFileError, LibraryError, SubmitError, UnknownModelError, ParameterError, ValueError)
"""Errors whose message is for the learner as it is."""


class Studio(KeepCard):
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

        self.messages = {where: classed(widgets.HTML(), "cl-say", f"cl-say-{where}") for where in SECTIONS}
        # 1. input
        self.sample_menu = classed(widgets.Dropdown(options=[(s.title, k) for k, s in SAMPLES.items()], value=sample,
                                                     description="Sample", tooltip="a sample melody as the input",
                                                     layout=widgets.Layout(width="330px")),
                                    "cl-sample")
        self.upload = classed(widgets.FileUpload(accept=".mid,.midi", multiple=False, description="Upload MIDI",
                                                  tooltip="a .mid or .midi file from your computer"), "cl-upload",
                               "cl-secondary")
        self.keyboard = Keyboard()
        self.take_button = button("Use keyboard melody as input", "cl-take-keyboard", "cl-primary")
        self.editor = Editor(load_sample(sample))
        # 2. models
        self.chain = ChainEditor()
        self.generate_button = button("Generate", "cl-generate", "cl-primary", "run the chain on the input")
        # 3. listen
        self.roll = RollPlayer()
        self.reuse_button = button("Use output as input", "cl-reuse", tooltip="start the next round from what you hear")
        self.reuse_button.disabled = True
        # 4. keep
        self._build_keep(server)

        self._connect()
        self.widget = self._layout()
        no_null_tooltips(self.widget)
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
        self._connect_keep(act)
        self.editor.observe(lambda _: self._show_input(), names=["notes", "tempo"])
        self.roll.on_mix(self._mix_changed)
        self.chain.rows_box.observe(self._name_chain_controls, names="children")
        self._name_chain_controls()

    def _name_chain_controls(self, _change=None) -> None:
        """Give every control of the chain a name and a tooltip: a screen reader needs the name, and
        ipywidgets shows a control without a tooltip as "null" under the pointer."""
        for number, step in enumerate(self.chain.rows, 1):
            step.menu.description = f"Model {number}"
            step.menu.style.description_width = "initial"
            step.menu.layout.width = "270px"  # the label and the longest name, "transformer (extend)"
            step.menu.tooltip = "the model at this step of the chain"
            step.remove_button.tooltip = f"take model {number} out of the chain"
            for control in step.controls.values():
                control.tooltip = control.tooltip or control.description
            if not getattr(step, "_named", False):  # a new model in the row brings new controls
                step.params_box.observe(self._name_chain_controls, names="children")
                step._named = True
        self.chain.seed.tooltip = "the same input, chain, parameters and seed give the same music"
        self.chain.add_button.tooltip = "add a model at the end of the chain: it takes the last one's output"
        no_null_tooltips(self.chain.box)

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
        for where in ("listen", "keep", "library", "submit"):
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

    # ----- display
    def _layout(self) -> widgets.Widget:
        tabs = classed(widgets.Tab(children=[self.editor, widgets.VBox([self.keyboard, self.take_button])]),
                       "cl-tabs")
        tabs.set_title(0, "Editor (the input)")
        tabs.set_title(1, "Keyboard")
        self.tabs = tabs
        style = (STATIC / "studio.css").read_text(encoding="utf-8")
        return classed(widgets.VBox([
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
            self._keep_card(),
        ]), "cl-studio")

    def _ipython_display_(self):
        display(self.widget)
