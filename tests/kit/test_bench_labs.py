"""bench/bench_labs.py measures what it says: a notebook's wall time, CPU seconds and peak memory."""
from __future__ import annotations

import importlib.util

import nbformat
import pytest

from notebook_params import ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_labs", ROOT / "bench" / "bench_labs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_lab_sees_the_kernels_memory_and_cpu(bench, tmp_path):
    # A notebook that holds 300 MB for a second and burns about 2 s of CPU.
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    parameters = nbformat.v4.new_code_cell("SIZE_MB = 300\nSPIN_S = 2.0")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell(
        "import time\nimport numpy as np\nblock = np.ones(SIZE_MB * 2**20 // 8)\ntime.sleep(1.0)\n"
        "end = time.process_time() + SPIN_S\nwhile time.process_time() < end:\n    pass")]
    path = ROOT / "out" / "bench-test" / "holds_memory.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    row = bench.run_lab(path, {"SIZE_MB": 300}, tmp_path, interval=0.1)
    assert row["ok"], row["error"]
    assert 300 <= row["kernel_peak_mb"] < 900, row
    assert row["tree_peak_mb"] >= row["kernel_peak_mb"]
    assert row["cpu_s"] >= 2.0 and row["kernel_cpu_s"] >= 1.5 and row["wall_s"] >= 3.0, row
    failing = bench.run_lab(path, {"SIZE_MB": "not a number"}, tmp_path)
    assert not failing["ok"] and failing["error"]


def test_sizing_adds_hub_memory_per_user_and_kernel_peaks_per_active_learner(bench):
    rows = [{"ok": True, "lab": "labs/03_gan_training.ipynb", "kernel_peak_mb": 1000, "cpu_s": 300.0, "wall_s": 100.0},
            {"ok": True, "lab": "labs/00_welcome.ipynb", "kernel_peak_mb": 600, "cpu_s": 150.0, "wall_s": 100.0},
            {"ok": False, "lab": "labs/04_x.ipynb", "kernel_peak_mb": 9999, "cpu_s": 9999.0, "wall_s": 1.0}]
    table = {(r["learners"], r["active_share"]): r for r in bench.sizing(rows)}
    assert set(table) == {(n, a) for n in (30, 100, 300) for a in (0.4, 0.6)}
    row = table[(100, 0.6)]
    assert row["active"] == 60
    assert row["memory_gb"] == pytest.approx((100 * 128 + 60 * 1000) / 1024, abs=0.06)
    # Lab 00 is the heaviest for its 10-minute slot: 150 CPU s in 200 s = 0.75 cores per active learner
    # (lab 03: 300 CPU s in 600 s = 0.5); 60 x 0.75 = 45 cores. The failed run is ignored.
    assert row["cores"] == 45 and row["cpu_lab"] == "labs/00_welcome.ipynb"
    assert table[(30, 0.4)]["active"] == 12 and bench.sizing([]) == []
