"""The one exception type for music that cannot be used, with reasons a person can act on."""
from __future__ import annotations

from pathlib import Path


class MusicFileError(ValueError):
    """A music file (or in-memory composition) that cannot be used.

    Parameters
    ----------
    source : str or Path
        The file name, or a short description for in-memory data.
    reason : str
        What is wrong, in plain words ("it is empty", "it has no notes").

    Notes
    -----
    ``str(err)`` reads "<name>: <reason>", so a batch (the AI judge, the event
    server) can list it as it is. Introduced in lab 01.
    """

    def __init__(self, source: str | Path, reason: str):
        self.source = str(source)
        self.name = Path(self.source).name or self.source
        self.reason = reason
        super().__init__(f"{self.name}: {reason}")


class UnknownModelError(ValueError):
    """A model name the kit does not know; the message lists the ones it does."""

    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, list(known)
        shown = f"'{name}'" if name else "no model"
        super().__init__(f"{shown} is not a model here; choose one of: {', '.join(self.known)} "
                         "(or the path of a GAN you trained)")


class ParameterError(ValueError):
    """A model parameter a person gave that cannot be used: ``"<name> <reason>"``.

    Raised before any work starts, so a bad value never surfaces as a
    traceback from deep inside a library. Introduced in lab 05.
    """

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason
        super().__init__(f"{name} {reason}")
