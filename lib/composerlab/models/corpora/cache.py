"""The one cache of parsed music: numpy arrays (and a little JSON) per dataset, versioned, written atomically.

Parsing music21's corpus takes minutes, so every dataset the models learn from is parsed once and
kept under :func:`composerlab.paths.cache_dir` (git-ignored). Each dataset names itself and its
format's version once (a :class:`Cache`); a file is ``<folder>/<name>[_<key>]_v<version>.npz``, so a
format change is a new version and old files are simply never read again. A file is written to a
temporary name beside it and renamed over the target (``os.replace``), so an interrupted run never
leaves a half-written cache that a later run would read.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from composerlab.paths import cache_dir

META = "meta_json"
"""The array that holds a cache file's JSON data, if it has any."""


@dataclass(frozen=True)
class Cache:
    """One kind of cached dataset: its name, its format's version and its folder under the cache.

    ``key`` tells apart the files of one kind (a book's name, a genre, a seed).
    """

    name: str
    version: int
    folder: str = ""

    def path(self, key: str = "") -> Path:
        """The file for ``key`` (its folder made if need be)."""
        folder = cache_dir() / self.folder if self.folder else cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{self.name}_{key}" if key else self.name
        return folder / f"{stem}_v{self.version}.npz"

    def exists(self, key: str = "") -> bool:
        return self.path(key).is_file()

    def load(self, key: str = "") -> tuple[dict[str, np.ndarray], dict] | None:
        """``(arrays, meta)`` saved for ``key``, or None when there is no such file."""
        path = self.path(key)
        if not path.is_file():
            return None
        with np.load(path) as data:
            arrays = {name: data[name] for name in data.files if name != META}
            meta = json.loads(str(data[META])) if META in data.files else {}
        return arrays, meta

    def save(self, arrays: dict[str, np.ndarray], key: str = "", meta: dict | None = None) -> Path:
        """Write ``arrays`` (and ``meta``, JSON) for ``key`` atomically; return the file."""
        path = self.path(key)
        content = dict(arrays)
        if meta is not None:
            content[META] = np.array(json.dumps(meta))
        atomic_write(path, lambda file: np.savez_compressed(file, **content))
        return path


def pack_rolls(rolls: list[np.ndarray], axis: int = 0) -> dict[str, np.ndarray]:
    """Boolean rolls of different lengths along ``axis`` as arrays: their lengths, their joined shape, the bits."""
    lengths = np.array([r.shape[axis] for r in rolls], dtype=np.int64)
    joined = np.concatenate(rolls, axis=axis) if rolls else np.zeros((0,), bool)
    return {"lengths": lengths, "shape": np.array(joined.shape), "rolls": np.packbits(joined.ravel())}


def unpack_rolls(arrays: dict[str, np.ndarray], axis: int = 0) -> list[np.ndarray]:
    """The rolls :func:`pack_rolls` packed, each its own copy."""
    shape = tuple(int(n) for n in arrays["shape"])
    flat = np.unpackbits(arrays["rolls"])[: int(np.prod(shape))].astype(bool).reshape(shape)
    bounds = np.concatenate([[0], np.cumsum(arrays["lengths"])]).astype(int)
    index = [slice(None)] * flat.ndim
    out = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index[axis] = slice(start, stop)
        out.append(flat[tuple(index)].copy())
    return out


def write_json(path: str | Path, data) -> Path:
    """Write ``data`` as JSON to ``path`` atomically (a checkpoint's state, a run's history)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda file: file.write(json.dumps(data).encode("utf-8")))
    return path


def atomic_write(path: Path, write) -> None:
    """Call ``write(file)`` on a new temporary file beside ``path``, then rename it over ``path``.

    A reader sees the old file or the whole new one, never a part; a failed write leaves no temporary file.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
