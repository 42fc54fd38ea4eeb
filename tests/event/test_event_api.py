"""The JSON API in-process: routes, status codes, bad input, tokens; the files and rows it leaves behind."""
import csv
import io
import zipfile

import pytest
from eventkit import bearer, event, midi_upload  # noqa: F401  (event is a fixture)


def test_upload_names_files_by_the_convention_and_never_overwrites(event):
    first = event.upload("mozzie", "First Light")
    assert first.status_code == 201
    assert first.json()["stored_as"] == "summit_24-mozzie-first_light.mid" and first.json()["eligible"] is True
    again = event.upload("Mozzie", "First  Light!")  # same alias and title, other case and punctuation
    assert again.status_code == 201 and again.json()["stored_as"] == "summit_24-mozzie-first_light-2.mid"
    assert event.stored_files() == ["summit_24-mozzie-first_light-2.mid", "summit_24-mozzie-first_light.mid"]
    rows = event.client.get("/api/submissions", headers=event.admin).json()
    assert [r["original_name"] for r in rows] == ["song.mid", "song.mid"]
    # each stored file is exactly the bytes that were acknowledged
    for row in rows:
        data = (event.folder / "event" / "submissions" / row["stored_as"]).read_bytes()
        import hashlib
        assert hashlib.sha256(data).hexdigest() == row["sha256"]


def test_a_name_taken_on_disk_is_skipped_not_overwritten(event):
    taken = event.folder / "event" / "submissions" / "summit_24-ada-song.mid"
    taken.write_bytes(b"somebody else's file")
    response = event.upload("ada", "Song")
    assert response.json()["stored_as"] == "summit_24-ada-song-2.mid"
    assert taken.read_bytes() == b"somebody else's file"


def test_no_alias_is_stored_under_a_random_name_and_not_eligible(event):
    for alias in (None, "", "   "):
        body = event.upload(alias, "Nameless").json()
        assert body["eligible"] is False
        assert body["stored_as"].startswith("summit_24-") and body["stored_as"].count("-") == 1
    assert len(set(event.stored_files())) == 3


@pytest.mark.parametrize("alias, title, expected", [
    ("../../x", "../../etc/passwd", "summit_24-x-etc_passwd.mid"),
    ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "summit_24-script_alert_1_script-img_src_x_onerror_alert_1.mid"),
    ("李白", "静夜思", None),
    ("Zoë", "Für Elise", "summit_24-zoe-fur_elise.mid"),
])
def test_path_like_and_unicode_aliases_stay_inside_the_folder(event, alias, title, expected):
    body = event.upload(alias, title, file_name="../../../evil.mid").json()
    stored = body["stored_as"]
    assert "/" not in stored and "\\" not in stored and not stored.startswith(".")
    if expected:
        assert stored == expected
    else:
        assert stored.startswith("summit_24-u") and stored.endswith("-untitled.mid")
    assert event.stored_files() == [stored]
    row = event.client.get("/api/submissions", headers=event.admin).json()[0]
    assert (row["composer"], row["title"], row["original_name"]) == (alias, title, "../../../evil.mid")
    assert not list(event.folder.glob("evil*")) and not list((event.folder / "event").glob("evil*"))


def served(event) -> None:
    """Send the event's requests the way ``composerlab serve`` takes them: uploads and scores before FastAPI's
    stack (:class:`composerlab.event.fastpath.FastPath`); every test marked "served" and "routed" checks that
    both ways answer alike."""
    from fastapi.testclient import TestClient

    from composerlab.event import api
    from composerlab.event.fastpath import FastPath

    event.client = TestClient(FastPath(event.app, api.router))


@pytest.mark.parametrize("way", ["served", "routed"])
@pytest.mark.parametrize("case", ["not_midi", "oversize", "empty_file", "no_title", "no_file", "long_alias",
                                  "not_multipart", "midi_named_txt_is_fine"])
