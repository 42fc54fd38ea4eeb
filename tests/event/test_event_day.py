"""The facilitator's controls of the day through the JSON API: submissions open and closed (late marking),
withdraw and replace, what counts for the judges, judges added and absent, progress, the awards' numbers."""
import csv
import io
import re
from datetime import datetime, timezone

from eventkit import bearer, event, midi_upload  # noqa: F401  (a fixture)

from composerlab.event import settings


def admin_csv(event, name):
    reply = event.client.get(f"/api/export/{name}", headers=event.admin)
    assert reply.status_code == 200
    return list(csv.DictReader(io.StringIO(reply.text)))


def test_closed_submissions_refuse_uploads_and_a_late_one_accepted_is_marked_late(event):
    assert event.upload("early", "Dawn").status_code == 201
    closed = event.client.post("/api/submissions/close", headers=event.admin)
    assert closed.status_code == 200 and closed.json()["open"] is False
    assert event.client.post("/api/submissions/close").status_code == 401  # the facilitator's only
    refused = event.upload("slow", "Dusk")
    assert refused.status_code == 409 and refused.json()["error"].startswith("submissions closed at ")
    assert len(event.store.submissions()) == 1 and len(event.stored_files()) == 1  # nothing stored
    facts = event.client.get("/api/event").json()
    assert facts["open"] is False and facts["closed_reason"].startswith("submissions closed at")
    # the facilitator accepts one late upload: stored, eligible, marked late in the list and the CSV
    late = event.client.post("/api/submissions", data={"alias": "slow", "title": "Dusk"}, headers=event.admin,
                             files={"file": ("s.mid", midi_upload(event.folder, 20, 50, "late.mid"), "audio/midi")})
    assert late.status_code == 201 and late.json()["late"] is True and late.json()["eligible"] is True
    listed = {r["title"]: r for r in admin_csv(event, "submissions.csv")}
    assert (listed["Dusk"]["late"], listed["Dawn"]["late"]) == ("True", "False")
    # a deadline already past is refused; one ahead opens, and once reached uploads are refused again
    past = event.client.post("/api/submissions/open", json={"deadline": "2020-01-01T12:00:00+00:00"},
                             headers=event.admin)
    assert past.status_code == 422 and "has passed already" in past.json()["error"]
    assert event.upload("x", "y").status_code == 409
    opened = event.client.post("/api/submissions/open", json={"deadline": "2099-06-01T15:00:00+00:00"},
                               headers=event.admin).json()
    assert opened["open"] is True and opened["deadline"].startswith("2099-06-01T15:00")
    assert event.upload("x", "y").status_code == 201
    after = datetime(2099, 6, 1, 15, 0, 1, tzinfo=timezone.utc)
    assert settings.closed_reason(event.store.event(fresh=True), now=after).endswith("(the deadline)")
    assert event.client.post("/api/submissions/open", json={"deadline": "not a time"},
                             headers=event.admin).status_code == 422


def test_a_receipt_withdraws_or_replaces_its_piece_and_the_facilitator_withdraws_any_with_a_reason(event):
    first = event.upload("ada", "Wrong File").json()
    token = first["withdraw_token"]
    assert len(token) >= 20 and token not in (event.store.event().admin_token, *event.tokens.values())
    other = event.upload("ben", "Fine").json()
    # a receipt acts on its own piece only
    assert event.client.post(f"/api/submissions/{other['id']}/withdraw", json={"reason": "x"},
                             headers=bearer(token)).status_code == 403
    replaced = event.client.post(f"/api/submissions/{first['id']}/replace", data={"title": "Right File"},
                                 files={"file": ("r.mid", midi_upload(event.folder, 21, 51, "right.mid"), "audio/midi")},
                                 headers=bearer(token))
    assert replaced.status_code == 201 and replaced.json()["replaces"] == first["id"]
    new = replaced.json()
    rows = {r["id"]: r for r in event.client.get("/api/submissions", headers=event.admin).json()}
    assert rows[first["id"]]["withdrawn"] is True and rows[new["id"]]["withdrawn"] is False
    assert event.store.for_judges() == sorted([other["id"], new["id"]])
    # the facilitator disqualifies with a reason; the piece stays in the list and the exports
    out = event.client.post(f"/api/submissions/{other['id']}/withdraw", json={"reason": "a sample, unchanged"},
                            headers=event.admin)
    assert out.status_code == 200 and out.json()["withdrawn"] is True
    listed = {int(r["id"]): r for r in admin_csv(event, "submissions.csv")}
    assert len(listed) == 3 and listed[other["id"]]["withdrawn"] == "True"
    assert listed[other["id"]]["reason"] == "a sample, unchanged"
    assert event.client.post(f"/api/submissions/{other['id']}/withdraw", json={"reason": "again"},
                             headers=event.admin).status_code == 409
    # once submissions close, the contestant's receipt can no longer withdraw
    event.client.post("/api/submissions/close", headers=event.admin)
    late = event.client.post(f"/api/submissions/{new['id']}/withdraw", json={}, headers=bearer(new["withdraw_token"]))
    assert late.status_code == 409 and "ask the facilitator" in late.json()["error"]
    opened = event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin).json()
    dealt = {p for ps in opened["assignments"].values() for p in ps}
    assert dealt == {new["id"]}  # withdrawn pieces never reach the judges


