"""Shared pieces of the live quiz's server tests: an event with the quiz plugged in, in-process or on uvicorn."""
from __future__ import annotations

from pathlib import Path

import pytest
from eventkit import OnUvicorn, bearer


def inline_bank(n=3, seconds=20):
    """``n`` questions whose correct choice is ``i % 4``."""
    return [{"question": f"Question {i + 1}?", "choices": [f"a{i}", f"b{i}", f"c{i}", f"d{i}"], "answer": [i % 4],
             "seconds": seconds} for i in range(n)]


class QuizClient:
    """An event in a temp folder served with the quiz plugin, a TestClient and the host's token."""

    def __init__(self, folder: Path, make: bool = True):
        from fastapi.testclient import TestClient

        from composerlab.event.app import create_app
        from composerlab.event.store import Store
        from composerlab.quiz.web import install

        self.folder = folder
        if make:
            Store.create(folder / "event", "Summit 24", ["Ada", "Ben"]).close()
        self.app = create_app(folder / "event", plugins=(install,))
        self.store, self.quiz = self.app.state.store, self.app.state.quiz
        self.token = self.store.event().admin_token
        self.admin = bearer(self.token)
        self.client = TestClient(self.app)

    def new_game(self, n=3, seconds=20, **extra) -> str:
        r = self.client.post("/api/quiz/games", json={"questions": inline_bank(n, seconds), **extra}, headers=self.admin)
        assert r.status_code == 201, r.text
        return r.json()["pin"]

    def join(self, pin, nickname) -> dict:
        r = self.client.post(f"/api/quiz/games/{pin}/players", json={"nickname": nickname})
        assert r.status_code == 201, r.text
        return bearer(r.json()["player_token"])

    def next(self, pin) -> dict:
        r = self.client.post(f"/api/quiz/games/{pin}/next", headers=self.admin)
        assert r.status_code == 200, r.text
        return r.json()

    def answer(self, pin, player, choice, **extra):
        return self.client.post(f"/api/quiz/games/{pin}/answers", json={"choice": choice, **extra}, headers=player)

    def close(self):
        self.client.close()
        self.store.close()


class LiveQuiz(OnUvicorn, QuizClient):
    """The same, served by a real uvicorn on 127.0.0.1 (a thread)."""

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.serve()


@pytest.fixture
def quiz(tmp_path):
    kit = QuizClient(tmp_path)
    yield kit
    kit.close()


@pytest.fixture
def live_quiz(tmp_path):
    kit = LiveQuiz(tmp_path)
    yield kit
    kit.close()
