"""Every model the kit composes with, by the name ``--model`` takes, and chains of them.

Each :class:`ModelEntry` holds the model's generate function itself (``generate(music, seed=0,
**params) -> Multitrack``), its weights, its kind and its parameters; the command line, the studio and
the docs read them from :data:`MODELS`. A *chain* such as ``"arcnn,bach"`` runs its models in turn:
the first one's output is the next one's input, as in the AWS DeepComposer studio. Importing the
catalog does not load TensorFlow: a model loads it when it first builds its network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from composerlab.errors import UnknownModelError
from composerlab.models.arcnn import generate as arcnn_generate
from composerlab.models.corpora.genres import GENRES
from composerlab.models.gan import generate as gan_generate
from composerlab.models.parameters import Parameter
from composerlab.models.transformer import generate as transformer_generate
from composerlab.music.melody import count_bars
from composerlab.paths import models_dir, user_models_dir

@dataclass(frozen=True)
class ModelEntry:
    """One model a learner can name with ``--model``.

    Parameters
    ----------
    name : str
        What the learner types (``bach``).
    kind : str
        ``"accompany"`` (melody in, several parts out), ``"edit"`` (notes added and removed) or
        ``"extend"`` (the melody continued); a chain steps from one kind to the next (:func:`run_after`).
    summary : str
        One line for ``composerlab models`` and the studio.
    generate : callable
        ``generate(music, seed=0, **params) -> Multitrack``.
    card : str
        Its model card: a file in ``data/models/``, or a path.
    parameters : tuple of Parameter
        What a learner may set (the command line's options, the studio's controls).
    fixed : dict
        Keyword arguments always passed to ``generate`` (which model it loads).
    weights : str
        Its weights: a stem in ``data/models/`` (``bach_gan``: ``bach_gan.weights.h5`` + ``.json``), or
        the path of one you trained.
    family : str
        The model it is (``GAN``, ``AR-CNN``, ``Transformer``): several entries share one, and its parameters.
    """

    name: str
    kind: str
    summary: str
    generate: Callable
    card: str
    parameters: tuple[Parameter, ...] = ()
    fixed: dict = field(default_factory=dict)
    weights: str = ""
    family: str = ""

    def weights_path(self) -> Path:
        """The weights file (``.weights.h5``): in ``data/models/`` for a shipped model, else where it was saved."""
        stem = Path(self.weights)
        return Path(f"{stem}.weights.h5") if stem.parent != Path(".") else models_dir() / f"{stem}.weights.h5"

    def run(self, music, seed: int = 0, **params):
        """Run the model on ``music``; ``params`` are its own parameters."""
        return self.generate(music, seed=seed, **{**self.fixed, **params})


def _gan(name: str, summary: str, weights: str, card: str, model: str) -> ModelEntry:
    return ModelEntry(name, "accompany", summary, gan_generate.compose, card, gan_generate.PARAMETERS,
                      {"model": model}, weights, "GAN")


MODELS: dict[str, ModelEntry] = {
    "bach": _gan("bach", "Bach chorale GAN: alto, tenor and bass under your melody (U-Net, WGAN-GP)",
                 gan_generate.WEIGHTS, f"{gan_generate.WEIGHTS}.md", "bach"),
    **{name: _gan(name, genre.summary, genre.weights, f"{genre.weights}.md", name) for name, genre in GENRES.items()},
    "arcnn": ModelEntry(
        "arcnn", "edit", "AR-CNN: edits your music one note at a time (adds and removes notes, fixes wrong ones)",
        arcnn_generate.generate, f"{arcnn_generate.WEIGHTS}.md", arcnn_generate.PARAMETERS, {"model": "arcnn"},
        arcnn_generate.WEIGHTS, "AR-CNN"),
    "transformer": ModelEntry(
        "transformer", "extend", "Melody Transformer: your melody continued for N bars (temperature, top-k, top-p)",
        transformer_generate.extend, f"{transformer_generate.WEIGHTS}.md", transformer_generate.PARAMETERS,
        {"model": "transformer"}, transformer_generate.WEIGHTS, "Transformer"),
}
"""The shipped models, by the name ``--model`` takes."""


def your_gan(stem: Path, summary: str) -> ModelEntry:
    """The entry of a GAN you trained, saved at ``stem`` (``stem.weights.h5`` + ``stem.json``)."""
    return _gan(stem.name, summary, str(stem), f"{stem}.md", str(stem))


def user_models() -> dict[str, ModelEntry]:
    """GANs a person trained with ``composerlab train gan --name NAME``, by name, from the user's models folder.

    Each is ``NAME.json`` (with ``"model_type": "gan"``) beside ``NAME.weights.h5`` in
    :func:`composerlab.paths.user_models_dir`; its one-line card is the json's ``summary``.
    """
    found = {}
    for meta in sorted(user_models_dir().glob("*.json")):
        stem = meta.with_suffix("")
        if meta.name.endswith(".history.json") or not Path(f"{stem}.weights.h5").exists():
            continue
        try:
            info = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue  # a half-written file is not a model yet
        if info.get("model_type") != "gan" or stem.name in MODELS:
            continue
        found[stem.name] = your_gan(stem, info.get("summary", f"your GAN ({stem.name})"))
    return found


def all_models() -> dict[str, ModelEntry]:
    """The shipped models, then the ones you trained (:func:`user_models`)."""
    return {**MODELS, **user_models()}


def get_model(name: str) -> ModelEntry:
    """The entry for ``name``: a shipped model, one you trained by its name, or a GAN by the path of its weights.

    Raises
    ------
    UnknownModelError
        For any other name, listing the known ones.
    """
    key = name.strip().lower()
    if key in MODELS:
        return MODELS[key]
    own = user_models()
    if key in own:
        return own[key]
    stem = Path(name.strip().removesuffix(".weights.h5"))
    if Path(f"{stem}.weights.h5").exists():
        return your_gan(stem, f"GAN trained by you ({stem})")
    raise UnknownModelError(name, list(MODELS) + list(own))


def parse_chain(chain: str | list[str]) -> list[ModelEntry]:
    """``"arcnn,bach"`` (or a list of names) -> the entries, in order; unknown names raise."""
    names = chain.split(",") if isinstance(chain, str) else list(chain)
    names = [n for n in (n.strip() for n in names) if n]
    if not names:
        raise UnknownModelError("", list(all_models()))
    return [get_model(n) for n in names]


def compose_chain(music, chain: str | list[str], seed: int = 0, params: dict[str, dict] | None = None):
    """Run every model of ``chain`` in turn on ``music``; return the last output.

    Parameters
    ----------
    music : pypianoroll.Multitrack
        The input (a melody, or a composition).
    chain : str or list of str
        Model names, e.g. ``"bach"`` or ``"arcnn,bach"``.
    seed : int
        Passed to every model: the same seed and input give the same music.
    params : dict, optional
        ``{model name: {parameter: value}}`` for the models that take parameters.
    """
    params = params or {}
    previous = None
    for entry in parse_chain(chain):
        music = run_after(previous, entry, music, seed, params.get(entry.name, {}))
        previous = entry
    return music


def handed_on(previous: ModelEntry | None, entry: ModelEntry, music):
    """What ``entry`` receives in a chain after ``previous`` wrote ``music``: music with its notes' onsets.

    An extended melody goes on as one line (melody and continuation). An edited piece goes on as the
    input's tracks as edited, without the notes the AR-CNN wrote itself, to a model that needs a melody
    (``arcnn,bach`` harmonises the repaired tune, ``arcnn,transformer`` continues it); a second editor
    gets all of it. Anything else goes on as it is: the next model takes its melody
    (:func:`composerlab.music.melody.melody`) where it needs one.
    """
    if previous is None:
        return music
    if previous.kind == "extend":
        return transformer_generate.join_tracks(music)
    if previous.kind == "edit" and entry.kind in ("accompany", "extend"):
        return arcnn_generate.edited_line(music)
    return music


def run_after(previous: ModelEntry | None, entry: ModelEntry, music, seed: int = 0, params: dict | None = None):
    """Run ``entry`` on ``music``, the output of ``previous`` in a chain (None: the chain's input).

    The music is handed on by :func:`handed_on`; an accompanying model takes all of it, in its own
    meter (not only its first 8 bars). :func:`compose_chain` and the studio's chains
    (:func:`composerlab.models.library.run_steps`) both step with this, so both give the same notes.
    """
    own = dict(params or {})
    music = handed_on(previous, entry, music)
    if previous is not None and previous.kind == "extend" and entry.kind == "accompany":
        own.setdefault("bars", count_bars(music))
    return entry.run(music, seed=seed, **own)
