"""What every model needs from the running process: TensorFlow without its start-up log, one BLAS
thread while generating, and the one step that installs a training run over the shipped files."""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

from threadpoolctl import ThreadpoolController

from composerlab.paths import models_dir

# Lines TensorFlow's C++ core writes to the process's stderr while it loads:
# notes for its developers, not for a learner (no environment variable
# silences the first two; TF_CPP_MIN_LOG_LEVEL only drops the CPU-feature note).
_START_UP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog|oneDNN custom operations are on|cpu_feature_guard|"
    r"To enable the following instructions|rebuild TensorFlow with the appropriate compiler flags")


def quiet_tensorflow():
    """Import TensorFlow (once) without its start-up log lines; return the module.

    The lines are written by C++ straight to file descriptor 2, past Python's
    ``sys.stderr``, so descriptor 2 is pointed at a temporary file during the
    import and everything in it except the known start-up notes is written
    back (an import error's message still shows).
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            # TensorFlow takes seconds to load: imported here, when a network is first built, never on import
            import tensorflow
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode("utf-8", "replace").splitlines()
                    if line.strip() and not _START_UP_NOISE.search(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
    return tensorflow


@cache
def _threadpools() -> ThreadpoolController:
    """The process's BLAS and OpenMP libraries; finding them takes a while, so once."""
    return ThreadpoolController()


def one_blas_thread():
    """A context in which numpy's BLAS uses one thread (the studio's Generate runs its models in it).

    Generating is many small matrix products (the Transformer decodes one token
    at a time in numpy); BLAS threads cost more than they give there, most of
    all on a busy CPU.
    """
    return _threadpools().limit(limits=1, user_api="blas")


def install_run(stem, suffixes, name: str, what: str, command: str) -> list:
    """Copy a training run's files (``stem`` + each suffix) over the shipped ``data/models/<name>.*``.

    The one step that replaces a shipped model, on purpose only (every model's ``install``).
    Returns the files written. Raises FileNotFoundError naming the missing files, copying
    nothing, when the run is incomplete; ``what`` and ``command`` word that error.
    """
    sources = [Path(f"{stem}{suffix}") for suffix in suffixes]
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no trained {what} to install: {', '.join(missing)} missing; run '{command}' first")
    written = []
    for source, suffix in zip(sources, suffixes):
        target = models_dir() / f"{name}{suffix}"
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        written.append(target)
    return written
