"""The submissions folder's file operations, in the order that keeps every acknowledged file.

:class:`~composerlab.event.store.Store` calls these around its transactions:
:func:`stage` (temp file, fsync) and :func:`claim` (a link under a free name,
which never overwrites), then an fsync of the folder, before the row commits;
:func:`recover` when an event is opened, for files a crash left without a row.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

INCOMING = ".incoming"
UNACKNOWLEDGED = ".unacknowledged"
STALE_SECONDS = 600
"""A temp file this old belongs to an upload that died; a live one is younger."""


def fsync_dir(folder: Path) -> None:
    """Make a new directory entry durable (a no-op where folders cannot be opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(folder: Path, data: bytes) -> Path:
    """``data`` in a temp file on the submissions folder's file system, on disk (fsync'd)."""
    incoming = folder / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    staged = incoming / f"{secrets.token_hex(8)}.part"
    with open(staged, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return staged


def claim(folder: Path, stem: str, staged: Path, taken: set[str], sync: bool = True) -> str:
    """Link ``staged`` under the first free ``stem[-N].mid`` not in ``taken``; sync the folder; return the name.

    ``sync=False`` leaves the folder's fsync to the caller (the store does it once for a batch of uploads,
    before their rows commit)."""
    for n in range(1, 100_000):
        name = f"{stem}.mid" if n == 1 else f"{stem}-{n}.mid"
        if name in taken:
            continue
        try:
            os.link(staged, folder / name)  # fails if the name exists: never overwrites
        except FileExistsError:
            continue
        if sync:
            fsync_dir(folder)
        return name
    raise FileExistsError(f"no free file name left for {stem}")


def recover(folder: Path, known: set[str]) -> list[str]:
    """Move files not in ``known`` (no row) to ``.unacknowledged/``; drop stale temp files. Returns the moved names."""
    moved = []
    for path in folder.iterdir():
        if path.is_file() and not path.name.startswith(".") and path.name not in known:
            aside = folder / UNACKNOWLEDGED
            aside.mkdir(exist_ok=True)
            path.rename(aside / path.name)
            moved.append(path.name)
    for part in (folder / INCOMING).glob("*.part"):
        if time.time() - part.stat().st_mtime > STALE_SECONDS:
            part.unlink(missing_ok=True)
    return moved