def test_bad_uploads_are_refused_with_the_reason_and_nothing_is_stored(event, case, way):
    if way == "served":  # the server's short way to the upload route answers exactly as the routed one
        served(event)
    midi = midi_upload(event.folder)
    if case == "not_midi":
        response = event.upload(data=b"Twinkle twinkle little star", file_name="twinkle.mid")
        assert (response.status_code, response.json()["error"]) == (
            415, "twinkle.mid is not a MIDI file (it starts with 'Twinkle twinkle little...')")
    elif case == "oversize":
        response = event.upload(data=midi + b"\0" * (3 * 1024 * 1024))
        assert response.status_code == 413 and "limit is 2.1 MB" in response.json()["error"]
    elif case == "empty_file":
        response = event.upload(data=b"")
        assert response.status_code == 422 and "missing (or empty)" in response.json()["error"]
    elif case == "no_title":
        response = event.upload(title=None)
        assert response.status_code == 422 and response.json()["error"] == (
            "the composition name is missing: please fill it in")
    elif case == "no_file":
        response = event.client.post("/api/submissions", data={"alias": "a", "title": "b"},
                                     files={"other": ("x.txt", b"x")})
        assert response.status_code == 422 and "MIDI file is missing" in response.json()["error"]
    elif case == "long_alias":
        response = event.upload(alias="a" * 61)
        assert response.status_code == 422 and "too long" in response.json()["error"]
    elif case == "not_multipart":
        response = event.client.post("/api/submissions", json={"alias": "a", "title": "b"})
        assert response.status_code == 415 and "multipart/form-data" in response.json()["error"]
    elif case == "midi_named_txt_is_fine":  # the content decides, not the name
        assert event.upload(data=midi, file_name="notes.txt").status_code == 201
        return
    assert event.stored_files() == []
    assert event.client.get("/api/submissions", headers=event.admin).json() == []


@pytest.mark.parametrize("way", ["served", "routed"])
def test_a_disk_that_fails_is_a_503_with_the_reason_and_leaves_nothing(event, monkeypatch, way):
    from composerlab.event import files

    if way == "served":
        served(event)
    assert event.upload("ada", "Before").status_code == 201

    def full_disk(folder, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "stage", full_disk)
    response = event.upload("ben", "During")
    assert response.status_code == 503
    assert response.json()["error"] == ("the upload could not be stored (OSError: [Errno 28] No space left on device); "
                                        "nothing was kept, try again")
    assert event.stored_files() == ["summit_24-ada-before.mid"]
    assert [r["title"] for r in event.client.get("/api/submissions", headers=event.admin).json()] == ["Before"]
    monkeypatch.undo()
    assert event.upload("ben", "During").status_code == 201  # the same upload again, once the disk has room


def test_per_composer_limit_is_429_and_counts_the_alias_however_typed(tmp_path):
    from eventkit import EventClient

    kit = EventClient(tmp_path, max_per_composer=2)
    try:
        assert kit.upload("Ada Lovelace", "One").status_code == 201
        assert kit.upload("ada  lovelace", "Two").status_code == 201
        refused = kit.upload(" ADA LOVELACE ", "Three")
        assert refused.status_code == 429 and "limit is 2 per composer" in refused.json()["error"]
        assert len(kit.stored_files()) == 2
        assert kit.upload("ben", "Three").status_code == 201
    finally:
        kit.close()


@pytest.mark.parametrize("way", ["served", "routed"])
def test_tokens_401_without_403_with_the_wrong_one(event, way):
    if way == "served":
        served(event)
    event.upload()
    admin_routes = [("post", "/api/rounds/preliminary"), ("post", "/api/rounds/final"),
                    ("post", "/api/rounds/preliminary/close"), ("get", "/api/export/scores.csv"),
                    ("get", "/api/export/submissions.zip"), ("get", "/api/submissions"), ("post", "/api/ai/run")]
    judge_routes = [("get", "/api/assignments"), ("put", "/api/scores/1")]
    for method, path in admin_routes + judge_routes:
        missing = getattr(event.client, method)(path)
        assert missing.status_code == 401, path
        assert missing.headers["www-authenticate"] == "Bearer" and "token" in missing.json()["error"]
        assert getattr(event.client, method)(path, headers=bearer("guessed-token")).status_code == 403, path
        assert getattr(event.client, method)(path, headers={"Authorization": "Basic abc"}).status_code == 401
    for method, path in admin_routes:  # a judge is not the facilitator
        assert getattr(event.client, method)(path, headers=event.judges["Ada"]).status_code == 403
    for method, path in judge_routes:  # nor the facilitator a judge
        assert getattr(event.client, method)(path, headers=event.admin).status_code == 403
    assert event.client.get("/api/submissions/1/audio.mp3").status_code == 401
    assert event.client.get("/api/submissions/1/roll.png?token=nope").status_code == 403


