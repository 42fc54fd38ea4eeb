"""The submissions folder's file operations, in the order that keeps every acknowledged file.

The store calls these around its transactions: :func:`stage` (temp file, fsync) and :func:`claim` (a
link under a free name, which never overwrites), then an fsync of the folder, before the row commits;
:func:`recover` when an event is opened, for files a crash left without a row. The batch functions run
on the store's staging threads (``threads``): fsync waits for the disk, not the CPU, and the file system
commits fsyncs that overlap together.
"""
from __future__ import annotations

import os
import secrets
import time
from concurrent.futures import Executor, ThreadPoolExecutor
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
    """``data`` in a temp file on the submissions folder's file system, on disk (fsync'd).

    Four system calls (open, write, fsync, close) through :mod:`os` rather than :func:`open`, which adds
    an fstat and a seek, and without a mkdir each time: each call hands the GIL away and must win it back
    from the busy event loop, so under a burst the number of calls, not their work, sets the time."""
    staged = folder / INCOMING / f"{secrets.token_hex(8)}.part"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(staged, flags, 0o644)
    except FileNotFoundError:  # the first upload of the event (or the folder was removed by hand)
        staged.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(staged, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        staged.unlink(missing_ok=True)
        raise
    os.close(fd)
    return staged


def staging_threads() -> ThreadPoolExecutor:
    """The threads a store stages and links its uploads' files on. Written one after another on a thread
    that shares the GIL with a busy event loop, a burst's files took far longer: each system call gave the
    GIL away and waited to get it back."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="composerlab-stage")


def stage_all(threads: Executor, folder: Path, datas: list[bytes]) -> list[Path]:
    """:func:`stage` for each of ``datas``, several at once; the temp files in order (none left on an error)."""
    if len(datas) == 1:
        return [stage(folder, datas[0])]
    futures = [threads.submit(stage, folder, data) for data in datas]
    staged, error = [], None
    for future in futures:
        try:
            staged.append(future.result())
        except BaseException as err:  # the others are still waited for, so that none is left behind
            error = error or err
    if error is not None:
        for path in staged:
            path.unlink(missing_ok=True)
        raise error
    return staged


def claim(folder: Path, stem: str, staged: Path, taken: set[str]) -> str:
    """Link ``staged`` under the first free ``stem[-N].mid`` not in ``taken``; return the name.

    The folder's fsync is the caller's (the store does it once for a batch of uploads, before their rows
    commit)."""
    for n in range(1, 100_000):
        name = f"{stem}.mid" if n == 1 else f"{stem}-{n}.mid"
        if name in taken:
            continue
        try:
            os.link(staged, folder / name)  # fails if the name exists: never overwrites
        except FileExistsError:
            continue
        return name
    raise FileExistsError(f"no free file name left for {stem}")


def claim_all(threads: Executor, folder: Path, items: list[tuple[str, Path]], taken: set[str]) -> list[str]:
    """:func:`claim` for each ``(stem, staged)`` of a batch, without the folder's fsync: the names in order.

    Uploads with the same stem are claimed one after another (the second gets ``-2``), different stems at
    once, on the staging threads (a link is a system call). On an error every name
    claimed is unlinked again and the error raised."""
    by_stem: dict[str, list[int]] = {}
    for i, (stem, _) in enumerate(items):
        by_stem.setdefault(stem, []).append(i)
    names: list[str | None] = [None] * len(items)

    def claim_stem(stem: str, places: list[int]) -> None:
        mine = {name for name in taken if name.startswith(stem)}
        for i in places:
            names[i] = claim(folder, stem, items[i][1], mine)
            mine.add(names[i])

    futures = [threads.submit(claim_stem, stem, places) for stem, places in by_stem.items()]
    error = None
    for future in futures:
        try:
            future.result()
        except BaseException as err:
            error = error or err
    if error is not None:
        for name in names:
            if name:
                (folder / name).unlink(missing_ok=True)
        raise error
    return names


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
