"""The standalone studio page (``composerlab studio``) in headless Chromium, as a learner uses it.

Play eight notes on the on-screen keyboard while recording, see them in the editor, drag one to a
new pitch, generate with a two-model chain, hear non-silent audio, save, reopen from the library,
export a MIDI file whose notes match, submit and see the receipt. Every request the page makes is
checked to stay on this computer (Voila's page included: no CDN font or script). Screenshots of each
state go to ``out/studio_screenshots/``. Submissions go to the real event server: ``composerlab.event``'s
FastAPI app under uvicorn on 127.0.0.1 (``LiveEvent``), whose store must then hold the file.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser import LiveEvent
from eventkit import free_port

from composerlab.models.library import Library
from composerlab.music.midi import read_midi, read_midi_bytes
from composerlab.music.pianoroll import track_notes

SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "studio_screenshots"
PLAYED = [60, 62, 64, 65, 67, 69, 71, 72]
LOCAL = {"127.0.0.1", "localhost", ""}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def status(page) -> str:
    return page.locator(".cl-studio-status").inner_text()


def wait_status(page, text: str, timeout: float = 60_000) -> None:
    page.wait_for_function("t => document.querySelector('.cl-studio-status')?.innerText.includes(t)", arg=text,
                           timeout=timeout)


@pytest.mark.slow
def test_keyboard_record_edit_generate_save_export_submit(chromium, studio_page, tmp_path):
    url, library_folder = studio_page
    outside: list[str] = []
    context = chromium.new_context(viewport={"width": 1300, "height": 2300}, accept_downloads=True)

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".cl-studio .cl-editor svg .cl-note", timeout=180_000)
    shot(page, "01_opened")

    # 1. Record eight notes on the on-screen keyboard, with the count-in.
    page.locator(".lm-TabBar-tab", has_text="Keyboard").click()
    page.wait_for_selector(".cl-keyboard [data-pitch='60']")
    page.locator(".cl-keyboard .cl-record").click()
    page.wait_for_function("() => document.querySelector('.cl-beat').innerText.startsWith('recording')",
                           timeout=10_000)
    for pitch in PLAYED:
        box = page.locator(f".cl-keyboard [data-pitch='{pitch}']").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 15)
        page.mouse.down()
        page.wait_for_timeout(250)
        page.mouse.up()
        page.wait_for_timeout(330)
    shot(page, "02_recording")
    page.locator(".cl-keyboard .cl-record").click()
    page.wait_for_function("() => document.querySelector('.cl-keyboard .cl-count').innerText === '8 notes'",
                           timeout=20_000)
    page.locator(".cl-take-keyboard").click()
    wait_status(page, "your keyboard melody (8 notes)")
    shot(page, "03_recorded")

    # 2. The editor shows them; drag the second note two semitones up.
    page.locator(".lm-TabBar-tab", has_text="Editor").click()
    page.wait_for_function("() => document.querySelectorAll('.cl-editor .cl-note').length === 8")
    pitches = page.eval_on_selector_all(".cl-editor .cl-note", "ns => ns.map(n => +n.dataset.pitch)")
    assert sorted(pitches) == sorted(PLAYED)
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
    shot(page, "04_edited")

    # 3. A two-model chain, the AR-CNN into the Bach GAN, then Generate.
    page.locator(".cl-add-model").click()
    page.wait_for_function("() => document.querySelectorAll('.cl-model select').length === 2")
    page.locator(".cl-model select").nth(0).select_option(label="arcnn (edit)")
    page.locator(".cl-model select").nth(1).select_option(label="bach (accompany)")
    page.wait_for_function("() => document.body.innerText.includes('max removed %')")
    page.locator(".cl-seed input").fill("3")
    page.locator(".cl-seed input").press("Enter")
    page.locator(".cl-generate").click(timeout=180_000)  # enabled once the studio has warmed its models up
    wait_status(page, "Generated with", timeout=120_000)
    assert "arcnn -> bach (seed 3)" in status(page)
    # Hear it: the output's audio element holds sound, not silence (it is rendered just after the answer).
    page.wait_for_function("() => document.body.innerText.includes('4 of 4 tracks')", timeout=60_000)
    peak = page.evaluate("""async () => {
        const audio = document.querySelector('.cl-output-audio');
        const data = await (await fetch(audio.src)).arrayBuffer();
        const buffer = await new OfflineAudioContext(2, 44100, 44100).decodeAudioData(data);
        let peak = 0;
        for (const x of buffer.getChannelData(0)) peak = Math.max(peak, Math.abs(x));
        return [peak, buffer.duration];
    }""")
    assert peak[0] > 0.3 and peak[1] > 4, peak
    shot(page, "05_generated")

    # 4. Save, then reopen from the library.
    page.locator(".cl-title input").fill("Browser song")
    page.locator(".cl-save").click()
    wait_status(page, "Saved 'Browser song'")
    [entry] = Library(library_folder).list()
    assert [n[1] for n in entry.input["tracks"][0]["notes"]] == [
        p + 2 if i == 1 else p for i, p in enumerate(PLAYED)]
    page.locator(".cl-open").click()
    wait_status(page, "Opened 'Browser song'")
    shot(page, "06_reopened")

    # 5. Export MIDI: the downloaded file has the saved notes.
    page.locator(".cl-export-midi").click()
    page.wait_for_selector("a.cl-download")
    with page.expect_download() as download:
        page.locator("a.cl-download").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    exported, saved = read_midi(path), Library(library_folder).load(entry.id)
    assert [track_notes(t) for t in exported.tracks] == [track_notes(t) for t in saved.tracks]
    assert len(exported.tracks) == 4
    shot(page, "07_exported")

    # 6. Submit to the real event server, see the receipt, and find the file in the event's store.
    (tmp_path / "event_home").mkdir()
    event = LiveEvent(tmp_path / "event_home")
    try:
        page.locator(".cl-server input").fill(event.url)
        page.locator(".cl-alias input").fill("ada")
        page.locator(".cl-entry-title input").fill("Browser song")
        page.locator(".cl-submit").click()
        page.wait_for_selector(".cl-accepted", timeout=30_000)
        [row] = event.store.submissions()
        stored = event.folder / "event" / "submissions" / row.stored_as
        assert (row.alias, row.title, row.eligible) == ("ada", "Browser song", True)
        assert f"Received: entry #{row.id}, stored as {row.stored_as} (eligible)" in \
            page.locator(".cl-receipt").inner_text()
        assert [track_notes(t) for t in read_midi(stored).tracks] == [track_notes(t) for t in saved.tracks]
        shot(page, "08_submitted")
    finally:
        event.close()

    assert outside == [], f"the page asked other hosts: {outside}"
    assert errors == [], errors
    context.close()


FAKE_MIDI = """(() => {
  const input = { name: "Test MIDI keyboard", onmidimessage: null };
  navigator.requestMIDIAccess = () => Promise.resolve({ inputs: new Map([["1", input]]) });
  window.__midi = (status, pitch, velocity) => input.onmidimessage && input.onmidimessage({ data: [status, pitch, velocity] });
})();"""
"""A MIDI keyboard for the page: Chromium offers Web MIDI, but this machine has no device to plug in."""


@pytest.mark.slow
def test_midi_keys_computer_keys_and_bad_input(chromium, studio_page, tmp_path):
    url, library_folder = studio_page
    saved_before = sorted(p.name for p in library_folder.glob("*")) if library_folder.exists() else []
    context = chromium.new_context(viewport={"width": 1300, "height": 2300})
    context.add_init_script(FAKE_MIDI)
    page = context.new_page()
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".cl-studio .cl-editor svg .cl-note", timeout=180_000)
    page.locator(".lm-TabBar-tab", has_text="Keyboard").click()
    count = page.locator(".cl-keyboard .cl-count")

    # A hardware keyboard through Web MIDI, then the computer keys (a = the lowest C shown, C3).
    page.wait_for_function("() => document.querySelector('.cl-midi').innerText.includes('Test MIDI keyboard')")
    for pitch in (72, 74):
        page.evaluate(f"() => {{ __midi(0x90, {pitch}, 100); __midi(0x80, {pitch}, 0); }}")
    page.wait_for_function("() => document.querySelector('.cl-keyboard .cl-count').innerText === '2 notes'")
    page.locator(".cl-keyboard").focus()
    for key in ("a", "d", "g"):
        page.keyboard.press(key)
    page.wait_for_function("() => document.querySelector('.cl-keyboard .cl-count').innerText === '5 notes'")
    page.locator(".cl-keyboard .cl-undo").click()
    page.wait_for_function("() => document.querySelector('.cl-keyboard .cl-count').innerText === '4 notes'")
    page.locator(".cl-take-keyboard").click()
    wait_status(page, "your keyboard melody (4 notes)")
    pitches = page.eval_on_selector_all(".cl-editor .cl-note", "ns => ns.map(n => +n.dataset.pitch)")
    assert pitches == [72, 74, 48, 52]  # in time order: MIDI notes first, then a and d
    shot(page, "11_midi_and_computer_keys")

    # An empty recording: a message, and the melody stays.
    page.locator(".cl-keyboard .cl-record").click()
    page.wait_for_function("() => document.querySelector('.cl-beat').innerText.startsWith('recording')",
                           timeout=10_000)
    page.locator(".cl-keyboard .cl-record").click()
    page.wait_for_function("() => document.querySelector('.cl-keyboard .cl-message').innerText"
                           ".startsWith('Nothing was recorded')")
    assert count.inner_text() == "4 notes"
    shot(page, "12_empty_recording")

    # An upload that is not MIDI.
    with page.expect_file_chooser() as chooser:
        page.locator(".cl-upload").click()
    chooser.value.set_files(
        files=[{"name": "song.txt", "mimeType": "text/plain", "buffer": b"Twinkle twinkle little star"}])
    wait_status(page, "song.txt: is not a MIDI file (it starts with 'Twinkle twinkle little...')")
    assert page.locator(".cl-studio-status .cl-error").count() == 1
    shot(page, "13_not_midi")

    # A server that is down, then the real event server refusing a second piece over its limit of one.
    page.locator(".cl-alias input").fill("ada")
    page.locator(".cl-entry-title input").fill("Try")
    down = f"http://127.0.0.1:{free_port()}"
    page.locator(".cl-server input").fill(down)
    page.locator(".cl-submit").click()
    wait_status(page, f"could not reach the event server at {down}")
    assert "Not submitted" in page.locator(".cl-receipt").inner_text()
    shot(page, "14_server_down")
    (tmp_path / "event_home").mkdir()
    event = LiveEvent(tmp_path / "event_home", max_per_composer=1)
    try:
        page.locator(".cl-server input").fill(event.url)
        page.locator(".cl-submit").click()
        page.wait_for_selector(".cl-accepted", timeout=30_000)
        page.locator(".cl-entry-title input").fill("Try again")
        page.locator(".cl-submit").click()
        wait_status(page, "the event server refused the file: ada has sent 1 composition already; "
                          "the limit is 1 per composer")
        assert "Not submitted" in page.locator(".cl-receipt").inner_text()
        assert [r.title for r in event.store.submissions()] == ["Try"] and len(event.stored_files()) == 1
        shot(page, "15_server_refused")
    finally:
        event.close()

    after = sorted(p.name for p in library_folder.glob("*")) if library_folder.exists() else []
    assert after == saved_before  # nothing lost from the library
    context.close()