@pytest.mark.parametrize("way", ["served", "routed"])
def test_scores_out_of_range_or_not_numbers_are_422_and_nothing_is_stored(event, way):
    if way == "served":
        served(event)
    event.upload()
    assert event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin).status_code == 200
    ada = event.judges["Ada"]
    for bad in ({"originality": 0, "balance": 3, "emotional": 3}, {"originality": 6, "balance": 3, "emotional": 3},
                {"originality": "abc", "balance": 3, "emotional": 3}, {"originality": 3.5, "balance": 3, "emotional": 3},
                {"originality": "4", "balance": 3, "emotional": 3}, {"originality": True, "balance": 3, "emotional": 3},
                {"balance": 3, "emotional": 3}, {"originality": 3, "balance": 3, "emotional": 3, "comment": "x" * 4001}):
        response = event.client.put("/api/scores/1", json=bad, headers=ada)
        assert response.status_code == 422, bad
        assert response.json()["error"]
    assert event.client.put("/api/scores/1", json={"originality": 6, "balance": 3, "emotional": 3},
                            headers=ada).json()["error"] == "originality: Input should be less than or equal to 5 (got 6)"
    for broken in (b"", b"{not json", b"[3, 3, 3]"):
        response = event.client.put("/api/scores/1", content=broken, headers={**ada, "Content-Type": "application/json"})
        assert response.status_code == 422 and response.json()["error"], broken
    assert event.client.put("/api/scores/one", json={"originality": 3, "balance": 3, "emotional": 3},
                            headers=ada).status_code == 422
    assert event.store.score_versions() == []
    assert event.client.put("/api/scores/1", json={"originality": 5, "balance": 3, "emotional": 3, "comment": "ok"},
                            headers=ada).json()["version"] == 1


@pytest.mark.parametrize("way", ["served", "routed"])
def test_scoring_a_piece_not_assigned_is_403(event, way):
    if way == "served":
        served(event)
    for i in range(6):
        event.upload(f"c{i}", "Song")
    body = event.client.post("/api/rounds/preliminary", json={"seed": 1}, headers=event.admin).json()
    assert body["mode"] == "random" and body["seed"] == 1
    ada_pieces = set(body["assignments"]["Ada"])
    other = next(p for p in range(1, 7) if p not in ada_pieces)
    response = event.client.put(f"/api/scores/{other}", json={"originality": 3, "balance": 3, "emotional": 3},
                                headers=event.judges["Ada"])
    assert response.status_code == 403 and "not assigned to you" in response.json()["error"]
    assert event.client.put("/api/scores/999", json={"originality": 3, "balance": 3, "emotional": 3},
                            headers=event.judges["Ada"]).status_code == 403
    assert event.store.score_versions() == []


def test_rounds_flow_preliminary_final_and_audit_trail(event):
    for i in range(12):
        event.upload(f"composer{i}", f"Piece {i}")
    event.upload(None, "not eligible")
    assert event.client.put("/api/scores/1", json={"originality": 3, "balance": 3, "emotional": 3},
                            headers=event.judges["Ada"]).status_code == 409  # no round open
    assert event.client.post("/api/rounds/final", headers=event.admin).status_code == 409
    prelim = event.client.post("/api/rounds/preliminary", json={"seed": 42}, headers=event.admin).json()
    assert sorted(len(v) for v in prelim["assignments"].values()) == [4, 4, 4]
    assert 13 not in sum(prelim["assignments"].values(), [])  # the piece without an alias is not judged
    assert event.client.post("/api/rounds/preliminary", headers=event.admin).status_code == 409
    mine = event.client.get("/api/assignments", headers=event.judges["Ben"]).json()
    assert mine["round"] == "preliminary" and [s["id"] for s in mine["submissions"]] == prelim["assignments"]["Ben"]
    assert "original_name" not in mine["submissions"][0]
    # Ben revises a score: both versions are kept, the latest counts
    piece = mine["submissions"][0]["id"]
    for version, value in enumerate((2, 5), 1):
        body = event.client.put(f"/api/scores/{piece}", json={"originality": value, "balance": value,
                                                              "emotional": value, "comment": f"take {version}"},
                                headers=event.judges["Ben"]).json()
        assert body["version"] == version
    event.score_all(values=(4, 4, 4), skip={"Ben"})
    board = event.client.get("/api/leaderboard?round=preliminary").json()
    assert board["waiting"] == 3 and len(board["rows"]) == 9  # Ben's other three pieces are not scored yet
    for p in mine["submissions"][1:]:
        event.client.put(f"/api/scores/{p['id']}", json={"originality": 1, "balance": 2, "emotional": 3},
                         headers=event.judges["Ben"])
    board = event.client.get("/api/leaderboard?round=preliminary").json()
    assert board["waiting"] == 0 and board["rows"][0]["id"] == piece and board["rows"][0]["points"] == 15
    assert [r["podium"] for r in board["rows"][:4]] == [True, True, True, False]
    assert event.client.post("/api/rounds/final/close", headers=event.admin).status_code == 409
    assert event.client.post("/api/rounds/preliminary/close", headers=event.admin).json()["state"] == "closed"
    late = event.client.put(f"/api/scores/{piece}", json={"originality": 1, "balance": 1, "emotional": 1},
                            headers=event.judges["Ben"])
    assert late.status_code == 409 and "no round is open" in late.json()["error"]
    final = event.client.post("/api/rounds/final", json={"top": 3}, headers=event.admin).json()
    for judge, pieces in final["assignments"].items():
        assert len(pieces) == 6 and not set(pieces) & set(prelim["assignments"][judge])
    assert event.client.get("/api/assignments", headers=event.judges["Ada"]).json()["round"] == "final"
    assert event.client.get("/api/leaderboard?round=final").json()["rows"] == []
    event.score_all(values=(5, 4, 3))
    final_board = event.client.get("/api/leaderboard?round=final").json()
    assert len(final_board["rows"]) == 9 and all(r["judges"] == 2 for r in final_board["rows"])
    # the audit trail holds every version, the revision included
    rows = list(csv.DictReader(io.StringIO(event.client.get("/api/export/scores.csv", headers=event.admin).text)))
    assert len(rows) == 1 + 12 + 18
    assert [r["comment"] for r in rows if r["judge"] == "Ben" and r["submission_id"] == str(piece)][:2] == [
        "take 1", "take 2"]
    lb = list(csv.DictReader(io.StringIO(event.client.get("/api/export/leaderboard.csv?round=final",
                                                          headers=event.admin).text)))
    assert [int(r["rank"]) for r in lb] == list(range(1, 10))


