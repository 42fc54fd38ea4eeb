"""The judge notebook, run by papermill on a fixture folder, writes the ranking the facilitator announces."""
from __future__ import annotations

import csv
import json

import numpy as np
import papermill
import pytest
from composerlab.models.judge.cases import tune_with
from composerlab.models.judge.data import load_piece
from composerlab.models.judge.network import load_judge
from composerlab.music.midi import write_midi
from notebook_params import ROOT


@pytest.mark.notebook
def test_judge_notebook_ranks_a_fixture_folder(tmp_path):
    names = load_judge().card["test_pieces"]
    chorales = [n for n in names if n.startswith("bach/")][:2]
    folk = [n for n in names if n.startswith("ryansMammoth/")][0]
    folder = tmp_path / "submissions"
    (folder / "late").mkdir(parents=True)
    write_midi(load_piece(chorales[0]), folder / "ev-ada-chorale.mid")
    write_midi(load_piece(chorales[1]), folder / "late" / "ev-bo-chorale.midi")
    write_midi(load_piece(folk), folder / "ev-cy-reel.mid")
    write_midi(tune_with(load_piece(chorales[0]), "random notes", np.random.default_rng(3)),
               folder / "ev-dee-random.mid")
    (folder / "ev-eli-notes.txt").write_text("my composition is in my head\n")

    out = tmp_path / "ai_judge_results"  # the default: beside the submissions, never inside
    executed = tmp_path / "ai_judge_run.ipynb"
    papermill.execute_notebook(str(ROOT / "facilitator/ai_judge.ipynb"), str(executed),
                               parameters={"submissions_dir": str(folder), "output_dir": "", "top_n": 2},
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False)

    assert not (folder / "ai_judge_results").exists()
    with open(out / "ai_judge_ranking.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ranked = [(r["rank"], r["file"], r["composer"]) for r in rows if not r["error"]]
    assert {r[1] for r in ranked[:2]} == {"ev-ada-chorale.mid", "late/ev-bo-chorale.midi"}
    assert {r[1] for r in ranked[2:]} == {"ev-cy-reel.mid", "ev-dee-random.mid"}
    assert [r[0] for r in ranked] == ["1", "2", "3", "4"]
    scores = {r["file"]: float(r["score"]) for r in rows if not r["error"]}
    assert min(scores["ev-ada-chorale.mid"], scores["late/ev-bo-chorale.midi"]) > \
        max(scores["ev-cy-reel.mid"], scores["ev-dee-random.mid"]) + 20
    failed = [(r["file"], r["error"]) for r in rows if r["error"]]
    assert failed == [("ev-eli-notes.txt", failed[0][1])] and "not a MIDI file" in failed[0][1]
    assert (out / "ai_judge_report.html").read_text(encoding="utf-8").count("<tr class=\"top\">") == 2
    cells = json.loads(executed.read_text())["cells"]
    shown = "".join(str(o) for c in cells for o in c.get("outputs", []))
    assert "ada" in shown and "not judged: ev-eli-notes.txt" in shown
