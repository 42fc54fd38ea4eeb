"""Deck sources, results files and the ``composerlab slides`` command, without a browser."""
from __future__ import annotations

import base64
import io
import json

import pytest

from composerlab.cli import main
from composerlab.slides.build import build_decks, slides_dir
from composerlab.slides.deck import PLACEHOLDERS, DeckError, deck_paths, parse_deck, read_deck
from composerlab.slides.figures import FIGURES, FigureError, draw
from composerlab.slides.html import fill, render_deck
from composerlab.slides.results import ResultsError, load_event_dir, load_results, results_from_dict
from notebook_params import ROOT

FIXTURE = ROOT / "tests" / "slides" / "event_fixture"

SOURCE = """# A deck

first slide

Notes:
say hello
---
::: class split
# Second

- a point {{ event.name }}

::: figure pianoroll sample=twinkle bars=2 caption="Twinkle, 2 bars"

```text
---
::: not a directive inside code
```
---

# Third
"""


def test_slides_breaks_notes_directives_and_code():
    deck = parse_deck(SOURCE, name="demo")
    assert deck.title == "A deck" and len(deck.slides) == 3
    first, second, third = deck.slides
    assert first.notes == "say hello" and "say hello" not in first.parts[0]
    assert second.classes == ["split"]
    (figure,) = second.figures
    assert figure.args == ["pianoroll"] and figure.params == {"sample": "twinkle", "bars": "2",
                                                              "caption": "Twinkle, 2 bars"}
    assert "::: not a directive" in second.parts[-1]  # the code block kept its text and its ---
    assert third.number == 3 and third.line == 20


@pytest.mark.parametrize("source, message", [
    ("# T\n::: video clip.mp4", "unknown directive"),
    ("# T\n::: class fancy", "unknown layout"),
    ("# T\n::: figure", "needs a name"),
    ("# T\n{{ event.nmae }}", "unknown placeholder {{ event.nmae }}"),
    ("no title here", "needs a '# Title'"),
    ("---\n---\n", "no slides"),
])
def test_a_bad_deck_says_where_and_why(source, message):
    with pytest.raises(DeckError, match=message.replace("{", r"\{").replace("}", r"\}")) as err:
        parse_deck(source, name="bad")
    assert str(err.value).startswith("bad.md")


