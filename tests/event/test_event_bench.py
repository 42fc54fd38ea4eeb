"""The event benchmark at a small size: concurrent load and a kill -9 mid-run lose nothing."""
import json
import subprocess
import sys

from notebook_params import ROOT


def test_load_and_kill_9_lose_nothing_acknowledged():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_event.py"), "--uploaders", "20", "--judges", "3",
                          "--viewers", "5", "--json"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["acknowledged_uploads"] == 20 + 5 * 3  # the seed pieces and every uploader
    assert figures["rows"] == figures["files"] == figures["acknowledged_uploads"] and figures["rows_equal_files"]
    assert figures["lost_uploads"] == 0 and figures["lost_scores"] == 0
    assert figures["acknowledged_scores"] == figures["score_versions_stored"] == 5 * 3 * 4
    assert figures["board_events"] > 5 and figures["board_reads"] > 5  # the viewers saw the board move
    assert figures["integrity"] == "ok"
    crash = figures["crash"]
    assert crash["errors"] == 0 and crash["lost_uploads"] == 0 and crash["lost_scores"] == 0
    assert crash["acknowledged_uploads"] >= 15  # the seed pieces at least, acknowledged before the kill
    assert crash["rows_equal_files"] and crash["integrity"] == "ok"
