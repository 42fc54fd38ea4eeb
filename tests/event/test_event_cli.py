"""The event's day from the command line: `event new --url`, `event open|close|set`, `judge --event`."""
import csv
import json

from eventkit import EventClient, midi_upload

from composerlab import cli
from composerlab.event.store import Store


def test_new_stores_the_public_url_and_refuses_one_without_a_scheme(tmp_path, capsys):
    assert cli.main(["event", "new", str(tmp_path / "a"), "--name", "Fest", "--judges", "Ada",
                     "--url", "192.168.1.20:8000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "write http://192.168.1.20:8000" in err and not (tmp_path / "a" / "event.db").exists()
    assert cli.main(["event", "new", str(tmp_path / "b"), "--name", "Fest", "--judges", "Ada",
                     "--url", "http://localhost:8000"]) == 0
    out = capsys.readouterr().out
    assert "warning: localhost is each device's own address" in out and "http://localhost:8000/judge/" in out
    assert cli.main(["event", "new", str(tmp_path / "c"), "--name", "Fest", "--judges", "Ada,Ben", "--json",
                     "--url", "http://10.0.0.5:8000/"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["public_url"] == "http://10.0.0.5:8000"
    assert cli.main(["event", "set", str(tmp_path / "c"), "--url", "http://10.0.0.9:8080"]) == 0
    assert "public_url: http://10.0.0.9:8080" in capsys.readouterr().out
    store = Store.open(tmp_path / "c")
    assert store.event().public_url == "http://10.0.0.9:8080"
    store.close()


def test_open_and_close_from_the_command_line(tmp_path, capsys):
    assert cli.main(["event", "new", str(tmp_path / "ev"), "--name", "Fest", "--judges", "Ada", "--json",
                     "--timezone", "Europe/Paris"]) == 0
    capsys.readouterr()
    assert cli.main(["event", "close", str(tmp_path / "ev")]) == 0
    assert capsys.readouterr().out.startswith("submissions closed at ")
    store = Store.open(tmp_path / "ev")
    assert store.event().submissions_open is False
    store.close()
    assert cli.main(["event", "open", str(tmp_path / "ev"), "--deadline", "2099-06-10T15:00"]) == 0
    assert "until Wed 10 Jun 2099, 15:00 CEST" in capsys.readouterr().out  # the event's local time
    assert cli.main(["event", "open", str(tmp_path / "ev"), "--deadline", "soon"]) == 2
    assert "is not a time" in capsys.readouterr().err
    assert cli.main(["event", "close", str(tmp_path / "nothing")]) == 2


def test_judge_with_event_ranks_what_the_admin_page_ranks_and_writes_beside_the_submissions(tmp_path, capsys):
    kit = EventClient(tmp_path)
    try:
        ids = [kit.upload(f"c{i}", f"Song {i}").json()["id"] for i in range(3)]
        kit.upload(None, "no alias")  # stored, not eligible: never ranked
        kit.client.post(f"/api/submissions/{ids[0]}/withdraw", json={"reason": "unchanged sample"},
                        headers=kit.admin)
        kit.client.post("/api/submissions/close", headers=kit.admin)
        kit.upload("c9", "refused late")  # 409, nothing stored
        late = kit.client.post("/api/submissions", data={"alias": "c8", "title": "Accepted late"}, headers=kit.admin,
                               files={"file": ("l.mid", midi_upload(tmp_path, 30, 40, "late.mid"), "audio/midi")})
        ids.append(late.json()["id"])
        assert cli.main(["judge", "--event", str(tmp_path / "event"), "--quiet"]) == 0
        out = capsys.readouterr().out
        assert "3 judged, 0 not judged" in out and "stored as the event's AI-judge run 1" in out
        ranked = kit.client.get("/api/ai").json()
        assert ranked["run"]["state"] == "done" and sorted(r["id"] for r in ranked["rows"]) == sorted(ids[1:])
        with open(tmp_path / "event" / "ai_judge_results" / "ai_judge_ranking.csv", newline="") as handle:
            files = [row["file"] for row in csv.DictReader(handle)]
        assert files == [r["stored_as"] for r in ranked["rows"]]  # the same ranking, the same order
        assert not (tmp_path / "event" / "submissions" / "ai_judge_results").exists()
        # without --event: the report goes beside the folder, never inside
        assert cli.main(["judge", str(tmp_path / "event" / "submissions"), "--quiet"]) == 0
        assert (tmp_path / "event" / "ai_judge_results" / "ai_judge_report.html").is_file()
        assert cli.main(["judge", str(tmp_path / "event" / "submissions"), "-o",
                         str(tmp_path / "event" / "submissions" / "x")]) == 2
    finally:
        kit.close()
