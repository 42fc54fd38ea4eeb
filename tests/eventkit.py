"""Shared pieces of the event server's tests: real MIDI uploads, an event folder, an in-process client."""
from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from midifiles import conductor, note_track, save, scale_notes

JUDGES = ("Ada", "Ben", "Cleo")


def midi_upload(tmp_path: Path, n_notes: int = 16, low: int = 60, name: str = "piece.mid") -> bytes:
    """The bytes of a real, small MIDI file (a scale from ``low``); different arguments give different files."""
    return save(tmp_path / name, [conductor(), note_track(scale_notes(n_notes, low=low))]).read_bytes()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answers(ask: Callable[[], object], process: subprocess.Popen, *, seconds: float = 120,
                       errors: tuple = (OSError,), log: Path | None = None) -> None:
    """Call ``ask()`` until it raises none of ``errors``: the server ``process`` started is ready.

    If the process ends or ``seconds`` pass first, it is killed and RuntimeError says so (with the tail
    of its ``log``), so a test never goes on against a server that is not there.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            ask()
            return
        except errors:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
                raise RuntimeError(f"the server did not answer within {seconds:.0f} s\n{tail}") from None
            time.sleep(0.1)


def stop_process(process: subprocess.Popen, seconds: float = 20) -> None:
    """Ask a server process to stop; kill it if it has not within ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class OnUvicorn:
    """Mixed into a kit that has built its ``app``: :meth:`serve` puts it on a real uvicorn on a free
    loopback port (a thread), and ``close`` stops the server before the kit closes."""

    def serve(self) -> None:
        from composerlab.event.app import BackgroundServer

        self.server = BackgroundServer(self.app, "127.0.0.1", free_port()).start()
        self.url = self.server.url

    def close(self):
        self.server.stop()
        super().close()


class EventClient:
    """An event in a temp folder, its app and a TestClient, with the tokens at hand."""

    def __init__(self, folder: Path, judges=JUDGES, **limits):
        from fastapi.testclient import TestClient

        from composerlab.event.app import create_app
        from composerlab.event.store import Store

        Store.create(folder / "event", "Summit 24", list(judges), **limits).close()
        self.folder = folder
        self.app = create_app(folder / "event")
        self.store = self.app.state.store
        self.client = TestClient(self.app)
        self.admin = bearer(self.store.event().admin_token)
        self.judges = {j.name: bearer(j.token) for j in self.store.judges()}
        self.tokens = {j.name: j.token for j in self.store.judges()}
        self._n = 0

    def upload(self, alias="mozzie", title="First Light", data: bytes | None = None, file_name="song.mid"):
        if data is None:
            self._n += 1
            data = midi_upload(self.folder, 8 + self._n % 24, 48 + self._n % 30, f"gen{self._n}.mid")
        fields = {k: v for k, v in (("alias", alias), ("title", title)) if v is not None}
        return self.client.post("/api/submissions", data=fields, files={"file": (file_name, data, "audio/midi")})

    def stored_files(self) -> list[str]:
        return sorted(p.name for p in (self.folder / "event" / "submissions").iterdir() if p.is_file())

    def score_all(self, round_name=None, values=(4, 3, 5), skip: set[str] = frozenset()) -> int:
        """Every judge (but ``skip``) scores every assigned piece; returns how many scores were sent."""
        sent = 0
        for name, header in self.judges.items():
            if name in skip:
                continue
            for piece in self.client.get("/api/assignments", headers=header).json()["submissions"]:
                body = dict(zip(("originality", "balance", "emotional"), values), comment=f"{name} liked it")
                assert self.client.put(f"/api/scores/{piece['id']}", json=body, headers=header).status_code == 200
                sent += 1
        return sent

    def close(self):
        self.client.close()
        self.store.close()


@pytest.fixture
def event(tmp_path):
    kit = EventClient(tmp_path)
    yield kit
    kit.close()