def test_every_shipped_deck_parses_and_uses_only_known_figures():
    paths = deck_paths(slides_dir())
    assert [p.stem for p in paths] == ["01_welcome", "02_gans", "03_arcnn_transformers", "04_kickoff", "05_awards"]
    for path in paths:
        deck = read_deck(path)
        assert len(deck.slides) >= 8, path.name
        for slide in deck.slides:
            assert all(f.args[0] in FIGURES for f in slide.figures), (path.name, slide.number)
    assert sum(len(s.figures) for p in paths[:3] for s in read_deck(p).slides) >= 8


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_draws_a_png(name):
    results = load_results(FIXTURE / "results.json")
    uri = draw(name, {}, results, {"event.join_url": "http://192.168.1.20:8000/"})
    png = base64.b64decode(uri.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_qr_code_encodes_the_join_link_or_marks_its_absence():
    import numpy as np
    import segno

    url = "http://192.168.1.20:8000/"
    with_link = draw("qr", {}, None, {"event.join_url": url})
    without = draw("qr", {}, None, {})
    assert with_link != without

    from PIL import Image

    def dark_share(uri):
        image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")
        return float((np.asarray(image) < 128).mean())

    # A QR symbol is about half dark modules; the placeholder is a line of text.
    assert 0.25 < dark_share(with_link) < 0.6 and dark_share(without) < 0.05
    assert np.array(segno.make(url, error="m").matrix).shape[0] >= 21


def test_unknown_figure_and_bad_parameter():
    with pytest.raises(FigureError, match="unknown figure 'spectrogram'"):
        draw("spectrogram", {})
    with pytest.raises(FigureError, match="no sample at iteration 7"):
        draw("gan_sample", {"iteration": "7"})
    with pytest.raises(FigureError, match="unknown metric 'loudness'"):
        draw("gan_metric", {"metric": "loudness"})


def test_placeholders_are_escaped_or_marked():
    assert fill("by {{ event.name }}", {"event.name": "<b>*jam*</b>"}) == r"by &lt;b&gt;\*jam\*&lt;/b&gt;"
    marked = fill("go to {{ event.join_url }}", {})
    assert 'class="placeholder"' in marked and "event.join_url" in marked
    assert set(PLACEHOLDERS) >= {"event.name", "event.join_url", "results.quiz_winner"}


def test_results_loader_reads_the_fixture_in_rank_order():
    results = load_results(FIXTURE / "results.json")
    assert results.event == "composition-jam" and results.quiz_winner == "noor_h"
    assert [e.composer for e in results.human[:3]] == ["ada_lovelace", "joshr", "mira_k"]
    assert results.ai[0].points == pytest.approx(88.4)
    shuffled = results_from_dict({"event": "e", "human": [{"rank": 2, "composer": "b", "points": 5},
                                                          {"rank": 1, "composer": "a", "points": 9}],
                                  "quiz_winner": {"name": "q", "points": 900}})
    assert [e.composer for e in shuffled.human] == ["a", "b"] and shuffled.quiz_winner == "q" and shuffled.ai == []


def test_the_event_servers_export_rows_load_as_they_are():
    # Rows shaped like composerlab.event.exports.leaderboard_json / ai_json (the event branch).
    final = [{"rank": 1, "id": 7, "composer": "ada", "title": "Fugue", "stored_as": "jam-ada-Fugue.mid",
              "points": 27.5, "originality": 9, "balance": 9.5, "emotional": 9, "judges": 2, "podium": True}]
    ai = [{"rank": 1, "id": 7, "composer": "ada", "title": "Fugue", "score": 81.2, "classifier": 0.8,
           "pitch": 0.82, "why": "", "error": None, "podium": True},
          {"rank": None, "id": 9, "composer": "ben", "title": "Broken", "score": None, "error": "not a MIDI file"}]
    results = results_from_dict({"event": "jam", "human": final, "ai": ai, "quiz_winner": "cleo"})
    assert [(e.composer, e.points) for e in results.human] == [("ada", 27.5)]
    assert [(e.composer, e.points) for e in results.ai] == [("ada", 81.2)]


@pytest.mark.parametrize("data, message", [
    ([], "expected a JSON object"),
    ({"human": []}, "'event'"),
    ({"event": "e", "human": [{"rank": 1, "points": 3}]}, "human\\[0\\] has no 'composer'"),
    ({"event": "e", "ai": [{"rank": "first", "composer": "a", "points": 3}]}, "rank must be a whole number"),
    ({"event": "e", "ai": {"composer": "a"}}, "must be a list"),
])
def test_bad_results_say_what_is_wrong(data, message):
    with pytest.raises(ResultsError, match=message):
        results_from_dict(data, where="results.json")


def test_bad_event_folders(tmp_path):
    with pytest.raises(ResultsError, match="no such event folder"):
        load_event_dir(tmp_path / "missing")
    with pytest.raises(ResultsError, match="holds no event.db, event.json or results.json"):
        load_event_dir(tmp_path)
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(ResultsError, match="not valid JSON"):
        load_event_dir(tmp_path)


def test_awards_html_holds_the_winners_and_escapes_names(tmp_path):
    data = json.loads((FIXTURE / "results.json").read_text())
    data["human"][0]["composer"] = "<script>alert(1)</script>"
    results = results_from_dict(data)
    html = render_deck(read_deck(slides_dir() / "05_awards.md"), {"results.event": "composition-jam"}, results)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "mira_k" in html and "tomas" in html and "88.4 / 100" in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch


def test_cli_builds_html_only_and_reports_bad_input(tmp_path, capsys):
    assert main(["slides", "build", "--no-pdf", "--deck", "04_kickoff", "--event", str(FIXTURE),
                 "-o", str(tmp_path)]) == 0
    html = (tmp_path / "04_kickoff.html").read_text()
    assert "http://192.168.1.20:8000/submit" in html and "composition-jam" in html and "15:00" in html
    assert 'class="placeholder"' not in html
    assert "04_kickoff" in capsys.readouterr().out
    assert main(["slides", "build", "--no-pdf", "--deck", "06_nothing", "-o", str(tmp_path)]) == 2
    assert "no deck named 06_nothing" in capsys.readouterr().err
    bad = tmp_path / "src"
    bad.mkdir()
    (bad / "x.md").write_text("# X\n::: figure nope\n")
    assert main(["slides", "build", "--no-pdf", "--source", str(bad), "-o", str(tmp_path / "o")]) == 2
    assert "unknown figure 'nope'" in capsys.readouterr().err


def test_cli_list(capsys):
    assert main(["slides", "list"]) == 0
    out = capsys.readouterr().out
    assert "02_gans" in out and "GANs: a generator and a critic" in out


def test_build_without_pdf_writes_one_html_per_deck(tmp_path):
    built = build_decks(tmp_path, pdf=False, only=["01_welcome", "05_awards"])
    assert [b.html.name for b in built] == ["01_welcome.html", "05_awards.html"] and all(b.pdf is None for b in built)


def test_outputs_follow_composerlab_out(tmp_path, monkeypatch, capsys):
    # On a JupyterHub every learner imports one shared install; COMPOSERLAB_OUT sends outputs home.
    from composerlab.paths import out_dir

    monkeypatch.setenv("COMPOSERLAB_OUT", str(tmp_path / "mine"))
    assert out_dir() == tmp_path / "mine" and out_dir().is_dir()
    assert main(["slides", "build", "--no-pdf", "--deck", "01_welcome"]) == 0
    assert (tmp_path / "mine" / "slides" / "01_welcome.html").exists()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("COMPOSERLAB_OUT", "~/out2")
    assert out_dir() == tmp_path / "out2"
