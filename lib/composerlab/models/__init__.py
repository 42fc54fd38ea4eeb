"""Neural models of Composer Lab (TensorFlow / Keras 3), one subpackage each.

Every model folder has the same shape, so the second is found by analogy with
the first: ``data.py`` (its dataset, from the music21 corpus), ``network.py``
(the Keras model, save and load), ``training.py`` (the loop, progress, the
card), ``generate.py`` (music in, music out).

- ``gan/``: the Bach chorale GAN, a melody in and four parts out (labs 02-04).
- ``judge/``: the AI judge, how Bach-like a composition is (facilitator notebooks).
- ``transformer/``: the melody Transformer that extends a melody, and its n-gram baseline (lab 06).
- ``catalog.py``: every model by the name ``--model`` takes, and chains of them.

May import: ``composerlab.music``, ``composerlab.sound``, ``errors``, ``paths``;
never ``widgets``, ``event``, ``quiz`` or ``cli``. Importing this package does
not import TensorFlow; a model imports it (through :func:`quiet_tensorflow`)
when it is built.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile

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


def one_blas_thread():
    """A context in which numpy's BLAS uses one thread (the studio's Generate runs its models in it).

    Generating is many small matrix products (the Transformer decodes one token
    at a time in numpy); BLAS threads cost more than they give there, and on a busy
    CPU a click took 3 to 5 times longer with them (measured: 0.3-0.45 s against 0.09 s
    for 8 bars with load average 6 on 2 cores).
    """
    global _THREADPOOLS
    if _THREADPOOLS is None:  # finding the loaded libraries takes a while: once
        from threadpoolctl import ThreadpoolController

        _THREADPOOLS = ThreadpoolController()
    return _THREADPOOLS.limit(limits=1, user_api="blas")


_THREADPOOLS = None


def install_run(stem, suffixes, name: str, what: str, command: str) -> list:
    """Copy a training run's files (``stem`` + each suffix) over the shipped ``data/models/<name>.*``.

    The one step that replaces a shipped model, on purpose only (every model's ``install``).
    Returns the files written. Raises FileNotFoundError naming the missing files, copying
    nothing, when the run is incomplete; ``what`` and ``command`` word that error.
    """
    import shutil
    from pathlib import Path

    from composerlab.paths import models_dir

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
