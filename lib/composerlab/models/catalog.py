"""Every model the kit composes with, by name, and chains of them.

A *chain* such as ``"arcnn,bach"`` runs its models in turn: the first one's
output is the next one's input, as in the AWS DeepComposer studio. Each model
is a function ``generate(music, seed=0, **params) -> Multitrack`` named here as
``"module:function"`` and imported only when used, so listing the models does
not load TensorFlow.

A new model adds one :class:`ModelEntry` to :data:`MODELS` (see ARCHITECTURE.md).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from composerlab.errors import UnknownModelError


@dataclass(frozen=True)
class ModelEntry:
    """One model a learner can name with ``--model``.

    Parameters
    ----------
    name : str
        What the learner types (``bach``).
    kind : str
        ``"accompany"`` (melody in, several parts out), ``"edit"`` (notes added
        and removed) or ``"extend"`` (the melody continued).
    summary : str
        One line for ``composerlab models`` and the studio.
    generate : str
        ``"package.module:function"``; the function takes ``(music, seed=0, **params)``.
    card : str
        The model card in ``data/models/``.
    fixed : dict
        Keyword arguments always passed (e.g. which weights a GAN loads).
    """

    name: str
    kind: str
    summary: str
    generate: str
    card: str
    fixed: dict = field(default_factory=dict)

    def function(self):
        """The generate function, imported now."""
        module, _, attr = self.generate.partition(":")
        return getattr(importlib.import_module(module), attr)

    def run(self, music, seed: int = 0, **params):
        """Run the model on ``music``; ``params`` are its own parameters."""
        return self.function()(music, seed=seed, **{**self.fixed, **params})


MODELS: dict[str, ModelEntry] = {
    "bach": ModelEntry(
        "bach", "accompany", "Bach chorale GAN: alto, tenor and bass under your melody (U-Net, WGAN-GP)",
        "composerlab.models.gan.generate:compose", "bach_gan.md", {"model": "bach"}),
    "palestrina": ModelEntry(
        "palestrina", "accompany", "Palestrina GAN: Renaissance masses, three voices under your melody (choir)",
        "composerlab.models.gan.generate:compose", "palestrina_gan.md", {"model": "palestrina"}),
    "monteverdi": ModelEntry(
        "monteverdi", "accompany", "Monteverdi GAN: madrigals, three parts under your melody (a voice over viols)",
        "composerlab.models.gan.generate:compose", "monteverdi_gan.md", {"model": "monteverdi"}),
    "quartet": ModelEntry(
        "quartet", "accompany",
        "String quartet GAN: Haydn, Mozart, Beethoven; violin II, viola, cello under your melody",
        "composerlab.models.gan.generate:compose", "quartet_gan.md", {"model": "quartet"}),
    "arcnn": ModelEntry(
        "arcnn", "edit", "AR-CNN: edits your music one note at a time (adds and removes notes, fixes wrong ones)",
        "composerlab.models.arcnn.generate:generate", "arcnn.md", {"model": "arcnn"}),
    "transformer": ModelEntry(
        "transformer", "extend", "Melody Transformer: your melody continued for N bars (temperature, top-k, top-p)",
        "composerlab.models.transformer.generate:extend", "transformer.md", {"model": "transformer"}),
}
"""The shipped models, by the name ``--model`` takes."""


def user_models() -> dict[str, ModelEntry]:
    """GANs a person trained with ``composerlab train gan --name NAME``, by name, from the user's models folder.

    Each is ``NAME.json`` (with ``"model_type": "gan"``) beside ``NAME.weights.h5`` in
    :func:`composerlab.paths.user_models_dir`; its one-line card is the json's ``summary``.
    """
    import json

    from composerlab.paths import user_models_dir

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
        found[stem.name] = ModelEntry(stem.name, "accompany", info.get("summary", f"your GAN ({stem.name})"),
                                      "composerlab.models.gan.generate:compose", f"{stem}.md", {"model": str(stem)})
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
        return ModelEntry(stem.name, "accompany", f"GAN trained by you ({stem})",
                          "composerlab.models.gan.generate:compose", f"{stem}.md", {"model": str(stem)})
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


def run_after(previous: ModelEntry | None, entry: ModelEntry, music, seed: int = 0, params: dict | None = None):
    """Run ``entry`` on ``music``, the output of ``previous`` in a chain (None: the chain's input).

    An extended melody goes on as one line, and an accompanying model takes all of
    it (not only its first 8 bars). :func:`compose_chain` and the studio's chains
    (:func:`composerlab.models.library.run_steps`) both step with this.
    """
    own = dict(params or {})
    if previous is not None and previous.kind == "extend":
        from composerlab.models.transformer.generate import join_tracks
        from composerlab.music.melody import count_bars

        music = join_tracks(music)
        if entry.kind == "accompany":
            own.setdefault("bars", count_bars(music))
    return entry.run(music, seed=seed, **own)
