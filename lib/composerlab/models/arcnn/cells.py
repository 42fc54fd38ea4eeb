"""Bookkeeping of the edit loop's cells: runs of on cells (notes), removed notes and putting them back.

Helpers of :func:`composerlab.models.arcnn.generate.edit`, which explains the
loop; a "note" there is a run of on cells of one pitch.
"""
from __future__ import annotations

import numpy as np

REPLACE_SEMITONES = 2
"""How far from a removed note's pitch a drawn cell may lie to put the note back at the drawn pitch (see ``replace``)."""


def _runs(x: np.ndarray, start: np.ndarray):
    """Label the runs of on cells of each pitch; count each run's input cells and new cells.

    Returns (run label per cell, 0 for off cells; input cells per label; new cells per label).
    """
    starts = x & ~np.vstack([np.zeros((1, x.shape[1]), bool), x[:-1]])
    # number the runs pitch by pitch (column-major), so a run never continues into the next pitch
    labels = (np.cumsum(starts.T.ravel()).reshape(x.shape[1], x.shape[0]).T) * x
    size = int(labels.max()) + 1
    input_cells = np.bincount(labels.ravel(), weights=(x & start).ravel(), minlength=size)
    new_cells = np.bincount(labels.ravel(), weights=(x & ~start).ravel(), minlength=size)
    input_cells[0] = new_cells[0] = 0
    return labels, input_cells.astype(int), new_cells.astype(int)


def _gap_at(gaps: list, step: int, pitch: int):
    """The latest removed note ``(first, last, pitch)`` whose span holds ``step``, within
    :data:`REPLACE_SEMITONES` of ``pitch``; None when there is none."""
    for gap in reversed(gaps):
        if gap[0] <= step <= gap[1] and abs(pitch - gap[2]) <= REPLACE_SEMITONES:
            return gap
    return None


def _replaced_span(x: np.ndarray, start: np.ndarray, gap: tuple, step: int, pitch: int,
                   added_left: int) -> tuple[int, int]:
    """Steps (first, last) that putting back the removed note ``gap`` at ``pitch`` switches on.

    The silent cells of the gap's span around the drawn ``step``, at the drawn
    pitch; cells that would pass the added budget (``added_left``) are left
    out, from the ends.
    """
    first, last, _ = gap
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


def _run_bounds(column_labels: np.ndarray, run: int, step: int) -> tuple[int, int]:
    first = last = step
    while first > 0 and column_labels[first - 1] == run:
        first -= 1
    while last + 1 < len(column_labels) and column_labels[last + 1] == run:
        last += 1
    return first, last
