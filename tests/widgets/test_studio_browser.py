"""The standalone studio page (``composerlab studio``) in headless Chromium, as a learner uses it.

Click a key: the keyboard takes the focus and says so; type a tune's letters on the computer keys
(both rows: the whole keyboard shown); hand it to the editor and drag a note; generate with a
two-model chain; play it and watch the playhead follow the sound (one sound per Play); put the
soprano on a piano and mute the tenor, then save, download in one click and submit to the real
event server: the library's entry, the downloaded file and the event's file have the same
instruments and notes. Delete asks first. No request leaves this computer, the console has no
error, axe-core finds nothing serious, and the page fits 1366x768 and a 1024-wide projector.
Then bad input (a MIDI keyboard through Web MIDI, an empty take, a file that is not MIDI, a server
that is down or refuses), and the kernels: five reloads leave at most one alive, a closed page
none, and a page lost without a goodbye is culled by Jupyter's own culler.

Screenshots of each state go to ``out/studio_screenshots/``. Submissions go to ``composerlab.event``'s
FastAPI app under uvicorn on 127.0.0.1 (``LiveEvent``), whose store must then hold the file.
"""
from __future__ import annotations

import pytest
from axe import audit, horizontal_overflow
from browser import LiveEvent
from eventkit import free_port
from studio_pages import (
    COUNT_SOUNDS,
    TWINKLE_KEYS,
    TWINKLE_PITCHES,
    keyboard_has_focus,
    notes_on_keyboard,
    play_and_follow,
    wait_notes,
    serve_studio,
    shot,
    stop_studio,
    wait_said,
    watch,
)

from composerlab.models.library import Library, same_notes
from composerlab.music.midi import read_midi

CW, GUTTER = 14, 40  # the roll's cell width and name column (static/roll.js)


def open_studio(chromium, url, width=1366, height=768, init_script=COUNT_SOUNDS, **options):
    context = chromium.new_context(viewport={"width": width, "height": height}, **options)
    context.add_init_script(init_script)
    page = context.new_page()
    seen = watch(context, page)
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".cl-studio .cl-editor svg .cl-note", timeout=180_000)
    return context, page, seen


