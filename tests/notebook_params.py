"""Small parameters that every notebook is tested with.

Each notebook in ``labs/`` and ``facilitator/`` has one entry: the values
injected into its ``parameters`` cell for nbval and papermill runs in CI. A
notebook without an entry fails the suite (see ``tests/test_notebooks.py``).
Paths in values may use ``{tmp}``, replaced by a fresh temporary folder.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK_PARAMS = {
    "facilitator/ai_judge.ipynb": {"output_dir": "{tmp}/results", "top_n": 2},
    "facilitator/quiz.ipynb": {"event_dir": "{tmp}/event", "port": 0, "bank": "lab01", "questions": 3,
                               "simulated_players": 3, "auto_play": True, "stop_server_at_end": True},
    "facilitator/run_event.ipynb": {"event_dir": "{tmp}/event", "port": 0, "rehearsal": 9,
                                    "stop_server_at_end": True},
    "facilitator/train_ai_judge.ipynb": {"epochs": 1, "limit": 3, "output": "{tmp}/ai_judge"},
    "labs/00_welcome.ipynb": {},
    "labs/01_music_as_data.ipynb": {},
    "labs/02_data_preparation.ipynb": {"N_CHORALES": 30},
    "labs/03_gan_training.ipynb": {"ITERATIONS": 12, "BATCH_SIZE": 8, "CHANNELS": 8, "EVAL_EVERY": 6,
                                   "N_CHORALES": 30, "MODEL_NAME": "test_bach_gan"},
    "labs/04_gan_inference_and_evaluation.ipynb": {"SEEDS": [0, 1], "N_CHORALES": 40, "LISTEN_AT": 2},
    "labs/05_arcnn.ipynb": {"ITERATIONS": 20, "TEMPERATURES": [0.5, 2.0], "ITERATION_SWEEP": [5, 20],
                            "ANIMATION_EVERY": 5, "TRAIN_ITERATIONS": 6, "TRAIN_CHANNELS": 8, "TRAIN_BATCH": 8,
                            "N_CHORALES": 30},
    "labs/06_transformer.ipynb": {"EPOCHS": 2, "STEPS": 3, "BATCH_SIZE": 4, "CONTEXT": 64, "WIDTH": 32,
                                  "LAYERS": 1, "FOLK_TUNES": 20, "CHORALES": 30, "BARS": 2, "SEEDS": [0, 1],
                                  "MODEL_NAME": "test_transformer"},
    "labs/07_custom_genre.ipynb": {"N_FILES": 4, "ITERATIONS": 3, "BATCH_SIZE": 8, "MODEL_NAME": "test_custom_genre",
                                   "TUNES": ["twinkle"]},
    "labs/08_studio.ipynb": {"LIBRARY": "{tmp}/library", "SEED": 1},
}


def notebook_paths() -> list[Path]:
    """Every source notebook of the kit."""
    return sorted(p for folder in ("labs", "facilitator") for p in (ROOT / folder).rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def resolve_params(params: dict, tmp: Path) -> dict:
    """The test parameters with ``{tmp}`` replaced by ``tmp``."""
    return {k: v.replace("{tmp}", str(tmp)) if isinstance(v, str) else v for k, v in params.items()}
