"""The studio's model chain: one row per model, each with its own parameters, as in the original console.

The rows are built from :data:`composerlab.models.catalog.MODELS`, and each row's controls from its
model's parameters (:class:`composerlab.models.parameters.Parameter`, those the studio shows), so a
model added to the catalog shows up here with the right controls without touching this file:
the GAN genres get the key rule; the AR-CNN iterations, maximum share of notes removed, maximum notes
added and temperature ("creative risk"); the Transformer bars added, temperature, top-k and top-p.

Introduced in lab 08.
"""
from __future__ import annotations

import ipywidgets as widgets

from composerlab.models.catalog import MODELS
from composerlab.models.parameters import Parameter


def control(parameter: Parameter, value=None) -> widgets.Widget:
    """The studio's control for one parameter: a tick box, or a number box within its bounds."""
    value = parameter.default if value is None else value
    low, high = parameter.bounds
    style, layout = {"description_width": "initial"}, widgets.Layout(width="auto")
    if isinstance(parameter.default, bool):
        return widgets.Checkbox(value=bool(value), description=parameter.label, indent=False,
                                tooltip=parameter.help, layout=layout)
    if isinstance(parameter.default, int):
        return widgets.BoundedIntText(value=int(value), min=low, max=high, step=parameter.step or 1,
                                      description=parameter.label, tooltip=parameter.help, style=style,
                                      layout=widgets.Layout(width="190px"))
    return widgets.BoundedFloatText(value=float(value), min=low, max=high, step=parameter.step or 0.1,
                                    description=parameter.label, tooltip=parameter.help, style=style,
                                    layout=widgets.Layout(width="190px"))


def parameters_of(name: str) -> list[Parameter]:
    """The controls for catalog model ``name``: its parameters the studio shows."""
    return [p for p in MODELS[name].parameters if p.studio]


PARAMETERS: dict[str, list[Parameter]] = {entry.kind: parameters_of(name) for name, entry in MODELS.items()}
"""The controls each kind of model gets in the studio, read from the catalog (a view, not a second registry)."""


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
        self.controls = {p.name: control(p, values.get(p.name)) for p in parameters_of(self.menu.value)}
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
