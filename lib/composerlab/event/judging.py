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

from composerlab.event.store import Store


def run_ai_judge(store: Store, run_id: int, model_path: str | Path | None = None) -> None:
    """Judge every eligible submission for run ``run_id`` (blocking); errors end the run as failed."""
    try:
        from composerlab.errors import MusicFileError
        from composerlab.models.judge.network import load_judge
        from composerlab.models.judge.scoring import judge_music
        from composerlab.music.midi import read_midi

        model = load_judge(model_path)
        for row in [r for r in store.submissions() if r.eligible]:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    verdict = judge_music(read_midi(store.path_of(row)), model, name=row.stored_as)
                store.record_ai(run_id, row.id, score=verdict.score, classifier=verdict.classifier,
                                pitch=verdict.pitch, why=verdict.why)
            except MusicFileError as err:
                store.record_ai(run_id, row.id, error=err.reason)
        store.finish_ai_run(run_id)
    except Exception as err:  # the run is marked failed with the reason; the server keeps going
        store.finish_ai_run(run_id, error=f"{type(err).__name__}: {err}"[:500])


def start_ai_judge(store: Store, model_path: str | Path | None = None) -> int:
    """Start a run in a background thread and return its id at once (409 when one is running)."""
    total = sum(1 for r in store.submissions() if r.eligible)
    run_id = store.start_ai_run(total)
    threading.Thread(target=run_ai_judge, args=(store, run_id, model_path), name=f"ai-judge-{run_id}",
                     daemon=True).start()
    return run_id
