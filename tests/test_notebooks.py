"""Every notebook: committed clean, has a parameters cell and test parameters, runs under papermill."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest
from notebook_params import NOTEBOOK_PARAMS, ROOT, notebook_paths, resolve_params

NOTEBOOKS = [p.relative_to(ROOT).as_posix() for p in notebook_paths()]


def test_there_are_notebooks():
    assert "labs/00_welcome.ipynb" in NOTEBOOKS
    assert "labs/01_music_as_data.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name):
    notebook = nbformat.read(ROOT / name, as_version=4)
    dirty = [i for i, c in enumerate(notebook.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{name} carries outputs in cells {dirty}: strip them (nbstripout)"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_one_parameters_cell_and_test_values(name):
    notebook = nbformat.read(ROOT / name, as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{name} needs exactly one cell tagged 'parameters'"
    assert name in NOTEBOOK_PARAMS, f"{name} has no entry in tests/notebook_params.py"
    for key in NOTEBOOK_PARAMS[name]:
        assert f"{key} =" in tagged[0].source or f"{key}=" in tagged[0].source, \
            f"{name}: test parameter {key} is not in its parameters cell"


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_under_papermill(name, tmp_path):
    params = resolve_params(NOTEBOOK_PARAMS[name], tmp_path)
    output = tmp_path / Path(name).name
    papermill.execute_notebook(str(ROOT / name), str(output), parameters=params,
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False)
    executed = json.loads(output.read_text())
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    streamed = "".join("".join(o.get("text", "")) for o in outputs if o.get("output_type") == "stream")
    for noise in ("absl::InitializeLog", "oneDNN custom operations", "cpu_feature_guard"):
        assert noise not in streamed, f"{name} shows TensorFlow's start-up log ({noise}) to the learner"
