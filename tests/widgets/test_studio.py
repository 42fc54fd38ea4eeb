"""The studio without a browser: input, chain, generate, listen, save/reopen, export, submit, bad input.

Submissions go to the real event server (``composerlab.event``'s FastAPI app under uvicorn on
127.0.0.1, as ``composerlab serve`` runs it): the receipt is shown and the file is in the event's store.
"""
import html
import socket
from datetime import datetime, timezone

import pytest
from browser import LiveEvent

from composerlab.models.library import Library, same_notes
from composerlab.music.midi import read_midi_bytes
from composerlab.music.pianoroll import track_notes
from composerlab.sound.audio import loudness, read_wav_bytes
from composerlab.widgets.chain import PARAMETERS, ChainEditor
from composerlab.widgets.studio import Studio, count_notes


@pytest.fixture
def studio(tmp_path):
    return Studio(library=tmp_path / "library", warm_up=False)


def status(studio):
    return html.unescape(studio.status.value)


def test_the_chain_shows_each_catalog_model_with_its_kind_s_parameters():
    from composerlab.models.catalog import MODELS

    chain = ChainEditor()
    assert [r.menu.value for r in chain.rows] == [next(iter(MODELS))]
    for name, entry in MODELS.items():
        row = chain.add(name)
        assert list(row.controls) == [p.name for p in PARAMETERS.get(entry.kind, [])]
    assert set(PARAMETERS["edit"][i].name for i in range(4)) == {"iterations", "max_removed", "max_added", "temperature"}
    assert [p.name for p in PARAMETERS["extend"]] == ["bars", "temperature", "top_k", "top_p"]
    chain.rows[0].controls["in_key"].value = True
    assert chain.steps()[0] == {"model": "bach", "params": {"in_key": True}}
    chain.remove(chain.rows[0])
    assert len(chain.steps()) == len(MODELS)


def test_the_studio_warms_up_before_generate_is_enabled(tmp_path):
    studio = Studio(library=tmp_path / "library", warm_up=True)
    if not studio.ready.is_set():
        assert studio.generate_button.disabled and "loading the models" in studio.generate_button.description
    assert studio.ready.wait(timeout=300)
    assert not studio.generate_button.disabled and studio.generate_button.description == "Generate"
    from composerlab.models.gan.generate import load_model

    assert load_model.cache_info().currsize >= 1  # the weights stay loaded for the clicks


def test_keyboard_to_generate_to_save_and_reopen(studio):
    for pitch in (60, 62, 64, 65, 67, 65, 64, 60):
        studio.keyboard.handle({"type": "step", "pitch": pitch})
    studio.take_button.click()
    assert "8 notes" in status(studio) and studio.source == "keyboard"
    studio.editor.handle({"type": "move", "index": 1, "pitch": 63})  # drag one note to a new pitch
    studio.chain.add("bach")                                      # a two-model chain
    studio.chain.rows[0].controls["in_key"].value = True
    studio.chain.seed.value = 5
    studio.generate_button.click()
    assert "Generated with bach -> bach (seed 5)" in status(studio), status(studio)
    out = studio.output
    assert len(out.tracks) == 4 and count_notes(out) > 8
    assert studio.wait_for_sound()  # the sound is rendered after the click answers
    samples, _ = read_wav_bytes(studio.output_audio.value)
    assert loudness(samples)["peak_dbfs"] > -3  # audible, not silence
    assert studio.output_audio is studio.player.audio  # one audio widget: one render, one transfer a click
    assert "4 of 4 tracks" in studio.player.status.value
    studio.title_text.value = "Keyboard chorale"
    studio.save_button.click()
    entry = studio.library.list()[0]
    assert entry.title == "Keyboard chorale" and entry.source == "keyboard" and entry.seed == 5
    assert [s["model"] for s in entry.chain] == ["bach", "bach"] and entry.chain[0]["params"] == {"in_key": True}
    assert [n[1] for n in entry.input["tracks"][0]["notes"]] == [60, 63, 64, 65, 67, 65, 64, 60]
    assert same_notes(studio.library.regenerate(entry.id), out)

    fresh = Studio(library=studio.library.folder, warm_up=False)
    fresh.open(fresh.library_menu.value)
    assert same_notes(fresh.output, out)
    assert fresh.chain.steps() == entry.chain and fresh.chain.seed.value == 5
    assert [n.pitch for n in fresh.editor.note_list()] == [60, 63, 64, 65, 67, 65, 64, 60]