def test_every_judge_scores_everything_mode_has_no_final(event):
    for i in range(3):
        event.upload(f"c{i}", "Song")
    body = event.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=event.admin).json()
    assert all(v == [1, 2, 3] for v in body["assignments"].values())
    assert event.score_all() == 9
    event.client.post("/api/rounds/preliminary/close", headers=event.admin)
    refused = event.client.post("/api/rounds/final", headers=event.admin)
    assert refused.status_code == 409 and "leaderboard is final" in refused.json()["error"]
    assert event.client.post("/api/rounds/preliminary", json={"mode": "bogus"}, headers=event.admin).status_code == 422


def test_exports_zip_holds_every_file_by_its_stored_name(event):
    names = [event.upload(f"c{i}", "Song").json()["stored_as"] for i in range(3)]
    archive = zipfile.ZipFile(io.BytesIO(event.client.get("/api/export/submissions.zip", headers=event.admin).content))
    assert sorted(archive.namelist()) == sorted(names)
    assert archive.read(names[0]) == (event.folder / "event" / "submissions" / names[0]).read_bytes()


def test_media_for_judges_audio_and_piano_roll(event):
    event.upload()
    audio = event.client.get("/api/submissions/1/audio.mp3", headers=event.judges["Ada"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert len(audio.content) > 20_000  # 8+ notes at 128 kbit/s: seconds of sound, not an empty file
    assert audio.content[:3] == b"ID3" or (audio.content[0] == 0xFF and audio.content[1] & 0xE0 == 0xE0)
    roll = event.client.get(f"/api/submissions/1/roll.png?token={event.tokens['Ben']}")
    assert roll.status_code == 200 and roll.content.startswith(b"\x89PNG")
    assert event.client.get("/api/submissions/99/roll.png", headers=event.admin).status_code == 404


def test_openapi_documents_the_routes_with_bearer_tokens(event):
    schema = event.client.get("/openapi.json").json()
    for path in ("/api/submissions", "/api/rounds/preliminary", "/api/rounds/final", "/api/rounds/{round_name}/close",
                 "/api/assignments", "/api/scores/{submission_id}", "/api/leaderboard", "/api/export/scores.csv"):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert schema["paths"]["/api/scores/{submission_id}"]["put"]["security"] == [{"bearer": []}]
    assert "multipart/form-data" in schema["paths"]["/api/submissions"]["post"]["requestBody"]["content"]
    page = event.client.get("/docs").text
    assert "/api/scores/{submission_id}" in page and "cdn" not in page.lower()
