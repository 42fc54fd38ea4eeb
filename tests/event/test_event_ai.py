"""The AI judge over an event: in the background from the API, and the papermill judge notebook on its folder."""
import csv
import time

import pytest
from eventkit import event  # noqa: F401  (a fixture)

from composerlab.event.facilitator import rehearsal_submissions


def test_ai_judge_runs_in_the_background_over_eligible_submissions(event):
    stored = rehearsal_submissions(event.store, n=4)
    event.upload(None, "no alias, not judged")
    started = event.client.post("/api/ai/run", headers=event.admin)
    assert started.status_code == 202
    ends = time.monotonic() + 300
    while (state := event.client.get("/api/ai").json())["run"]["state"] == "running":
        assert time.monotonic() < ends, "the AI judge did not finish in 5 minutes"
        time.sleep(0.5)
    assert state["run"]["state"] == "done", state["run"]["error"]
    assert (state["run"]["done"], state["run"]["total"]) == (4, 4)
    rows = state["rows"]
    assert sorted(r["stored_as"] for r in rows) == sorted(stored)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4] and [r["podium"] for r in rows] == [True] * 3 + [False]
    assert all(0 <= r["score"] <= 100 and r["why"] and not r["error"] for r in rows)
    assert rows == sorted(rows, key=lambda r: -r["score"])
    page = event.client.get("/leaderboard?round=ai").text
    assert "AI judge: done, 4 of 4" in page and rows[0]["title"] in page
    awards = event.client.get("/awards").text
    assert awards.count('<p class="why">') == 3
    # a second run is a new run with the same scores (the judge is deterministic)
    assert event.client.post("/api/ai/run", headers=event.admin).status_code == 202
    while event.client.get("/api/ai").json()["run"]["state"] == "running":
        assert time.monotonic() < ends
        time.sleep(0.5)
    again = event.client.get("/api/ai").json()
    assert again["run"]["id"] == state["run"]["id"] + 1
    assert [(r["id"], r["score"]) for r in again["rows"]] == [(r["id"], r["score"]) for r in rows]
    # a withdrawn piece leaves the ranking; the one-day format deals the AI judge's top N to every judge
    event.client.post(f"/api/submissions/{rows[0]['id']}/withdraw", json={"reason": "a sample"}, headers=event.admin)
    ranked = event.client.get("/api/ai").json()["rows"]
    assert [r["id"] for r in ranked] == [r["id"] for r in rows[1:]] and ranked[0]["rank"] == 1
    dealt = event.client.post("/api/rounds/preliminary", json={"from_ai_top": 2}, headers=event.admin).json()
    assert dealt["mode"] == "everyone" and dealt["ai_top"] == 2
    assert all(sorted(ps) == sorted(r["id"] for r in rows[1:3]) for ps in dealt["assignments"].values())


@pytest.mark.notebook
def test_the_papermill_judge_notebook_runs_over_the_event_folder(event, tmp_path):
    import papermill

    from notebook_params import ROOT

    stored = rehearsal_submissions(event.store, n=3)
    event.upload(None, "anonymous")
    (event.folder / "event" / "submissions" / ".incoming" / "x.part").write_bytes(b"half an upload")
    papermill.execute_notebook(str(ROOT / "facilitator" / "ai_judge.ipynb"), str(tmp_path / "run.ipynb"),
                               parameters={"submissions_dir": str(event.folder / "event" / "submissions"),
                                           "output_dir": str(tmp_path / "results"), "top_n": 3},
                               kernel_name="python3", progress_bar=False, cwd=str(ROOT))
    with open(tmp_path / "results" / "ai_judge_ranking.csv", newline="") as handle:
        ranked = list(csv.DictReader(handle))
    files = {r["file"] for r in ranked}
    assert set(stored) <= files and len(files) == 4  # the anonymous piece is judged too; hidden folders are not
    assert {r["composer"] for r in ranked if r["file"] in stored} == {"rehearsal_1", "rehearsal_2", "rehearsal_3"}