def test_one_piece_per_contestant_goes_to_the_judges_the_latest_and_a_podium_holds_a_contestant_once(event):
    ids = [event.upload(alias, f"Song {i}").json()["id"]
           for i, alias in enumerate(["ada", "ada", "ben", "cleo", "dan", "ada"])]
    assert event.store.for_judges() == [ids[2], ids[3], ids[4], ids[5]]  # ada's latest only
    event.client.post("/api/settings", json={"judged_per_composer": 2, "podium_unique": True}, headers=event.admin)
    assert event.store.for_judges() == [ids[1], ids[2], ids[3], ids[4], ids[5]]
    event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin)
    for name, header in event.judges.items():
        for piece in event.client.get("/api/assignments", headers=header).json()["submissions"]:
            value = 5 if piece["composer"] == "ada" else (4 if piece["composer"] == "ben" else 2)
            event.client.put(f"/api/scores/{piece['id']}", json={"originality": value, "balance": value,
                                                                 "emotional": value}, headers=header)
    board = event.client.get("/api/leaderboard?round=preliminary").json()["rows"]
    podium = sorted((r for r in board if r["place"]), key=lambda r: r["place"])
    assert [r["composer"] for r in podium] == ["ada", "ben", "cleo"] or [r["composer"] for r in podium][:2] == [
        "ada", "ben"]
    assert len({r["composer"] for r in podium}) == len(podium) == 3  # ada's second piece stepped aside
    event.client.post("/api/settings", json={"podium_unique": False}, headers=event.admin)
    podium = [r["composer"] for r in event.client.get("/api/leaderboard?round=preliminary").json()["rows"]
              if r["place"]]
    assert podium[:2] == ["ada", "ada"]


def test_judges_added_and_absent_pieces_move_evenly_and_progress_counts_them(event):
    for i in range(9):
        event.upload(f"c{i}", f"Song {i}")
    added = event.client.post("/api/judges", json={"name": "Dee"}, headers=event.admin)
    assert added.status_code == 201 and added.json()["name"] == "Dee" and len(added.json()["token"]) >= 20
    assert event.client.post("/api/judges", json={"name": "dee"}, headers=event.admin).status_code == 409
    dee = bearer(added.json()["token"])
    event.client.post("/api/rounds/preliminary", json={"seed": 3}, headers=event.admin)
    progress = event.client.get("/api/progress", headers=event.admin).json()
    assert progress["round"] == "preliminary"
    assert sorted(j["assigned"] for j in progress["judges"].values()) == [2, 2, 2, 3]
    ada_pieces = event.client.get("/api/assignments", headers=event.judges["Ada"]).json()["submissions"]
    first = ada_pieces[0]["id"]
    assert event.client.put(f"/api/scores/{first}", json={"originality": 3, "balance": 3, "emotional": 3},
                            headers=event.judges["Ada"]).status_code == 200
    moved = event.client.post("/api/judges/Ada/absent", headers=event.admin)
    assert moved.status_code == 200 and moved.json()["moved"] == len(ada_pieces) - 1
    progress = event.client.get("/api/progress", headers=event.admin).json()["judges"]
    assert progress["Ada"] == {"assigned": 1, "scored": 1, "present": False, "removed": False}  # her score stays
    others = sorted(progress[n]["assigned"] for n in ("Ben", "Cleo", "Dee"))
    assert sum(others) == 9 - 1 and others[-1] - others[0] <= 1  # evenly
    event.client.put(f"/api/scores/{event.client.get('/api/assignments', headers=dee).json()['submissions'][0]['id']}",
                     json={"originality": 4, "balance": 4, "emotional": 4}, headers=dee)
    assert event.client.get("/api/progress", headers=event.admin).json()["judges"]["Dee"]["scored"] == 1
    assert event.client.post("/api/judges/Nobody/absent", headers=event.admin).status_code == 404
    removed = event.client.delete("/api/judges/Dee", headers=event.admin)
    assert removed.status_code == 200
    assert event.client.get("/api/assignments", headers=dee).status_code == 403  # her link stops working


