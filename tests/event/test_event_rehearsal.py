"""A whole event day rehearsed in headless Chromium against a real `composerlab serve`, as a facilitator runs it.

8 contestants upload through the page on a 390 px phone (one without alias, one wrong file then replaced,
one withdrawn by the facilitator, one late refused, one late accepted, a refresh on a receipt); the
preliminary is dealt, a judge is absent and her pieces move, the final is scored, the AI judge runs from
the page and from `composerlab judge --event`, the awards page and deck are built. Every count shown equals
the one computed from the exports; the winners play; nothing uploaded or scored is lost. Every page visited
passes axe-core (0 serious or critical) and has no sideways scrolling at 390 px.
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import time

import httpx2
import pytest
from axe import audit, horizontal_overflow
from browser import live_event  # noqa: F401  (a fixture; browser comes from tests/conftest.py)
from eventkit import bearer, free_port, midi_upload, wait_until_answers

PHONE = {"width": 390, "height": 800}
CLI = [sys.executable, "-m", "composerlab"]


def check_page(page, what):
    """axe-core and no sideways scrolling, on every page the day visits."""
    assert horizontal_overflow(page) == 0, f"{what}: {horizontal_overflow(page)} px sideways at 390 px"
    found = audit(page)
    assert found == [], f"{what}: {found}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("day") / "ev"
    port = free_port()
    made = subprocess.run(CLI + ["event", "new", str(folder), "--name", "Spring Jam", "--judges", "Ada,Ben,Cleo",
                                 "--url", f"http://127.0.0.1:{port}", "--timezone", "UTC", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    tokens = json.loads(made.stdout)
    server = subprocess.Popen(CLI + ["serve", str(folder), "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    wait_until_answers(lambda: httpx2.get(url + "/api/event", timeout=5), server, errors=(httpx2.ConnectError,))
    yield {"url": url, "folder": folder, "admin": tokens["admin_token"],
           "judges": {j["name"]: j["token"] for j in tokens["judges"]}}
    server.terminate()
    server.wait(timeout=30)


def upload_on_page(page, url, alias, title, path):
    page.goto(url + "/")
    page.fill("#alias", alias)
    page.fill("#title", title)
    page.set_input_files("#file", str(path))
    page.click("#send")


def exports(url, admin, name):
    reply = httpx2.get(f"{url}/api/export/{name}", headers=bearer(admin), timeout=30)
    assert reply.status_code == 200
    return list(csv.DictReader(io.StringIO(reply.text)))


def test_a_whole_day_through_the_pages(served, browser, tmp_path):
    url, admin, folder = served["url"], served["admin"], served["folder"]
    admin_page = f"{url}/admin/{admin}"
    phone = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    phone.set_default_timeout(20_000)
    files = {i: tmp_path / f"c{i}.mid" for i in range(11)}
    for i, path in files.items():
        path.write_bytes(midi_upload(tmp_path, 10 + 2 * i, 48 + 3 * i, f"src{i}.mid"))

    # -- submissions: 8 contestants on their phones --------------------------------------------------------
    phone.goto(url + "/")
    check_page(phone, "submit page")
    receipts = {}
    for i in range(1, 6):
        upload_on_page(phone, url, f"player{i}", f"Song {i}", files[i])
        phone.wait_for_selector("#receipt")
        receipts[i] = phone.url
    check_page(phone, "receipt")
    phone.reload()  # a refresh on a receipt stores nothing
    phone.wait_for_selector("#receipt")
    upload_on_page(phone, url, "", "Nameless", files[6])  # no alias: stored, not eligible
    phone.wait_for_selector("#not-eligible")
    upload_on_page(phone, url, "player7", "Wrong One", files[0])  # the wrong file ...
    phone.wait_for_selector("#replace-form")
    phone.fill("#replace-title", "Right One")
    phone.set_input_files("#replace-file", str(files[7]))
    phone.click("#replace")  # ... replaced from the receipt
    phone.wait_for_selector("#stored-as:has-text('right_one')")
    upload_on_page(phone, url, "player8", "Unchanged Sample", files[8])
    phone.wait_for_selector("#receipt")
    rows = httpx2.get(url + "/api/submissions", headers=bearer(admin), timeout=30).json()
    assert len(rows) == 9  # 5, the nameless one, the wrong and the right one, the sample: the refresh sent nothing
    sample = next(r for r in rows if r["title"] == "Unchanged Sample")

    # -- the facilitator: withdraw a piece with a reason, close submissions, accept one late piece ----------
    desk = browser.new_context(viewport=PHONE).new_page()
    desk.set_default_timeout(20_000)
    desk.goto(admin_page)
    check_page(desk, "admin page")
    desk.fill(f"#reason-{sample['id']}", "an unchanged sample")
    desk.click(f"#withdraw-{sample['id']}")
    desk.click("#confirm")  # every action that changes the day asks first
    desk.wait_for_selector(f"#piece-{sample['id']}.gone")
    phone.goto(url + "/")  # a contestant fills the form while submissions are still open ...
    phone.fill("#alias", "player9")
    phone.fill("#title", "Too Late")
    phone.set_input_files("#file", str(files[9]))
    desk.click("#close-submissions")
    desk.click("#confirm")
    desk.wait_for_selector("#submission-state:has-text('Closed')")
    phone.click("#send")  # ... and sends it after they closed: refused, nothing stored
    phone.wait_for_selector("#error:has-text('submissions closed at')")
    assert phone.locator("#submit-form").count() == 0  # the closed page offers no form
    check_page(phone, "submit page, closed")
    desk.click("#late-box summary")
    desk.fill("#late-alias", "player10")
    desk.fill("#late-title", "Late But Welcome")
    desk.set_input_files("#late-file", str(files[10]))
    desk.click("#accept-late")
    desk.wait_for_selector("#done")
    rows = httpx2.get(url + "/api/submissions", headers=bearer(admin), timeout=30).json()
    assert len(rows) == 10 and sum(r["late"] for r in rows) == 1 and sum(r["withdrawn"] for r in rows) == 2

    # -- the preliminary: dealt after a confirmation; Cleo is absent and her pieces move --------------------
    desk.goto(admin_page)
    desk.select_option("#mode", "random")
    desk.click("#open-preliminary")
    desk.wait_for_selector("#confirm")
    check_page(desk, "confirmation")
    desk.click("#confirm")
    desk.wait_for_selector("#rounds:has-text('preliminary')")
    progress = httpx2.get(url + "/api/progress", headers=bearer(admin), timeout=30).json()["judges"]
    dealt = sum(j["assigned"] for j in progress.values())
    assert dealt == 7  # player1-5, player7's replacement, player10's late piece
    desk.click("#absent-3")  # Cleo
    desk.click("#confirm")
    desk.wait_for_selector("#done")
    progress = httpx2.get(url + "/api/progress", headers=bearer(admin), timeout=30).json()["judges"]
    assert progress["Cleo"]["assigned"] == 0 and progress["Ada"]["assigned"] + progress["Ben"]["assigned"] == 7
    judge = browser.new_context(viewport=PHONE).new_page()
    judge.goto(f"{url}/judge/{served['judges']['Ada']}")
    check_page(judge, "judge page")
    sent = 0
    for name in ("Ada", "Ben"):
        header = bearer(served["judges"][name])
        for piece in httpx2.get(url + "/api/assignments", headers=header, timeout=30).json()["submissions"]:
            value = 1 + piece["id"] % 5
            assert httpx2.put(f"{url}/api/scores/{piece['id']}", headers=header, timeout=30, json={
                "originality": value, "balance": value, "emotional": 5, "comment": f"{name} on #{piece['id']}"}
                              ).status_code == 200
            sent += 1
    desk.goto(admin_page)
    desk.click("#close-preliminary")
    desk.wait_for_selector("#confirm")
    desk.click("#confirm")
    desk.fill("#top", "2")
    desk.click("#open-final")
    desk.click("#confirm")
    desk.wait_for_selector("#close-final")
    for name in ("Ada", "Ben"):
        header = bearer(served["judges"][name])
        for piece in httpx2.get(url + "/api/assignments", headers=header, timeout=30).json()["submissions"]:
            httpx2.put(f"{url}/api/scores/{piece['id']}", headers=header, timeout=30,
                       json={"originality": 4, "balance": 3 + piece["id"] % 3, "emotional": 4})
            sent += 1
    desk.click("#close-final")
    desk.click("#confirm")
    desk.wait_for_selector("#awards-ready")

    # -- the AI judge: from the page, then from the command line (the same pieces, stored as a new run) -----
    desk.click("#run-ai")
    ends = time.monotonic() + 300
    while (run := httpx2.get(url + "/api/ai", timeout=30).json()["run"])["state"] == "running":
        assert time.monotonic() < ends
        time.sleep(1)
    page_ranked = sorted(r["id"] for r in httpx2.get(url + "/api/ai", timeout=30).json()["rows"])
    judged = subprocess.run(CLI + ["judge", "--event", str(folder), "--quiet"], capture_output=True, text=True,
                            timeout=300)
    assert judged.returncode == 0, judged.stderr
    ai = httpx2.get(url + "/api/ai", timeout=30).json()
    assert ai["run"]["id"] == run["id"] + 1 and sorted(r["id"] for r in ai["rows"]) == page_ranked
    assert len(page_ranked) == 7  # eligible, not withdrawn, the accepted late one in

    # -- the awards: every count equals the exports'; the winners play; nothing lost -------------------------
    awards = httpx2.get(url + "/api/awards", timeout=30).json()
    listed = exports(url, admin, "submissions.csv")
    final = exports(url, admin, "leaderboard.csv?round=final")
    counts = awards["counts"]
    assert counts["uploads"] == len(listed) == 10
    assert counts["contestants"] == len({r["alias"] for r in listed if r["alias"]})
    assert counts["withdrawn"] == sum(r["withdrawn"] == "True" for r in listed) == 2
    assert counts["late"] == sum(r["late"] == "True" for r in listed) == 1
    assert counts["final_board"] == len(final) and counts["ai_scored"] == len(exports(url, admin, "ai.csv"))
    assert awards["final_complete"] is True and [r["id"] for r in awards["human"][:3]] == [
        int(r["id"]) for r in final[:3]]
    assert len(exports(url, admin, "scores.csv")) == sent  # every score version kept
    assert sorted(p.name for p in (folder / "submissions").iterdir() if p.is_file()) == sorted(
        r["stored_as"] for r in listed)
    phone.goto(url + "/awards")
    check_page(phone, "awards page")
    numbers = phone.text_content("#numbers")
    assert f"{counts['uploads']} uploads from {counts['contestants']} contestants" in numbers
    for path in ("/leaderboard?round=preliminary", "/leaderboard?round=final", "/leaderboard?round=ai", "/join",
                 "/docs"):
        desk.goto(url + path)
        check_page(desk, path)
    phone.evaluate("document.querySelector('#human-winners audio').load()")
    phone.wait_for_function("document.querySelector('#human-winners audio').duration > 1", timeout=60_000)
    built = subprocess.run(CLI + ["slides", "build", "--no-pdf", "--deck", "05_awards", "--event", str(folder),
                                  "-o", str(tmp_path / "decks")], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    deck = (tmp_path / "decks" / "05_awards.html").read_text()
    assert (f"<strong>{counts['uploads']}</strong> compositions sent by <strong>{counts['contestants']}</strong>"
            in deck)
    assert f"<strong>{counts['final_board']}</strong> compositions on the judges' deciding leaderboard" in deck
    assert f"<strong>{counts['ai_scored']}</strong> compositions scored by the AI judge" in deck
    assert len(re.findall(r'<audio class="play" controls', deck)) == 6  # both podiums play, offline
    for page in (phone, desk, judge):
        page.context.close()


def test_the_one_day_format_judges_score_the_ai_judge_s_top_n_through_the_admin_page(browser, live_event):
    ev = live_event
    for i in range(5):
        assert ev.upload(f"player{i}", f"Tune {i}").status_code == 201
    desk = browser.new_context(viewport=PHONE).new_page()
    desk.set_default_timeout(20_000)
    admin_page = f"{ev.url}/admin/{ev.store.event().admin_token}"
    desk.goto(admin_page)
    desk.click("#run-ai")
    ends = time.monotonic() + 300
    while ev.client.get("/api/ai").json()["run"]["state"] == "running":
        assert time.monotonic() < ends
        time.sleep(0.5)
    top = [r["id"] for r in ev.client.get("/api/ai").json()["rows"][:3]]
    desk.goto(admin_page)
    desk.fill("#from-ai-top", "3")
    desk.click("#open-preliminary")
    desk.click("#confirm")
    desk.wait_for_selector("#done")
    for name, header in ev.judges.items():  # every judge scores exactly the AI judge's top three
        assert sorted(p["id"] for p in ev.client.get("/api/assignments", headers=header).json()["submissions"]) == \
            sorted(top)
    ev.score_all()
    awards = ev.client.get("/api/awards").json()
    assert awards["round"] == "preliminary" and awards["final_complete"] is True
    assert sorted(r["id"] for r in awards["human"]) == sorted(top) and awards["counts"]["ai_scored"] == 5
    desk.context.close()
