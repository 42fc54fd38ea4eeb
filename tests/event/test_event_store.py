"""The store on its own: the event folder, SQLite's settings, crash recovery, integrity."""
import asyncio
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventkit import midi_upload

from composerlab.event.rules import EventError
from composerlab.event.store import Store


def test_create_makes_the_folder_and_refuses_an_existing_event(tmp_path):
    store = Store.create(tmp_path / "ev", "Summit 24", ["Ada", "Ben"], max_per_composer=2, max_mb=1.5)
    assert (tmp_path / "ev" / "event.db").is_file() and (tmp_path / "ev" / "submissions").is_dir()
    event = store.event()
    assert (event.name, event.slug, event.max_per_composer, event.max_bytes) == ("Summit 24", "summit_24", 2,
                                                                                  int(1.5 * 1024 * 1024))
    tokens = [event.admin_token] + [j.token for j in store.judges()]
    assert len(set(tokens)) == 3 and all(len(t) >= 24 for t in tokens)
    store.close()
    with pytest.raises(EventError, match="already holds an event"):
        Store.create(tmp_path / "ev", "Again", ["Cleo"])
    with pytest.raises(EventError, match="same name"):
        Store.create(tmp_path / "ev2", "X", ["Ada", "ada"])
    with pytest.raises(EventError, match="holds no event"):
        Store.open(tmp_path / "nowhere")


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    store = Store.create(tmp_path / "ev", "E", ["Ada"])
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert store.integrity_check() == "ok"
    store.close()


def test_a_refused_write_leaves_no_row_and_no_file(tmp_path, monkeypatch):
    store = Store.create(tmp_path / "ev", "E", ["Ada"])
    data = midi_upload(tmp_path)
    before = store.revision(max_age=0)

    def fail_commit(*args, **kwargs):
        raise RuntimeError("disk full")

    from sqlalchemy.orm import SessionTransaction
    monkeypatch.setattr(SessionTransaction, "commit", fail_commit)  # the commit fails after the file is placed
    with pytest.raises(RuntimeError):
        store.add_submission("ada", "Song", "a.mid", data)
    monkeypatch.undo()
    assert store.submissions() == [] and [p for p in store.files.iterdir() if p.is_file()] == []
    assert store.revision(max_age=0) == before  # the whole transaction rolled back
    store.close()


def test_reopening_moves_a_file_without_its_row_aside(tmp_path):
    store = Store.create(tmp_path / "ev", "E", ["Ada"])
    kept = store.add_submission("ada", "Song", "a.mid", midi_upload(tmp_path))
    (store.files / "e-crash-orphan.mid").write_bytes(b"MThd...")  # renamed, then the process died before commit
    stale = store.files / ".incoming" / "dead.part"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    store.close()
    store = Store.open(tmp_path / "ev")
    assert sorted(p.name for p in store.files.iterdir() if p.is_file()) == [kept.stored_as]
    assert (store.files / ".unacknowledged" / "e-crash-orphan.mid").is_file()
    assert not stale.exists()
    assert [s.stored_as for s in store.submissions()] == [kept.stored_as]
    store.close()


def test_revision_moves_with_every_write_that_can_change_a_board(tmp_path):
    store = Store.create(tmp_path / "ev", "E", ["Ada", "Ben"])
    r0 = store.revision(max_age=0)
    store.add_submission("ada", "Song", "a.mid", midi_upload(tmp_path))
    assert store.revision(max_age=0) == r0  # an upload is on no board
    store.open_preliminary("everyone")
    r2 = store.revision(max_age=0)
    assert r2 == r0 + 1
    judge = store.judges()[0]
    store.put_score(judge.id, 1, 3, 4, 5, "ok")
    assert store.revision(max_age=0) == r2 + 1
    assert store.revision(max_age=60) == r2 + 1  # cached value


def test_pieces_that_tie_on_the_board_rank_in_upload_order(tmp_path):
    store = Store.create(tmp_path / "ev", "E", ["Ada", "Ben"])
    first, second = (store.add_submission(alias, "Song", f"{alias}.mid", midi_upload(tmp_path, low=low,
                                                                                       name=f"{alias}.mid"))
                     for alias, low in (("zed", 60), ("amy", 62)))  # "zed" first: upload order, not the name
    store.open_preliminary("random", seed=0)
    ada, ben = store.judges()
    for judge in (ada, ben):
        for piece in store.assignments(judge.id, "preliminary"):
            store.put_score(judge.id, piece.id, 4, 4, 4)
    assert [s.submission for s in store.standings("preliminary")] == [first.id, second.id]
    store.close()