def test_closing_a_round_with_unscored_pieces_asks_and_a_final_with_one_judge_left_decides(event):
    for i in range(6):
        event.upload(f"c{i}", f"Song {i}")
    event.client.post("/api/rounds/preliminary", json={"seed": 2}, headers=event.admin)
    event.score_all(skip={"Cleo"})
    refused = event.client.post("/api/rounds/preliminary/close", headers=event.admin)
    assert refused.status_code == 409 and "scores still missing" in refused.json()["error"]
    cleo = [p["id"] for p in event.client.get("/api/assignments", headers=event.judges["Cleo"]).json()["submissions"]]
    assert all(f"#{p} " in refused.json()["error"] for p in cleo)
    event.score_all()
    assert event.client.post("/api/rounds/preliminary/close", headers=event.admin).json()["state"] == "closed"
    status = re.search(r'<p id="status">([^<]*)</p>', event.client.get("/leaderboard").text).group(1)
    assert status == "Round closed"  # never "N waiting" once the round is over
    for name in ("Ben", "Cleo"):
        event.client.post(f"/api/judges/{name}/absent", headers=event.admin)
    final = event.client.post("/api/rounds/final", json={"top": 1}, headers=event.admin)
    dealt = {name: pieces for name, pieces in final.json()["assignments"].items() if pieces}
    assert final.status_code == 200 and list(dealt) == ["Ada"] and len(dealt["Ada"]) == 3  # her own included
    awards = event.client.get("/api/awards").json()
    assert awards["final_complete"] is False and awards["human"] == []
    assert any("No piece of the final" in note for note in awards["notes"])  # no silent fallback
    event.score_all()
    awards = event.client.get("/api/awards").json()
    assert awards["final_complete"] is True and awards["round"] == "final"
    assert len(awards["human"]) == 3
    assert any("one judge left" in note for note in awards["notes"])


def test_awards_counts_equal_the_exports(event):
    for i in range(5):
        event.upload(f"c{i}", f"Song {i}")
    event.upload(None, "No alias")
    withdrawn = event.upload("c0", "Oops").json()["id"]
    event.client.post(f"/api/submissions/{withdrawn}/withdraw", json={"reason": "test"}, headers=event.admin)
    event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin)
    event.score_all()
    awards = event.client.get("/api/awards").json()
    rows = admin_csv(event, "submissions.csv")
    board = admin_csv(event, "leaderboard.csv?round=preliminary")
    counts = awards["counts"]
    assert counts["uploads"] == len(rows) == 7
    assert counts["withdrawn"] == sum(r["withdrawn"] == "True" for r in rows) == 1
    assert counts["eligible"] == sum(r["eligible"] == "True" and r["withdrawn"] == "False" for r in rows) == 5
    assert counts["contestants"] == len({r["alias"] for r in rows if r["alias"]}) == 5
    assert counts["preliminary_board"] == len(board) == 5 and counts["final_board"] == 0
    assert awards["final_complete"] is True and [r["place"] for r in awards["human"][:3]] == [1, 2, 3]
    # the winners play for everyone on the awards page; other pieces stay with the judges
    first, fourth = awards["human"][0]["id"], awards["human"][3]["id"]
    played = event.client.get(f"/api/awards/{first}/audio.mp3")
    assert played.status_code == 200 and played.headers["content-type"] == "audio/mpeg" and len(played.content) > 1000
    assert event.client.get(f"/api/awards/{fourth}/audio.mp3").status_code == 404
    page = event.client.get("/awards").text
    assert f'src="/api/awards/{first}/audio.mp3"' in page and f"/api/awards/{fourth}/" not in page
    assert "7 uploads from 5 contestants" in page


def test_csv_cells_that_would_run_as_formulas_are_neutralised(event):
    event.upload("=HYPERLINK(\"http://x\")", "+1 sum")
    rows = admin_csv(event, "submissions.csv")
    assert rows[0]["alias"].startswith("'=") and rows[0]["title"] == "'+1 sum"


def test_anonymous_judging_shows_numbers_until_the_deciding_round_closes(event):
    event.client.post("/api/settings", json={"anonymous": True}, headers=event.admin)
    ids = [event.upload(f"c{i}", "Same Title").json()["id"] for i in range(3)]  # one title, told apart by number
    event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin)
    shown = event.client.get("/api/assignments", headers=event.judges["Ada"]).json()
    assert shown["anonymous"] is True and {(p["title"], p["composer"]) for p in shown["submissions"]} == {
        (f"Piece #{i}", "") for i in ids}
    assert "c0" not in event.client.get(f"/judge/{event.tokens['Ada']}").text
    event.score_all()
    board = event.client.get("/api/leaderboard?round=preliminary").json()["rows"]
    assert sorted(r["number"] for r in board) == sorted(f"#{i}" for i in ids) and not any(r["composer"] for r in board)
    assert {r["composer"] for r in event.client.get("/api/awards").json()["human"]} == {"c0", "c1", "c2"}
    event.client.post("/api/rounds/preliminary/close", headers=event.admin)
    board = event.client.get("/api/leaderboard?round=preliminary").json()["rows"]
    assert {r["composer"] for r in board} == {"c0", "c1", "c2"}  # revealed once the round is decided