def test_use_output_as_input_keeps_the_accompaniment(studio):
    studio.generate()
    studio.reuse_button.click()
    assert len(studio.input_music().tracks) == 4 and studio.source == "output"


def test_exports_match_the_output(studio):
    studio.export_buttons[0].click()
    assert "Nothing generated yet" in status(studio)
    studio.generate()
    studio.export("mid")
    name, data = studio.last_export
    assert name.endswith(".mid") and 'download="' in studio.downloads.value
    back = read_midi_bytes(data)
    assert [track_notes(t) for t in back.tracks] == [track_notes(t) for t in studio.output.tracks]
    studio.export("wav")
    assert studio.last_export[1][:4] == b"RIFF"
    studio.export("mp3")
    assert len(studio.last_export[1]) > 10_000 and studio.last_export[0].endswith(".mp3")


@pytest.fixture
def event(tmp_path):
    """A real event server (uvicorn on a free loopback port) that takes one piece per composer."""
    (tmp_path / "event_home").mkdir()
    kit = LiveEvent(tmp_path / "event_home", max_per_composer=1)
    yield kit
    kit.close()


def test_submit_shows_the_receipt_and_the_file_is_in_the_event_s_store(studio, event):
    studio.generate()
    studio.submit_button.click()  # no alias yet
    assert "fill in your alias" in status(studio)
    studio.server_text.value, studio.alias_text.value, studio.entry_title_text.value = event.url, "ada", "My entry"
    studio.submit_button.click()
    [row] = event.store.submissions()
    assert (row.alias, row.title, row.eligible) == ("ada", "My entry", True)
    assert f"Received: entry #{row.id}, stored as {row.stored_as} (eligible)" in studio.receipt.value
    assert f"receipt #{row.id}" in status(studio)
    assert event.stored_files() == [row.stored_as]
    stored = (event.folder / "event" / "submissions" / row.stored_as).read_bytes()
    assert same_notes(read_midi_bytes(stored), studio.output)


def test_a_refusing_or_absent_server_is_a_message_and_the_library_is_untouched(studio, event):
    studio.generate()
    studio.save("Kept")
    studio.server_text.value, studio.alias_text.value, studio.entry_title_text.value = event.url, "ada", "First"
    studio.submit_button.click()
    assert "Received: entry #1" in studio.receipt.value
    studio.entry_title_text.value = "Second"
    studio.submit_button.click()  # over the event's limit of one piece per composer
    assert "the event server refused the file: ada has sent 1 composition already; the limit is 1 per composer" \
        in status(studio)
    assert "Not submitted" in studio.receipt.value
    assert [r.title for r in event.store.submissions()] == ["First"] and len(event.stored_files()) == 1
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    studio.server_text.value = f"http://127.0.0.1:{port}"
    studio.submit_button.click()
    assert f"could not reach the event server at http://127.0.0.1:{port}" in status(studio)
    assert [e.title for e in studio.library.list()] == ["Kept"]
    assert same_notes(studio.library.load(studio.library.list()[0].id), studio.output)


def test_bad_upload_and_empty_recording_are_messages(studio):
    before = studio.editor.note_list()
    studio._act(studio.load_upload, "song.txt", b"Twinkle twinkle little star")
    assert "song.txt: is not a MIDI file (it starts with 'Twinkle twinkle little...')" in status(studio)
    studio.keyboard.handle({"type": "take", "events": []})
    assert "Nothing was recorded" in studio.keyboard.message
    studio.take_button.click()
    assert "The keyboard has no notes yet" in status(studio)
    assert studio.editor.note_list() == before


