"""A model's parameters, each described once, and the one check every model runs on them.

A :class:`Parameter` is what a learner can set on a model: the keyword its generate function takes,
its default, the values it accepts, its label and help. Each model's generate module lists its own
(``PARAMETERS``); the catalog hands them on, and the command line's options, the studio's controls
and the checks are all read from them.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

from composerlab.errors import ParameterError


@dataclass(frozen=True)
class Parameter:
    """One setting of a model.

    Parameters
    ----------
    name : str
        The keyword the model's generate function takes (``max_removed``).
    label : str
        Its name in the studio (``max removed %``).
    default
        The value a default run uses (None: the model chooses).
    help : str
        One line for people: the studio's tooltip and the command line's help.
    low, high : number, optional
        The values it accepts, both ends included (None: no bound).
    above : bool
        ``low`` itself is refused: values must be above it.
    whole : bool
        Only whole numbers (given as an int, or a float with nothing after the point).
    step : number, optional
        The studio's step.
    shown : (low, high), optional
        The studio's bounds where they are narrower than what the model accepts.
    unit : str
        Words after the range in an error (`` (percent of the input's notes)``).
    requirement : str
        The accepted values in words, for an error, where the range's own words do not fit.
    option : str, optional
        The command-line option (``--max-removed``); None: not on the command line.
    flag
        For an option that takes no value: the value it sets (``--raw`` sets ``decoding="raw"``).
    metavar : str, optional
        The option's value in the command line's help.
    parse : callable, optional
        Reads the option's text (``"40,40,41,42"`` -> ``(40, 40, 41, 42)``).
    studio : bool
        Whether the studio shows it.
    """

    name: str
    label: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    above: bool = False
    whole: bool = False
    step: float | None = None
    shown: tuple | None = None
    unit: str = ""
    requirement: str = ""
    option: str | None = None
    flag: Any = None
    metavar: str | None = None
    parse: Callable[[str], Any] | None = None
    studio: bool = True

    @property
    def bounds(self) -> tuple:
        """(low, high) of the studio's control."""
        return self.shown or (self.low, self.high)

    def accepted(self) -> str:
        """The values it accepts, in words: ``1-1000``, ``above 0``, ``0 or more``."""
        if self.low is None:
            return "" if self.high is None else f"at most {self.high:g}"
        low = f"above {self.low:g}" if self.above else f"{self.low:g}"
        if self.high is None:
            return low if self.above else f"{low} or more"
        return f"{low}, at most {self.high:g}" if self.above else f"{low}-{self.high:g}"

    def check(self, value):
        """``value`` as the model takes it (an int for a whole number, else a float); a
        :class:`~composerlab.errors.ParameterError` naming the parameter and why otherwise."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            self._refuse(value, f"a number from {self.low} to {self.high}{self.unit}, got {value!r}")
        if not math.isfinite(value) or not self._in_range(value):
            self._refuse(value, f"from {self.low} to {self.high}{self.unit}, got {value}")
        if self.whole and float(value) != int(value):
            self._refuse(value, f"a whole number, got {value}")
        return int(value) if self.whole else float(value)

    def _in_range(self, value) -> bool:
        if self.low is not None and (value <= self.low if self.above else value < self.low):
            return False
        return self.high is None or value <= self.high

    def _refuse(self, value, reason: str):
        if self.requirement:  # one wording for every way a value can be wrong
            reason = f"{self.requirement}, got {value!r}"
        raise ParameterError(self.name, f"must be {reason}")


def check_parameters(parameters, values: dict) -> dict:
    """Every number among ``parameters``, its value from ``values`` (its default where missing), checked.

    Returns ``{name: value}`` as the model takes them. Raises
    :class:`~composerlab.errors.ParameterError` for the first bad one, before any work starts.
    """
    out = {}
    for parameter in parameters:
        value = values.get(parameter.name)
        out[parameter.name] = parameter.check(parameter.default if value is None else value)
    return out


def defaults(parameters) -> dict:
    """``{name: default}`` of ``parameters``."""
    return {p.name: p.default for p in parameters}


def markdown_table(parameters) -> str:
    """The parameters as a Markdown table (name, what it does, values, default): what the labs and the model
    cards show, written from the one description."""
    rows = ["| parameter | what it does | values | default |", "|---|---|---|---|"]
    for p in parameters:
        default = "the model's own" if p.default is None else f"{p.default:g}" if isinstance(p.default, float) \
            else str(p.default)
        rows.append(f"| `{p.name}` | {p.help} | {p.accepted() or 'see the help'} | {default} |")
    return "\n".join(rows)
