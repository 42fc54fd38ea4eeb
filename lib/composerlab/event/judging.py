"""The AI judge over an event's pieces, with progress in the database: in a background thread (the admin
page, the API) or in the caller's (``composerlab judge --event``), the same pieces either way.

It ranks what :meth:`Store.for_ai <composerlab.event.store.Store.for_ai>` gives: eligible, not withdrawn
(a late piece only because the facilitator accepted it). Each piece is read with the kit's reader and scored
by :func:`composerlab.models.judge.scoring.judge_music`; a piece that cannot be judged is stored with its
reason and the run goes on. Progress (done/total) and every score are rows, so the facilitator's page, the
command line and the notebook all follow the same run.
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
from composerlab.models.judge.scoring import Verdict, judge_music, rank
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


def run_ai_judge(store: Store, run_id: int, pieces: list[int], model_path: str | Path | None = None,
                 progress=None) -> list[Verdict]:
    """Judge ``pieces`` (submission ids) for run ``run_id`` (blocking); errors end the run as failed.

    Returns the verdicts, ranked, then the pieces that could not be judged (``file``: the stored name);
    ``progress(done, total)`` is called after each piece.
    """
    judged, failed = [], []
    try:
        model = load_judge(model_path)
        for done, piece in enumerate(pieces, 1):
            row = store.submission(piece)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    verdict = judge_music(read_midi(store.path_of(row)), model, name=row.stored_as)
                verdict.composer = row.alias
                judged.append(verdict)
                record(store, run_id, row.id, score=verdict.score, classifier=verdict.classifier,
                       pitch=verdict.pitch, why=verdict.why)
            except MusicFileError as err:
                failed.append(Verdict(file=row.stored_as, composer=row.alias, error=err.reason))
                record(store, run_id, row.id, error=err.reason)
            if progress:
                progress(done, len(pieces))
        finish_run(store, run_id)
    except Exception as err:  # the run is marked failed with the reason; the server keeps going
        finish_run(store, run_id, error=f"{type(err).__name__}: {err}"[:500])
        raise
    return rank(judged) + failed


def judge_event(store: Store, model_path: str | Path | None = None, progress=None) -> tuple[int, list[Verdict]]:
    """One run over the event's pieces in this thread, stored in the event as the admin page's are:
    ``(run id, verdicts)`` (``composerlab judge --event``)."""
    pieces = [row.id for row in store.for_ai()]
    run_id = start_run(store, len(pieces))
    return run_id, run_ai_judge(store, run_id, pieces, model_path, progress)


def start_ai_judge(store: Store, model_path: str | Path | None = None) -> int:
    """Start a run in a background thread and return its id at once (409 when one is running)."""
    pieces = [row.id for row in store.for_ai()]
    run_id = start_run(store, len(pieces))

    def run() -> None:
        try:
            run_ai_judge(store, run_id, pieces, model_path)
        except Exception:  # noqa: BLE001  (already recorded as the run's error; the server goes on)
            pass

    threading.Thread(target=run, name=f"ai-judge-{run_id}", daemon=True).start()
    return run_id
