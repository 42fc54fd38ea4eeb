"""The cells of the AR-CNN's edit loop: the roll as edited, its notes' onsets and owners, its budgets.

:func:`composerlab.models.arcnn.generate.edit` draws a cell each iteration; :class:`EditCells` says which
cells may be drawn (the budgets of ``max_removed`` and ``max_added``) and toggles the drawn one. The
network reads cells alone, but the cells keep their notes: an onset plane says where each note starts
(a repeated note is two notes), and each sounding cell knows the track and velocity of its note, so
what the loop leaves alone comes out as it went in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from composerlab.music.pianoroll import DEFAULT_VELOCITY

REPLACE_SEMITONES = 2
"""How far from a removed note's pitch a drawn cell may lie to put the note back at the drawn pitch."""
NEW = -1
"""The owner of a note the model wrote (not one of the input's tracks)."""


@dataclass
class EditCells:
    """The (steps, pitches) roll an edit works on, with its notes and what it may still remove and add.

    Attributes
    ----------
    x : ndarray
        The cells as edited so far, padded with silence to whole blocks of the network.
    start : ndarray
        The cells as given.
    editable : ndarray
        The cells inside the music (never the padding).
    removable, max_added : int
        How many of the input's cells may be switched off, and how many new cells switched on.
    onsets : ndarray
        Booleans: where a note starts. A run of sounding cells is cut into notes at each.
    owner : ndarray
        int16: the input track a sounding cell's note came from, :data:`NEW` for a note the model wrote.
    velocity : ndarray
        uint8: the velocity of a sounding cell's note.
    touched : ndarray
        Cells the loop toggled, and the last cell of a note it lengthened: a note none of whose cells
        is touched comes out unchanged.
    removed, added : int
        How many cells are, now.
    gaps : list
        (first, last, pitch, owner, velocity) of each note removed and not yet put back.
    toggles : list
        Every edit in order: (iteration, step, MIDI pitch, "add" | "remove", length).
    """

    x: np.ndarray
    start: np.ndarray
    editable: np.ndarray
    removable: int
    max_added: int
    onsets: np.ndarray
    owner: np.ndarray
    velocity: np.ndarray
    touched: np.ndarray
    removed: int = 0
    added: int = 0
    gaps: list = field(default_factory=list)
    toggles: list = field(default_factory=list)
    run_of: np.ndarray | None = None

    @classmethod
    def of(cls, roll: np.ndarray, block: int, max_removed: float, max_added: int, onsets: np.ndarray | None = None,
           owner: np.ndarray | None = None, velocity: np.ndarray | None = None) -> "EditCells":
        """The cells of a (steps, pitches) roll, padded to whole ``block`` steps; ``max_removed`` in percent.

        ``onsets``, ``owner`` and ``velocity`` (the roll's shape) describe its notes; by default each run
        of cells is one note of track 0 at the default velocity.
        """
        length = roll.shape[0]
        x = np.zeros((-(-length // block) * block, roll.shape[1]), dtype=bool)
        x[:length] = roll
        editable = np.zeros_like(x)
        editable[:length] = True
        planes = []
        for plane, fill, dtype in ((onsets, None, bool), (owner, 0, np.int16), (velocity, DEFAULT_VELOCITY, np.uint8)):
            padded = np.zeros(x.shape, dtype=dtype)
            if plane is None:
                padded[:length] = run_starts(x)[:length] if fill is None else np.where(roll, fill, 0)
            else:
                padded[:length] = plane
            planes.append(padded)
        planes[0] &= x
        return cls(x, x.copy(), editable, int(math.floor(max_removed / 100.0 * x.sum())), max_added, *planes,
                   touched=np.zeros_like(x))

    def allowed(self, whole_notes: bool) -> np.ndarray:
        """The cells that may be drawn now: toggling one keeps within both budgets.

        With ``whole_notes`` a sounding cell stands for its whole note (its removal costs every input
        cell of the note); otherwise each cell alone.
        """
        run_of, run_input_cells, _ = runs(self.x, self.start, self.onsets)
        self.run_of = run_of
        allowed = self.editable.copy()
        if whole_notes:
            allowed &= ~self.x | (run_input_cells[run_of] <= self.removable - self.removed)
        elif self.removed >= self.removable:
            allowed &= ~(self.x & self.start)  # no more of the input's notes may go
        if self.added >= self.max_added:
            allowed &= ~(~self.x & ~self.start)  # no new cell may be switched on
        return allowed

    def add(self, iteration: int, step: int, pitch: int, replace: bool, to_midi: int) -> None:
        """Switch on the drawn silent cell, or, with ``replace``, put back over its span a removed note
        the cell lies in (within :data:`REPLACE_SEMITONES`), at the drawn pitch.

        A cell right after a sounding cell of its pitch lengthens that note; any other starts a note
        (the model's own, or the removed note's track and velocity when it puts one back). ``to_midi`` is
        added to a model pitch to give the MIDI pitch the record keeps.
        """
        first = last = step
        gap = gap_at(self.gaps, step, pitch) if replace else None
        if gap is not None:
            self.gaps.remove(gap)
            first, last = replaced_span(self.x, self.start, gap, step, pitch, self.max_added - self.added)
            owner, velocity, onset = gap[3], gap[4], True
        elif step > 0 and self.x[step - 1, pitch]:
            owner, velocity, onset = self.owner[step - 1, pitch], self.velocity[step - 1, pitch], False
            self.touched[step - 1, pitch] = True  # the note it lengthens is no longer the input's
        else:
            owner, velocity, onset = NEW, DEFAULT_VELOCITY, True
        span = slice(first, last + 1)
        self.removed -= int((~self.x[span, pitch] & self.start[span, pitch]).sum())
        self.added += int((~self.x[span, pitch] & ~self.start[span, pitch]).sum())
        self.x[span, pitch] = True
        self.owner[span, pitch], self.velocity[span, pitch] = owner, velocity
        self.onsets[span, pitch] = False
        self.onsets[first, pitch] = onset
        self.touched[span, pitch] = True
        after = last + 1
        if after < len(self.x) and self.x[after, pitch] and owner == NEW and self.owner[after, pitch] == NEW:
            self.onsets[after, pitch] = False  # two notes of the model's own that touch are one note
        self.toggles.append((iteration, int(first), int(pitch + to_midi), "add", int(last + 1 - first)))

    def remove(self, iteration: int, step: int, pitch: int, whole_notes: bool, to_midi: int) -> None:
        """Switch off the drawn sounding cell, or with ``whole_notes`` the whole note it belongs to."""
        first = last = step
        if whole_notes:
            first, last = run_bounds(self.run_of[:, pitch], self.run_of[step, pitch], step)
        elif last + 1 < len(self.x) and self.x[last + 1, pitch]:
            self.onsets[last + 1, pitch] = True  # the rest of a cut note is a note of its own
        self.removed += int(self.start[first: last + 1, pitch].sum())
        self.added -= int((~self.start[first: last + 1, pitch]).sum())
        self.gaps.append((first, last, pitch, int(self.owner[first, pitch]), int(self.velocity[first, pitch])))
        self.x[first: last + 1, pitch] = False
        self.onsets[first: last + 1, pitch] = False
        self.touched[first: last + 1, pitch] = True
        self.toggles.append((iteration, int(first), int(pitch + to_midi), "remove", int(last + 1 - first)))


def run_starts(x: np.ndarray) -> np.ndarray:
    """Booleans: the first cell of each run of sounding cells."""
    return x & ~np.vstack([np.zeros((1, x.shape[1]), bool), x[:-1]])


def runs(x: np.ndarray, start: np.ndarray, onsets: np.ndarray | None = None):
    """Label the notes of the sounding cells (runs, cut at ``onsets``); count each note's input and new cells.

    Returns (note label per cell, 0 for off cells; input cells per label; new cells per label).
    """
    starts = run_starts(x) if onsets is None else run_starts(x) | (onsets & x)
    # number the notes pitch by pitch (column-major), so a note never continues into the next pitch
    labels = (np.cumsum(starts.T.ravel()).reshape(x.shape[1], x.shape[0]).T) * x
    size = int(labels.max()) + 1
    input_cells = np.bincount(labels.ravel(), weights=(x & start).ravel(), minlength=size)
    new_cells = np.bincount(labels.ravel(), weights=(x & ~start).ravel(), minlength=size)
    input_cells[0] = new_cells[0] = 0
    return labels, input_cells.astype(int), new_cells.astype(int)


def gap_at(gaps: list, step: int, pitch: int):
    """The latest removed note ``(first, last, pitch, ...)`` whose span holds ``step``, within
    :data:`REPLACE_SEMITONES` of ``pitch``; None when there is none."""
    for gap in reversed(gaps):
        if gap[0] <= step <= gap[1] and abs(pitch - gap[2]) <= REPLACE_SEMITONES:
            return gap
    return None


def replaced_span(x: np.ndarray, start: np.ndarray, gap: tuple, step: int, pitch: int,
                  added_left: int) -> tuple[int, int]:
    """Steps (first, last) that putting back the removed note ``gap`` at ``pitch`` switches on.

    The silent cells of the gap's span around the drawn ``step``, at the drawn
    pitch; cells that would pass the added budget (``added_left``) are left
    out, from the ends.
    """
    first, last = gap[0], gap[1]
    # a cell that was the input's costs no added budget; count the new cells from the drawn one outwards
    new = ~x[:, pitch] & ~start[:, pitch]
    lo = hi = step
    budget = added_left - int(new[step])
    while lo > first and budget - int(new[lo - 1]) >= 0 and not x[lo - 1, pitch]:
        lo -= 1
        budget -= int(new[lo])
    while hi < last and budget - int(new[hi + 1]) >= 0 and not x[hi + 1, pitch]:
        hi += 1
        budget -= int(new[hi])
    return lo, hi


def run_bounds(column_labels: np.ndarray, run: int, step: int) -> tuple[int, int]:
    """Steps (first, last) of the run labelled ``run`` that holds ``step``, in one pitch's labels."""
    first = last = step
    while first > 0 and column_labels[first - 1] == run:
        first -= 1
    while last + 1 < len(column_labels) and column_labels[last + 1] == run:
        last += 1
    return first, last
