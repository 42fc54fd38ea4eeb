"""The HTML pages in-process: forms post and redirect; whatever a person typed is shown escaped everywhere."""
import re

from eventkit import event  # noqa: F401  (a fixture)

EVIL = "<script>alert('x')</script>"


def test_submission_page_redirects_to_a_receipt_that_a_reload_never_sends_again(event):
    from eventkit import midi_upload

    page = event.client.get("/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert "1 piece</strong> per contestant goes to the human judges" in page.text and "2.0 MB" in page.text
    midi = midi_upload(event.folder)
    done = event.client.post("/submit", data={"alias": "mozzie", "title": "First Light"},
                             files={"file": ("mine.mid", midi, "audio/midi")}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/receipt/")
    receipt = event.client.get(done.headers["location"])
    assert receipt.status_code == 200 and "summit_24-mozzie-first_light.mid" in receipt.text
    assert "not eligible" not in receipt.text and 'id="replace-form"' in receipt.text
    assert re.search(r'<time id="received" datetime="\d{4}-\d\d-\d\dT[^"]+">\w{3} \d\d \w{3} \d{4}, '
                     r'\d\d:\d\d:\d\d \w+</time>', receipt.text)  # a date, a time and a zone
    for _ in range(2):  # a refresh shows the receipt again and stores nothing
        assert event.client.get(done.headers["location"]).status_code == 200
    assert len(event.store.submissions()) == 1
    anonymous = event.client.post("/submit", data={"alias": "", "title": "Nameless"},
                                  files={"file": ("mine.mid", midi, "audio/midi")})
    assert anonymous.status_code == 200 and 'id="not-eligible"' in anonymous.text  # followed to its receipt
    refused = event.client.post("/submit", data={"alias": "a", "title": "b"},
                                files={"file": ("x.mid", b"hello", "audio/midi")})
    assert refused.status_code == 415 and "Not stored: x.mid is not a MIDI file" in refused.text
    assert 'value="a"' in refused.text  # what was typed stays in the form
    assert event.client.get("/receipt/not-a-token").status_code == 404


def test_html_typed_anywhere_is_escaped_on_every_page(event):
    from eventkit import midi_upload
    midi = midi_upload(event.folder)
    event.client.post("/submit", data={"alias": EVIL, "title": EVIL}, files={"file": (EVIL, midi, "audio/midi")})
    event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin)
    for name, header in event.judges.items():
        assert event.client.put("/api/scores/1", json={"originality": 5, "balance": 5, "emotional": 5,
                                                       "comment": EVIL}, headers=header).status_code == 200
    pages = ["/", "/leaderboard", "/awards", f"/admin/{event.tokens and event.store.event().admin_token}",
             f"/judge/{event.tokens['Ada']}", "/docs"]
    shown = 0
    for path in pages:
        html = event.client.get(path).text
        assert EVIL not in html, path
        shown += html.count("&lt;script&gt;alert(")
    assert shown >= 6  # alias and title on the board, awards, admin, judge; comments on the awards
    assert event.client.get("/awards").text.count("&lt;script&gt;alert(") >= 4


def test_judge_page_form_scores_and_revises(event):
    for i in range(2):
        event.upload(f"c{i}", f"Song {i}")
    token = event.tokens["Cleo"]
    assert 'id="no-round"' in event.client.get(f"/judge/{token}").text
    event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin)
    page = event.client.get(f"/judge/{token}").text
    for title in ("Very unimpressed", "Slightly unimpressed", "Neither impressed or unimpressed",
                  "Slightly impressed", "Very impressed", "Originality", "Balance", "Emotional resonance"):
        assert title in page
    assert page.count("<audio") == 2 and page.count('class="roll"') == 2
    saved = event.client.post(f"/judge/{token}/score/1", data={"originality": "4", "balance": "2", "emotional": "5",
                                                               "comment": "lovely"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1#piece-1")
    page = event.client.get(saved.headers["location"]).text
    assert "scored (version 1)" in page and "lovely" in page
    assert 'id="history-1"' not in page  # one version: no history yet
    event.client.post(f"/judge/{token}/score/1", data={"originality": "5", "balance": "5", "emotional": "5"})
    page = event.client.get(f"/judge/{token}").text
    assert "scored (version 2)" in page
    history = page[page.index('id="history-1"'):page.index("</details>", page.index('id="history-1"'))]
    assert "Earlier versions (1)" in history and "<td>4</td><td>2</td><td>5</td><td>lovely</td>" in history
    bad = event.client.post(f"/judge/{token}/score/1", data={"originality": "9", "balance": "2", "emotional": "5"})
    assert bad.status_code == 422 and "Not saved: originality must be a whole number from 1 to 5" in bad.text
    missing = event.client.post(f"/judge/{token}/score/2", data={"balance": "2", "emotional": "5"})
    assert missing.status_code == 422 and "choose a score from 1 to 5 for originality" in missing.text
    assert len(event.store.score_versions()) == 2
    assert event.client.get("/judge/wrong-token").status_code == 403


def test_facilitator_page_runs_the_rounds_each_after_a_confirmation(event):
    for i in range(7):
        event.upload(f"c{i}", f"Song {i}")
    admin = event.store.event().admin_token
    page = event.client.get(f"/admin/{admin}").text
    assert all(f"/judge/{t}" in page for t in event.tokens.values()) and '<img class="qr"' in page
    assert event.client.get("/admin/nope").status_code == 403
    asked = event.client.post(f"/admin/{admin}/rounds/preliminary", data={"mode": "random", "seed": "5"})
    assert asked.status_code == 200 and "Open the preliminary round?" in asked.text
    assert "Submissions are still open: opening the round closes them now." in asked.text
    assert event.store.rounds() == {}  # nothing happened before the confirmation
    opened = event.client.post(f"/admin/{admin}/rounds/preliminary",
                               data={"mode": "random", "seed": "5", "confirm": "yes"})
    assert opened.status_code == 200 and "dealt at random (seed 5)" in opened.text
    assert "The preliminary round is open" in opened.text and "Closed: submissions closed at" in opened.text
    sizes = sorted(int(n) for n in re.findall(r"(?:Ada|Ben|Cleo): (\d+)", opened.text))
    assert sizes == [2, 2, 3]
    again = event.client.post(f"/admin/{admin}/rounds/final", data={"top": "3", "confirm": "yes"})
    assert "close the preliminary round before opening the final" in again.text
    event.score_all(skip={"Ben"})
    closing = event.client.post(f"/admin/{admin}/rounds/preliminary/close")
    ben = event.store.assignments(event.store.judge_named("Ben").id, "preliminary")
    assert f"{len(ben)} scores still missing" in closing.text
    assert all(f"#{p.id} {p.title} (waiting for Ben)" in closing.text for p in ben)
    assert event.store.rounds()["preliminary"].state == "open"
    event.score_all()
    closing = event.client.post(f"/admin/{admin}/rounds/preliminary/close")
    assert "Every assigned piece has all its scores." in closing.text
    event.client.post(f"/admin/{admin}/rounds/preliminary/close", data={"confirm": "yes"})
    final = event.client.post(f"/admin/{admin}/rounds/final", data={"top": "1", "confirm": "yes"})
    assert "each judge's top 1, judged by the others" in final.text and 'id="close-final"' in final.text
    assert 'id="awards-ready"' not in final.text and "No piece of the final has been scored by all its judges" in final.text
    qr = event.client.get("/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml" and 'xmlns="http://www.w3.org/2000/svg"' in qr.text


def test_leaderboard_page_tabs_and_awards(event):
    for i in range(4):
        event.upload(f"composer{i}", f"Song {i}")
    event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin)
    assert "This round has not started" in event.client.get("/leaderboard?round=final").text
    event.score_all(values=(3, 3, 3), skip={"Ben"})
    assert "4 pieces waiting" in event.client.get("/leaderboard").text
    event.score_all(values=(5, 4, 3))
    board = event.client.get("/leaderboard").text
    assert board.count('class="podium"') == 3 and "composer0" in board
    awards = event.client.get("/awards").text
    assert awards.count('class="place-') == 3 and "Ben liked it" in awards
    assert event.client.get("/leaderboard?round=nope").status_code == 404
    assert "The AI judge has not run yet" in event.client.get("/leaderboard?round=ai").text
