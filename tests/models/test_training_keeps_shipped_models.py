"""Training at workshop defaults never overwrites a shipped model or a tracked file; installing one is explicit."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import papermill
import pytest
from composerlab.models.judge.training import JUDGE_SUFFIXES, default_output, install_judge
from composerlab.paths import out_dir
from notebook_params import ROOT


def fingerprints(folder):
    """Relative path -> sha256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def git_status(path):
    done = subprocess.run(["git", "status", "--porcelain", "--", str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.notebook
def test_judge_notebook_at_default_output_leaves_data_alone(tmp_path):
    data = ROOT / "data"
    before, status_before = fingerprints(data), git_status(data)
    saved = default_output().with_name(default_output().name + ".weights.h5")
    saved.unlink(missing_ok=True)
    executed = tmp_path / "train_ai_judge_run.ipynb"
    # Workshop defaults except the size of the run: the output and install parameters are left as shipped.
    papermill.execute_notebook(str(ROOT / "facilitator/train_ai_judge.ipynb"), str(executed),
                               parameters={"epochs": 1, "limit": 3}, cwd=str(tmp_path),
                               kernel_name="python3", progress_bar=False)
    assert fingerprints(data) == before
    assert git_status(data) == status_before
    assert saved.is_file() and saved.is_relative_to(out_dir())
    assert json.loads(default_output().with_name("ai_judge.json").read_text())["card"]["epochs_run"] == 1
    shown = "".join(str(o) for c in json.loads(executed.read_text())["cells"] for o in c.get("outputs", []))
    assert "the shipped judge in data/models/ is unchanged" in shown


def test_install_copies_a_trained_judge_over_the_shipped_one(tmp_path, monkeypatch):
    shipped = tmp_path / "data" / "models"
    shipped.mkdir(parents=True)
    monkeypatch.setenv("COMPOSERLAB_DATA", str(tmp_path / "data"))
    run = tmp_path / "run" / "ai_judge"
    run.parent.mkdir()
    with pytest.raises(FileNotFoundError, match="no trained judge to install"):
        install_judge(run)
    for suffix in JUDGE_SUFFIXES:
        shutil.copyfile(ROOT / "data" / "models" / f"ai_judge{suffix}", run.with_name(f"ai_judge{suffix}"))
    written = install_judge(run)
    assert sorted(p.name for p in written) == sorted(f"ai_judge{s}" for s in JUDGE_SUFFIXES)
    assert fingerprints(shipped) == {p.name: fingerprints(ROOT / "data" / "models")[p.name] for p in written}