def test_a_database_url_other_than_the_folder_is_accepted(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared' / 'elsewhere.db'}"
    (tmp_path / "shared").mkdir()
    store = Store.create(tmp_path / "ev", "E", ["Ada"], db_url=url)
    store.add_submission("ada", "Song", "a.mid", midi_upload(tmp_path))
    store.close()
    assert not (tmp_path / "ev" / "event.db").exists() and (tmp_path / "shared" / "elsewhere.db").is_file()
    with pytest.raises(EventError, match="holds no event"):
        Store.open(tmp_path / "ev")
    store = Store.open(tmp_path / "ev", db_url=url)
    assert [s.stored_as for s in store.submissions()] == ["e-ada-song.mid"]
    store.close()


def test_a_burst_of_uploads_is_written_in_batches_and_one_failed_file_fails_alone(tmp_path, monkeypatch):
    from composerlab.event import files
    from composerlab.event.uploads import Uploads

    store = Store.create(tmp_path / "ev", "E", ["Ada"])
    datas = [midi_upload(tmp_path, low=50 + i, name=f"p{i}.mid") for i in range(12)]
    real_stage = files.stage

    def stage(folder, data):
        if data == datas[5]:
            raise OSError("no space left on device")
        return real_stage(folder, data)

    monkeypatch.setattr(files, "stage", stage)

    uploads = Uploads(store)

    async def burst():
        return await asyncio.gather(*(uploads.store_upload({"alias": f"c{i}", "title": f"Song {i}"}, f"p{i}.mid", data)
                                      for i, data in enumerate(datas)), return_exceptions=True)

    # On a thread of its own: a browser test earlier in the session may leave a loop running on this one.
    with ThreadPoolExecutor(1) as thread:
        results = thread.submit(asyncio.run, burst()).result()
    assert isinstance(results[5], OSError) and "no space" in str(results[5])
    receipts = [r for i, r in enumerate(results) if i != 5]
    assert [r.stored_as for r in receipts] == [f"e-c{i}-song_{i}.mid" for i in range(12) if i != 5]
    rows = {row.stored_as: row.sha256 for row in store.submissions()}
    assert set(rows) == {r.stored_as for r in receipts}
    for i, receipt in ((i, r) for i, r in enumerate(results) if i != 5):
        assert hashlib.sha256((store.files / receipt.stored_as).read_bytes()).hexdigest() == rows[receipt.stored_as]
        assert rows[receipt.stored_as] == hashlib.sha256(datas[i]).hexdigest()
    assert list((store.files / files.INCOMING).glob("*.part")) == []  # no temp file left behind
    store.close()


def test_uploads_midi_is_read_in_a_worker_process_with_the_reader_s_own_answers(tmp_path):
    from composerlab.event.checking import MidiChecker, midi_problem

    good, song = midi_upload(tmp_path), midi_upload(tmp_path, n_notes=200, name="song.mid")
    cases = [(good, "a.mid"), (b"Twinkle twinkle little star", "b.mid"), (b"", "c.mid"), (song, "d.mid")] * 3
    expected = [midi_problem(data, name) for data, name in cases]
    assert expected[0] is None and "is not a MIDI file" in expected[1] and "empty" in expected[2]

    def check_all(checker):
        async def burst():  # all at once, as a burst of uploads: several go to the worker together
            return await asyncio.gather(*(checker.problem(data, name) for data, name in cases))

        with ThreadPoolExecutor(1) as thread:  # a loop of its own (see the test above)
            return thread.submit(asyncio.run, burst()).result()

    checker = MidiChecker()
    checker.start()
    try:
        assert checker.ready.wait(60), "the checking process did not come up"  # until then the server checks
        assert check_all(checker) == expected
        assert checker.pool is not None  # the worker answered: it did not fail over to this process
        assert check_all(checker) == expected  # a second burst, on another event loop
    finally:
        checker.stop()
    assert checker.pool is None and check_all(checker) == expected  # stopped: checked here, the same answers