@pytest.mark.slow
def test_keys_generate_listen_and_what_is_heard_is_what_is_kept(chromium, studio_page, tmp_path):
    url, library_folder = studio_page
    context, page, seen = open_studio(chromium, url, accept_downloads=True)
    shot(page, "01_opened_1366x768", whole=None)
    shot(page, "01_opened_whole")
    assert audit(page) == []  # axe-core: no serious or critical finding
    assert horizontal_overflow(page) == 0
    page.set_viewport_size({"width": 1024, "height": 768})  # a classroom projector
    assert horizontal_overflow(page) == 0
    shot(page, "02_projector_1024", whole=None)
    page.set_viewport_size({"width": 1366, "height": 768})

    # 1. Click a key: the keyboard has the focus and says the computer keys are on; type Twinkle's first bar.
    page.locator(".lm-TabBar-tab", has_text="Keyboard").click()
    assert "Computer keys off" in page.locator(".cl-keyboard .cl-typing").inner_text()
    page.locator(".cl-keyboard [data-pitch='60']").click(position={"x": 18, "y": 110})
    assert keyboard_has_focus(page)
    wait_notes(page, 1)
    assert "Computer keys on" in page.locator(".cl-keyboard .cl-typing").inner_text()
    assert "cl-typing-on" in page.locator(".cl-keyboard").get_attribute("class")
    page.keyboard.type(TWINKLE_KEYS, delay=60)
    wait_notes(page, 1 + len(TWINKLE_KEYS))
    page.keyboard.press("z")  # the lowest key shown (C3) and the highest (C5): the whole keyboard is reachable
    page.keyboard.press("i")
    wait_notes(page, 10)
    shot(page, "03_computer_keys_on")
    page.locator(".cl-keyboard .cl-undo").click()
    page.locator(".cl-keyboard .cl-undo").click()
    wait_notes(page, 8)
    page.keyboard.press("Escape")  # lets go: the keys are off again
    page.wait_for_function("() => document.querySelector('.cl-keyboard .cl-typing').innerText.includes('off')")
    page.locator(".cl-take-keyboard").click()
    wait_said(page, "input", "your keyboard melody (8 notes)")

    # 2. The editor shows them; drag the second note two semitones up.
    page.locator(".lm-TabBar-tab", has_text="Editor").click()
    page.wait_for_function("() => document.querySelectorAll('.cl-editor .cl-note').length === 8")
    pitches = page.eval_on_selector_all(".cl-editor .cl-note", "ns => ns.map(n => +n.dataset.pitch)")
    assert sorted(pitches) == sorted([60] + TWINKLE_PITCHES)
    note = page.locator(".cl-editor .cl-note[data-index='1']")
    before = int(note.get_attribute("data-pitch"))
    box = note.bounding_box()
    x, y = box["x"] + 4, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 12, steps=3)
    page.mouse.move(x, y - 24, steps=3)
    page.mouse.up()
    page.wait_for_function(f"() => +document.querySelector(\".cl-editor .cl-note[data-index='1']\").dataset.pitch"
                           f" === {before + 2}")

    # 3. A two-model chain, the AR-CNN into the Bach GAN, then Generate.
    page.locator(".cl-add-model").click()
    page.wait_for_function("() => document.querySelectorAll('.cl-model select').length === 2")
    page.locator(".cl-model select").nth(0).select_option(label="arcnn (edit)")
    page.locator(".cl-model select").nth(1).select_option(label="bach (accompany)")
    page.wait_for_function("() => document.body.innerText.includes('max removed %')")
    page.locator(".cl-seed input").fill("3")
    page.locator(".cl-seed input").press("Enter")
    page.locator(".cl-generate:not([disabled])").click(timeout=180_000)  # enabled once a model is warm
    wait_said(page, "models", "Generated with arcnn -> bach (seed 3)", timeout=120_000)

    # 4. Listen: the output in the roll, four tracks; Play starts one sound and the playhead follows it.
    page.wait_for_selector(".cl-roll-player[data-sound='ready']", timeout=60_000)
    assert page.locator(".cl-roll-player .cl-track-row").count() == 4
    assert page.locator(".cl-roll-player .cl-view[data-view='output']").get_attribute("aria-pressed") == "true"
    shot(page, "04_generated")
    played = play_and_follow(page)
    assert played["sounds"] == 1, played  # one Play, one sound
    assert played["peak"] > 0.3 and played["duration"] > 4, played  # real sound, not silence
    assert played["position"] > 0.8, played
    tempo = 100  # the keyboard's tempo: 100 quarter notes a minute, 4 cells each
    assert played["x"] == pytest.approx(GUTTER + played["position"] * tempo / 60 * 4 * CW, abs=CW), played
    shot(page, "05_playing")

    # 5. The soprano on a piano, the tenor muted; then save, download in one click, submit.
    page.locator(".cl-roll-player .cl-track-row").nth(0).locator("select").select_option("0")
    page.locator(".cl-roll-player .cl-track-row").nth(2).locator("input[type=checkbox]").check()
    wait_said(page, "listen", "without Tenor")
    page.wait_for_selector(".cl-roll-player[data-sound='ready']", timeout=60_000)
    page.locator(".cl-title input").fill("Browser song")
    page.locator(".cl-save").click()
    wait_said(page, "keep", "Saved 'Browser song'")
    [entry] = Library(library_folder).list()
    assert [n[1] for n in entry.input["tracks"][0]["notes"]] == [
        p + 2 if i == 1 else p for i, p in enumerate([60] + TWINKLE_PITCHES)]
    saved = Library(library_folder).load(entry.id)
    with page.expect_download() as download:
        page.locator(".cl-downloads .cl-download-mid").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    exported = read_midi(path)
    assert path.name == "Browser_song.mid" and "Downloaded Browser_song.mid" in page.locator(".cl-downloads").inner_text()
    (tmp_path / "event_home").mkdir()
    event = LiveEvent(tmp_path / "event_home")
    try:
        page.locator(".cl-server input").fill(event.url)
        page.locator(".cl-alias input").fill("ada")
        page.locator(".cl-entry-title input").fill("Browser song")
        page.locator(".cl-submit").click()
        page.wait_for_selector(".cl-accepted", timeout=30_000)
        [row] = event.store.submissions()
        submitted = read_midi(event.folder / "event" / "submissions" / row.stored_as)
        assert f"Received: entry #{row.id}, stored as {row.stored_as} (eligible)" in \
            page.locator(".cl-receipt").inner_text()
    finally:
        event.close()
    programs = [t.program for t in saved.tracks]
    assert programs == [0, 40, 42]  # piano, violin, cello: the tenor (viola) was muted
    assert programs == [t.program for t in exported.tracks] == [t.program for t in submitted.tracks]
    assert same_notes(saved, exported) and same_notes(exported, submitted)
    shot(page, "06_saved_downloaded_submitted")

    # 6. Delete asks first; "Keep it" keeps it. A new output clears the old one's download and receipt.
    page.locator(".cl-delete").click()
    page.wait_for_selector(".cl-ask .cl-question:has-text(\"Delete 'Browser song' from your library? It cannot be "
                           "undone.\")")
    shot(page, "07_delete_asks")
    page.locator(".cl-cancel-delete").click()
    assert len(Library(library_folder).list()) == 1
    page.locator(".cl-generate").click()
    wait_said(page, "models", "Generated with arcnn -> bach (seed 3)")
    page.wait_for_function("() => !document.querySelector('.cl-receipt').innerText.trim()")
    assert page.locator(".cl-downloads .cl-message").inner_text() == ""

    assert page.locator("[title='null']").count() == 0
    assert audit(page) == []
    assert seen.outside == [], f"the page asked other hosts: {seen.outside}"
    assert seen.errors == [], seen.errors
    page.close(run_before_unload=True)  # as a tab is closed: its kernel ends
    context.close()