def test_upload_a_midi_file(studio, tmp_path):
    from composerlab.music.midi import midi_bytes
    from composerlab.music.samples import load_sample

    studio.upload.value = ({"name": "ode.mid", "type": "audio/midi", "size": 0,
                            "content": memoryview(midi_bytes(load_sample("ode_to_joy"))),
                            "last_modified": datetime.now(timezone.utc)},)
    assert "Input: ode.mid (30 notes, 1 tracks)" in status(studio), status(studio)
    assert studio.source == "file:ode.mid"


def test_library_rename_delete_from_the_studio(studio):
    studio.save("First")
    cid = studio.library_menu.value
    studio.rename_text.value = "Renamed"
    studio.rename_button.click()
    assert studio.library.get(cid).title == "Renamed" and "Renamed" in studio.library_menu.label
    studio.delete_button.click()
    assert studio.library.list() == [] and studio.library_menu.value is None
    studio.open_button.click()
    assert "The library is empty" in status(studio)


def test_a_model_that_lands_later_appears_with_its_kind_s_parameters(studio, monkeypatch):
    import standin_models

    from composerlab.models.catalog import MODELS, ModelEntry

    monkeypatch.setitem(MODELS, "stretch", ModelEntry("stretch", "extend", "stand-in extender", standin_models.extend,
                                                      "none.md", MODELS["transformer"].parameters))
    monkeypatch.setitem(MODELS, "thin", ModelEntry("thin", "edit", "stand-in editor", standin_models.edit, "none.md",
                                                   MODELS["arcnn"].parameters))
    standin_models.CALLS.clear()
    studio.chain.set_steps([])
    thin = studio.chain.add("thin")
    stretch = studio.chain.add("stretch")
    assert list(thin.controls) == ["iterations", "max_removed", "max_added", "temperature"]
    assert list(stretch.controls) == ["bars", "temperature", "top_k", "top_p"]
    thin.controls["max_removed"].value = 50
    stretch.controls["bars"].value = 2
    stretch.controls["top_k"].value = 8
    studio.chain.seed.value = 4
    studio.generate_button.click()
    assert "Generated with thin -> stretch (seed 4)" in status(studio), status(studio)
    assert standin_models.CALLS == [
        {"kind": "edit", "seed": 4, "iterations": 100, "max_removed": 50.0, "max_added": 100, "temperature": 0.3},
        {"kind": "extend", "seed": 4, "bars": 2, "temperature": 0.9, "top_k": 8, "top_p": 0.95}]
    expected = standin_models.extend(standin_models.edit(studio.input_music(), seed=4, max_removed=50),
                                     seed=4, bars=2, top_k=8)
    assert same_notes(studio.output, expected) and count_notes(expected) > count_notes(studio.input_music()) // 2
    studio.save("Stand-ins")
    entry = studio.library.list()[0]
    assert entry.chain[1] == {"model": "stretch", "params": {"bars": 2, "temperature": 0.9, "top_k": 8, "top_p": 0.95}}
    assert same_notes(studio.library.regenerate(entry.id), studio.output)


def test_a_model_that_breaks_is_a_message_not_silence(studio, monkeypatch):
    from composerlab.models.catalog import MODELS, ModelEntry

    def missing_code(music, seed=0, **params):
        import composerlab.models.not_there  # noqa: F401 (a model whose code is missing)

    monkeypatch.setitem(MODELS, "broken", ModelEntry("broken", "extend", "a model whose code is missing",
                                                     missing_code, "none.md"))
    studio.save("Before")
    studio.chain.set_steps([{"model": "broken", "params": {}}])
    studio.generate_button.click()
    assert "That did not work (ModuleNotFoundError" in status(studio)
    assert studio.output is None and [e.title for e in studio.library.list()] == ["Before"]
