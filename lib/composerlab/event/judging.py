"""The AI judge over an event's eligible submissions, in a background thread, with progress in the database.

Each piece is read with the kit's reader and scored by
:func:`composerlab.models.judge.scoring.judge_music`; a piece that cannot be
judged is stored with its reason and the run goes on. Progress (done/total)
and every score are rows, so the facilitator's page and the notebook both
follow the same run.
"""
from __future__ import annotations

import threading
import warnings
from pathlib import Path

from sqlalchemy import select, update

from composerlab.errors import MusicFileError
from composerlab.event.rules import EventError
from composerlab.event.store import Store
from composerlab.event.tables import AIRun, AIScore, utcnow
from composerlab.models.judge.network import load_judge  # TensorFlow is imported when the model is loaded
from composerlab.models.judge.scoring import judge_music
from composerlab.music.midi import read_midi


def start_run(store: Store, total: int) -> int:
    """A new run's id (409 while another one is running)."""
    with store.write() as s:
        if s.scalar(select(AIRun.id).where(AIRun.state == "running")) is not None:
            raise EventError("the AI judge is running already", 409)
        run = AIRun(total=total)
        s.add(run)
        s.flush()
        return run.id


def record(store: Store, run_id: int, submission_id: int, score=None, classifier=None, pitch=None, why="",
           error="") -> None:
    """One piece's result (or the reason it could not be judged), and the run's progress, in one transaction."""
    with store.write() as s:
        s.add(AIScore(run_id=run_id, submission_id=submission_id, score=score, classifier=classifier, pitch=pitch,
                      why=why, error=error))
        s.execute(update(AIRun).where(AIRun.id == run_id).values(done=AIRun.done + 1))


def finish_run(store: Store, run_id: int, error: str = "") -> None:
    with store.write() as s:
        s.execute(update(AIRun).where(AIRun.id == run_id).values(
            state="failed" if error else "done", error=error, finished_at=utcnow()))


def latest_run(store: Store) -> AIRun | None:
    with store.read() as s:
        return s.scalar(select(AIRun).order_by(AIRun.id.desc()).limit(1))


def latest_scores(store: Store) -> list[AIScore]:
    """The latest run's results, best first (pieces that could not be judged last)."""
    run = latest_run(store)
    if run is None:
        return []
    with store.read() as s:
        rows = list(s.scalars(select(AIScore).where(AIScore.run_id == run.id)))
    return sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), r.submission_id))


def run_ai_judge(store: Store, run_id: int, model_path: str | Path | None = None) -> None:
    """Judge every eligible submission for run ``run_id`` (blocking); errors end the run as failed."""
    try:
        model = load_judge(model_path)
        for row in [r for r in store.submissions() if r.eligible]:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    verdict = judge_music(read_midi(store.path_of(row)), model, name=row.stored_as)
                record(store, run_id, row.id, score=verdict.score, classifier=verdict.classifier,
                       pitch=verdict.pitch, why=verdict.why)
            except MusicFileError as err:
                record(store, run_id, row.id, error=err.reason)
        finish_run(store, run_id)
    except Exception as err:  # the run is marked failed with the reason; the server keeps going
        finish_run(store, run_id, error=f"{type(err).__name__}: {err}"[:500])


def start_ai_judge(store: Store, model_path: str | Path | None = None) -> int:
    """Start a run in a background thread and return its id at once (409 when one is running)."""
    total = sum(1 for r in store.submissions() if r.eligible)
    run_id = start_run(store, total)
    threading.Thread(target=run_ai_judge, args=(store, run_id, model_path), name=f"ai-judge-{run_id}",
                     daemon=True).start()
    return run_id
