"""Every deck built as a learner's fresh install would, opened in a real headless Chromium, printed to PDF.

Playwright drives Debian's ``chromium`` (never a downloaded browser). Every
request that is not the deck's own file is aborted and recorded, so a deck
that reaches for a web font, a CDN script or an image online fails here.
Screenshots of each deck's first slide and first figure slide go to
``out/slides-check/`` for a person to look at.

With ``CI=true`` a missing Chromium fails the run instead of skipping it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pypdf
import pytest

from browser import chromium_path
from notebook_params import ROOT

CHROMIUM = chromium_path()
SCREENS = ROOT / "out" / "slides-check"
FIXTURE = Path(__file__).resolve().parent / "event_fixture"

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but no chromium on the PATH: the slide browser tests cannot run "
                    "(apt-get install chromium)", pytrace=False)
    pytest.skip("no chromium on the PATH (apt-get install chromium); CI runs these", allow_module_level=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The decks as the command builds them, in a fresh process: ``composerlab slides build --event DIR -o OUT``."""
    from composerlab.slides.build import Built
    from composerlab.slides.deck import deck_paths, read_deck

    out = tmp_path_factory.mktemp("slides")
    done = subprocess.run([sys.executable, "-m", "composerlab", "slides", "build", "--event", str(FIXTURE),
                           "-o", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "5 decks" in done.stdout
    decks = [read_deck(p) for p in deck_paths(ROOT / "slides")]
    return [Built(d.name, d.title, len(d.slides), out / f"{d.name}.html", out / f"{d.name}.pdf") for d in decks]


def open_deck(browser, path: Path):
    """Open a built deck with every non-file request blocked; returns (page, record of problems)."""
    record = {"blocked": [], "failed": [], "console_errors": [], "page_errors": []}
    page = browser.new_page(viewport={"width": 1280, "height": 720})

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            record["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: record["failed"].append(r.url))
    page.on("console", lambda m: record["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: record["page_errors"].append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, record


def test_every_deck_opens_offline_renders_every_slide_and_prints_one_page_per_slide(built, browser):
    from composerlab.slides.deck import read_deck

    SCREENS.mkdir(parents=True, exist_ok=True)
    assert len(built) == 5
    summary = {}
    for deck in built:
        source = read_deck(ROOT / "slides" / f"{deck.name}.md")
        page, record = open_deck(browser, deck.html)
        count = page.locator("section.slide").count()
        assert count == len(source.slides) == deck.slides
        # Every figure image decoded (a broken data: URI has naturalWidth 0).
        widths = page.eval_on_selector_all("figure.fig img", "imgs => imgs.map(i => i.naturalWidth)")
        assert len(widths) == sum(len(s.figures) for s in source.slides)
        assert all(w > 300 for w in widths), widths
        # Nothing runs off a slide: each slide's content fits its 16:9 box.
        overflow = page.evaluate("""() => Array.from(document.querySelectorAll('section.slide')).map(s => {
            s.classList.add('current'); const body = s.querySelector('.body');
            const over = body.scrollHeight - body.clientHeight; s.classList.remove('current'); return over; })""")
        page.evaluate("() => document.querySelector('section.slide').classList.add('current')")
        assert [n + 1 for n, over in enumerate(overflow) if over > 1] == [], f"{deck.name}: slides overflow"
        # Walk through every slide with the keyboard: each becomes the one shown, with a size.
        for number in range(1, count + 1):
            shown = page.locator("section.slide.current")
            assert shown.get_attribute("data-number") == str(number)
            box = shown.bounding_box()
            assert box and box["width"] > 600 and box["height"] > 300
            assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 1281 and box["y"] + box["height"] <= 721
            if number == 1:
                page.screenshot(path=str(SCREENS / f"{deck.name}-first.png"))
            if number == next((s.number for s in source.slides if s.figures), None):
                page.screenshot(path=str(SCREENS / f"{deck.name}-figure-{number}.png"))
            page.keyboard.press("ArrowRight")
        # The speaker notes: hidden on the slide, shown by "s" for the slide on screen.
        page.keyboard.press("Home")
        notes_panel = page.locator(".notes-panel")
        assert not notes_panel.is_visible() and not page.locator("section.current aside.notes").is_visible()
        page.keyboard.press("s")
        if source.slides[0].notes:
            assert source.slides[0].notes.split()[0] in notes_panel.inner_text()
        assert notes_panel.is_visible()
        headings = page.eval_on_selector_all("section.slide", "ss => ss.map(s => (s.querySelector('h1') || "
                                                                "{textContent: ''}).textContent)")
        page.close()
        assert record == {"blocked": [], "failed": [], "console_errors": [], "page_errors": []}, deck.name
        reader = pypdf.PdfReader(deck.pdf)
        pages = len(reader.pages)
        assert pages == count, f"{deck.name}: {pages} PDF pages for {count} slides"
        # One slide per page, in order: each page holds its slide's heading (first words).
        for number, (pdf_page, heading) in enumerate(zip(reader.pages, headings), start=1):
            text = " ".join(unicodedata.normalize("NFKC", pdf_page.extract_text()).split())  # "ﬁ" -> "fi"
            words = unicodedata.normalize("NFKC", heading).split()[:2]
            assert all(w in text for w in words), f"{deck.name} page {number}: {words} not in {text[:80]!r}"
        assert reader.pages[0].mediabox.width / reader.pages[0].mediabox.height == pytest.approx(16 / 9, rel=0.01)
        summary[deck.name] = {"slides": count, "figures": len(widths), "pdf_pages": pages}
    (SCREENS / "summary.json").write_text(json.dumps(summary, indent=1))


def test_awards_deck_shows_the_events_winners(built, browser):
    results = json.loads((FIXTURE / "results.json").read_text())
    awards = next(d for d in built if d.name == "05_awards")
    page, record = open_deck(browser, awards.html)
    text = page.locator("main").text_content()
    for category in ("human", "ai"):
        for entry in results[category][:3]:
            assert entry["composer"] in text
    assert results["quiz_winner"] in text
    assert "build with --event DIR" not in text  # no placeholder left
    winner = page.locator("section.slide", has_text="Judges' award: first place")
    assert results["human"][0]["composer"] in winner.text_content()
    page.keyboard.press("End")
    page.screenshot(path=str(SCREENS / "05_awards-last.png"))
    page.close()
    assert record["console_errors"] == [] and record["blocked"] == []


def test_kickoff_deck_without_an_event_marks_every_placeholder(tmp_path, browser):
    from composerlab.slides.build import build_decks

    (kickoff,) = build_decks(tmp_path, only=["04_kickoff"], pdf=False)
    page, record = open_deck(browser, kickoff.html)
    marked = page.locator(".placeholder").all_text_contents()
    assert any("event.join_url" in m for m in marked) and any("event.deadline" in m for m in marked)
    assert "{{" not in page.locator("main").text_content()
    page.close()
    assert record["console_errors"] == []