FAKE_MIDI = """(() => {
  const input = { name: "Test MIDI keyboard", onmidimessage: null };
  navigator.requestMIDIAccess = () => Promise.resolve({ inputs: new Map([["1", input]]) });
  window.__midi = (status, pitch, velocity) => input.onmidimessage && input.onmidimessage({ data: [status, pitch, velocity] });
})();"""
"""A MIDI keyboard for the page: Chromium offers Web MIDI, but this machine has no device to plug in."""


@pytest.mark.slow
def test_midi_keys_and_bad_input_are_answered_beside_the_button(chromium, studio_page, tmp_path):
    url, library_folder = studio_page
    saved_before = sorted(p.name for p in library_folder.glob("*")) if library_folder.exists() else []
    context, page, seen = open_studio(chromium, url, init_script=FAKE_MIDI)
    page.locator(".lm-TabBar-tab", has_text="Keyboard").click()

    # A hardware keyboard through Web MIDI, then the computer keys after a click on the keyboard's frame.
    page.wait_for_function("() => document.querySelector('.cl-midi').innerText.includes('Test MIDI keyboard')")
    for pitch in (72, 74):
        page.evaluate(f"() => {{ __midi(0x90, {pitch}, 100); __midi(0x80, {pitch}, 0); }}")
    wait_notes(page, 2)
    page.locator(".cl-keyboard").click(position={"x": 4, "y": 4})  # the keyboard's frame, not a key
    assert keyboard_has_focus(page)
    for key in ("z", "c", "b"):
        page.keyboard.press(key)
    wait_notes(page, 5)
    page.keyboard.press("ArrowRight")  # an octave up: z is now C4
    page.keyboard.press("z")
    wait_notes(page, 6)
    page.locator(".cl-keyboard .cl-undo").click()
    page.locator(".cl-take-keyboard").click()
    wait_said(page, "input", "your keyboard melody (5 notes)")
    pitches = page.eval_on_selector_all(".cl-editor .cl-note", "ns => ns.map(n => +n.dataset.pitch)")
    assert pitches == [72, 74, 48, 52, 55]  # in time order: MIDI notes first, then z c b

    # An empty recording: a message, and the melody stays; Undo clears the message.
    page.locator(".cl-keyboard .cl-record").click()
    page.wait_for_function("() => document.querySelector('.cl-beat').innerText.startsWith('recording')",
                           timeout=10_000)
    page.locator(".cl-keyboard .cl-record").click()
    page.wait_for_function("() => document.querySelector('.cl-keyboard .cl-message').innerText"
                           ".startsWith('Nothing was recorded')")
    assert notes_on_keyboard(page) == 5
    shot(page, "11_empty_recording")

    # An upload that is not MIDI: the reason beside the upload button, which counts no file waiting.
    with page.expect_file_chooser() as chooser:
        page.locator(".cl-upload").click()
    chooser.value.set_files(
        files=[{"name": "song.txt", "mimeType": "text/plain", "buffer": b"Twinkle twinkle little star"}])
    wait_said(page, "input", "song.txt: is not a MIDI file (it starts with 'Twinkle twinkle little...')")
    assert page.locator(".cl-say-input .cl-error").count() == 1
    page.wait_for_function("() => document.querySelector('.cl-upload').innerText.includes('(0)')")
    shot(page, "12_not_midi")

    # A server that is down, then the real event server refusing a second piece over its limit of one.
    page.locator(".cl-alias input").fill("ada")
    page.locator(".cl-entry-title input").fill("Try")
    down = f"http://127.0.0.1:{free_port()}"
    page.locator(".cl-server input").fill(down)
    page.locator(".cl-submit").click()
    wait_said(page, "submit", f"could not reach the event server at {down}")
    assert "Not submitted" in page.locator(".cl-receipt").inner_text()
    (tmp_path / "event_home").mkdir()
    event = LiveEvent(tmp_path / "event_home", max_per_composer=1)
    try:
        page.locator(".cl-server input").fill(event.url)
        page.locator(".cl-submit").click()
        page.wait_for_selector(".cl-accepted", timeout=30_000)
        page.locator(".cl-entry-title input").fill("Try again")
        page.locator(".cl-submit").click()
        wait_said(page, "submit", "the event server refused the file: ada has sent 1 composition already; "
                                  "the limit is 1 per composer")
        assert "Not submitted" in page.locator(".cl-receipt").inner_text()
        assert [r.title for r in event.store.submissions()] == ["Try"] and len(event.stored_files()) == 1
        shot(page, "13_server_refused")
    finally:
        event.close()

    after = sorted(p.name for p in library_folder.glob("*")) if library_folder.exists() else []
    assert after == saved_before  # nothing lost from the library
    assert seen.errors == [] and seen.outside == []
    page.close(run_before_unload=True)
    context.close()


