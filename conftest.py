"""Suite-wide set-up: parameterized copies of every notebook for nbval.

nbval executes notebooks as they are; ours carry workshop defaults (minutes of
training), so before collection we write copies with the small test
parameters injected (the same values papermill gets) into ``tests/_nbval/``,
which git ignores, and nbval runs those.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
NBVAL_DIR = ROOT / "tests" / "_nbval"


def pytest_configure(config):
    if not config.getoption("--nbval-lax", default=False) and not config.getoption("--nbval", default=False):
        return
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    sys.path.insert(0, str(ROOT / "tests"))
    from notebook_params import NOTEBOOK_PARAMS, notebook_paths, resolve_params

    shutil.rmtree(NBVAL_DIR, ignore_errors=True)
    NBVAL_DIR.mkdir(parents=True)
    tmp = Path(tempfile.mkdtemp(prefix="composerlab-nbval-"))
    for path in notebook_paths():
        key = path.relative_to(ROOT).as_posix()
        if key not in NOTEBOOK_PARAMS:
            continue  # tests/test_notebooks.py fails for it
        notebook = load_notebook_node(str(path))  # papermill's reader: every cell gets its tags list
        notebook = parameterize_notebook(notebook, resolve_params(NOTEBOOK_PARAMS[key], tmp / path.stem))
        target = NBVAL_DIR / key.replace("/", "__")
        nbformat.write(notebook, target)
