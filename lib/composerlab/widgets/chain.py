"""The studio's model chain: one row per model, each with its own parameters, as in the original console.

The rows are built from :data:`composerlab.models.catalog.MODELS`, and the
parameters from the model's *kind*, so a model added to the catalog shows up
here with the right controls without touching this file:

- ``accompany`` (the GAN genres): the key rule;
- ``edit`` (AR-CNN): iterations, maximum share of notes removed, maximum
  notes added, temperature ("creative risk");
- ``extend`` (Transformer): bars added, temperature, top-k, top-p.

Introduced in lab 08.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets

from composerlab.models.arcnn.generate import DEFAULTS as EDIT_DEFAULTS
from composerlab.models.catalog import MODELS
from composerlab.models.transformer.generate import DEFAULT_BARS, DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P


@dataclass(frozen=True)
class Parameter:
    """One control of a model row: the keyword the model takes, its label, default and range."""

    name: str
    label: str
    default: float | int | bool
    low: float | None = None
    high: float | None = None
    step: float | None = None
    help: str = ""

    def widget(self, value=None) -> widgets.Widget:
        value = self.default if value is None else value
        style, layout = {"description_width": "initial"}, widgets.Layout(width="auto")
        if isinstance(self.default, bool):
            return widgets.Checkbox(value=bool(value), description=self.label, indent=False,
                                    tooltip=self.help, layout=layout)
        if isinstance(self.default, int):
            return widgets.BoundedIntText(value=int(value), min=self.low, max=self.high, step=self.step or 1,
                                          description=self.label, tooltip=self.help, style=style,
                                          layout=widgets.Layout(width="190px"))
        return widgets.BoundedFloatText(value=float(value), min=self.low, max=self.high, step=self.step or 0.1,
                                        description=self.label, tooltip=self.help, style=style,
                                        layout=widgets.Layout(width="190px"))


PARAMETERS: dict[str, list[Parameter]] = {
    "accompany": [Parameter("in_key", "key rule", False,
                            help="only chords inside the melody's key (raw decoding: every note outside it moves a semitone in)")],
    # The defaults are the models' own (a default run in the studio is a default run of the model).
    "edit": [Parameter("iterations", "iterations", EDIT_DEFAULTS["iterations"], 1, 1000, 10,
                       "edit steps, one cell toggled each"),
             Parameter("max_removed", "max removed %", EDIT_DEFAULTS["max_removed"], 0, 100, 5,
                       "most of the input's notes removed"),
             Parameter("max_added", "max added", EDIT_DEFAULTS["max_added"], 0, 1000, 10, "most notes added"),
             Parameter("temperature", "temperature", EDIT_DEFAULTS["temperature"], 0.1, 5.0, 0.1,
                       "creative risk: low sure, high wild")],
    "extend": [Parameter("bars", "bars", DEFAULT_BARS, 1, 16, 1, "bars added after your melody"),
               Parameter("temperature", "temperature", DEFAULT_TEMPERATURE, 0.1, 3.0, 0.1,
                         "low: safe choices, high: surprises"),
               Parameter("top_k", "top-k", DEFAULT_TOP_K, 0, 200, 1, "choose among the k likeliest tokens (0: all)"),
               Parameter("top_p", "top-p", DEFAULT_TOP_P, 0.05, 1.0, 0.05,
                         "nucleus: the likeliest tokens up to this share (1: off)")],
}
"""The controls each kind of model gets in the studio (and the keywords its generate takes)."""


def parameters_of(name: str) -> list[Parameter]:
    """The controls for catalog model ``name``."""
    return PARAMETERS.get(MODELS[name].kind, [])


class ModelRow:
    """One model of the chain: a menu of models and that model's parameters."""

    def __init__(self, on_remove, name: str | None = None, params: dict | None = None):
        names = list(MODELS)
        self.menu = widgets.Dropdown(options=[(f"{n} ({MODELS[n].kind})", n) for n in names],
                                     value=name if name in MODELS else names[0],
                                     layout=widgets.Layout(width="200px"))
        self.menu.add_class("cl-model")
        self.remove_button = widgets.Button(description="remove", layout=widgets.Layout(width="70px"))
        self.remove_button.on_click(lambda _: on_remove(self))
        self.summary = widgets.HTML()
        self.controls: dict[str, widgets.Widget] = {}
        self.params_box = widgets.HBox()
        self.box = widgets.VBox([widgets.HBox([self.menu, self.params_box, self.remove_button]), self.summary])
        self.menu.observe(lambda _: self._build({}), names="value")
        self._build(params or {})

    def _build(self, values: dict) -> None:
        self.controls = {p.name: p.widget(values.get(p.name)) for p in parameters_of(self.menu.value)}
        self.params_box.children = list(self.controls.values())
        self.summary.value = f"<small style='color:#666'>{MODELS[self.menu.value].summary}</small>"

    def step(self) -> dict:
        """``{"model": name, "params": {keyword: value}}`` for the library and :func:`run_steps`."""
        return {"model": self.menu.value, "params": {k: w.value for k, w in self.controls.items()}}


class ChainEditor:
    """The chain of models (one row each, in order) and the seed they all use."""

    def __init__(self, steps: list[dict] | None = None, seed: int = 0):
        self.rows: list[ModelRow] = []
        self.rows_box = widgets.VBox()
        self.add_button = widgets.Button(description="+ model", layout=widgets.Layout(width="90px"))
        self.add_button.add_class("cl-add-model")
        self.add_button.on_click(lambda _: self.add())
        self.seed = widgets.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed",
                                           layout=widgets.Layout(width="160px"))
        self.seed.add_class("cl-seed")
        self.box = widgets.VBox([self.rows_box, widgets.HBox([self.add_button, self.seed])])
        self.set_steps(steps if steps is not None else [{"model": next(iter(MODELS)), "params": {}}])

    def add(self, name: str | None = None, params: dict | None = None) -> ModelRow:
        """Add a model at the end of the chain."""
        row = ModelRow(self.remove, name, params)
        self.rows.append(row)
        self.rows_box.children = [r.box for r in self.rows]
        return row

    def remove(self, row: ModelRow) -> None:
        """Take ``row`` out of the chain."""
        self.rows.remove(row)
        self.rows_box.children = [r.box for r in self.rows]

    def set_steps(self, steps: list[dict]) -> None:
        """Show a saved chain (from the library) as rows."""
        self.rows = []
        self.rows_box.children = []
        for step in steps:
            if step["model"] in MODELS:
                self.add(step["model"], step.get("params", {}))

    def steps(self) -> list[dict]:
        """The chain as the library records it."""
        return [row.step() for row in self.rows]
