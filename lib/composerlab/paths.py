"""Where Composer Lab keeps things, anchored at the repository, never at the working directory."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent.parent
"""The checkout the package is installed from (``pip install -e .``)."""


def data_dir() -> Path:
    """The ``data/`` folder: sample files, pretrained weights and model cards.

    ``COMPOSERLAB_DATA`` overrides it (for a JupyterHub with a shared read-only copy).
    """
    return Path(os.environ.get("COMPOSERLAB_DATA", REPO_ROOT / "data"))


def models_dir() -> Path:
    """Pretrained weights and their model cards."""
    return data_dir() / "models"


def cache_dir() -> Path:
    """Rebuildable caches (datasets as tensors); ignored by git.

    ``COMPOSERLAB_CACHE`` overrides it.
    """
    path = Path(os.environ.get("COMPOSERLAB_CACHE", REPO_ROOT / ".cache")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def out_dir() -> Path:
    """Where labs and commands write renders and executed notebooks; ignored by git.

    ``COMPOSERLAB_OUT`` overrides it (``~`` allowed): on a JupyterHub where every learner imports
    one shared install, each learner's outputs go to their own home (``~/composerlab-out``).
    """
    path = Path(os.environ["COMPOSERLAB_OUT"]).expanduser() if os.environ.get("COMPOSERLAB_OUT") \
        else REPO_ROOT / "out"
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_models_dir() -> Path:
    """Models a person trained (``composerlab train gan --name NAME``): ``models/`` under :func:`out_dir`.

    Never ``data/models``: a run of one's own never replaces a shipped model.
    """
    path = out_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