@pytest.mark.slow
def test_reloads_and_closes_end_their_kernels(chromium, tmp_path):
    """Five reloads leave one kernel (the page's); closing the page leaves none."""
    server = serve_studio(tmp_path)
    try:
        context = chromium.new_context()
        page = context.new_page()
        seen = watch(context, page)
        alive = []
        page.goto(server.url, timeout=120_000)
        page.wait_for_selector(".cl-studio", timeout=180_000)
        for _ in range(5):
            page.reload(timeout=120_000)
            page.wait_for_selector(".cl-studio", timeout=180_000)
            alive.append(server.wait_for_kernels(most=1))
        assert alive == [1] * 5, f"kernels alive after each reload: {alive}"
        page.close(run_before_unload=True)  # as a tab is closed
        assert server.wait_for_kernels(most=0) == 0
        assert "_xsrf" not in server.log.read_text()  # every shutdown request was accepted
        assert seen.errors == []
        context.close()
    finally:
        stop_studio(server)


@pytest.mark.slow
def test_a_page_lost_without_a_goodbye_is_culled(chromium, tmp_path):
    """A browser that dies sends no shutdown: Jupyter's culler ends the idle kernel (here after 3 s)."""
    server = serve_studio(tmp_path, cull_idle_s=3, cull_interval_s=1)
    try:
        context = chromium.new_context()
        page = context.new_page()
        page.goto(server.url, timeout=120_000)
        page.wait_for_selector(".cl-generate:not([disabled])", timeout=180_000)
        assert server.kernels() == 1
        context.close()  # no beforeunload: nothing tells the server
        assert server.wait_for_kernels(most=0, timeout=60) == 0
        assert "Culling" in server.log.read_text()  # Jupyter's culler did it
    finally:
        stop_studio(server)
