"""The quiz benchmark at a small size: every acknowledged answer is stored and scored exactly once."""
import json
import subprocess
import sys

from notebook_params import ROOT


def test_players_answer_and_nothing_is_lost():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_quiz.py"), "--players", "20", "--questions", "3",
                          "--max-delay", "0.5", "--json"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["errors"] == 0 and figures["refused"] == 0, (figures["error_samples"], figures["refused_samples"])
    assert figures["answers_acknowledged"] == figures["answers_stored"] == 20 * 3
    assert figures["lost_answers"] == 0 and figures["stored_but_not_acknowledged"] == 0
    assert figures["answers_not_scored_exactly_once"] == 0
    assert figures["results_rows"] == figures["results_expected"] == 20 * 3   # everyone scored once per question
    assert figures["points_equal_scored_sum"] and figures["game_state"] == "finished"
    assert figures["seen_samples"] == 20 * 3                                   # every player saw every question
    assert figures["server_tracebacks"] == 0 and figures["integrity"] == "ok"
