"""composerlab.music.pianoroll: the grid, notes <-> rolls, Multitrack construction."""
import numpy as np
import pytest
from composerlab.music.pianoroll import (
    Note,
    make_multitrack,
    notes_to_roll,
    onsets_of,
    roll_to_notes,
    stack_rolls,
    steps_per_bar,
    time_signature_of,
)


def test_steps_per_bar():
    assert steps_per_bar((4, 4)) == 16
    assert steps_per_bar((3, 4)) == 12
    assert steps_per_bar((6, 8)) == 12
    assert steps_per_bar((7, 8)) == 14
    with pytest.raises(ValueError, match="does not fit"):
        steps_per_bar((3, 32))


def test_repeated_notes_survive_a_roll():
    notes = [Note(0, 60, 4), Note(4, 60, 4), Note(8, 60, 8), Note(8, 64, 8)]
    back = roll_to_notes(notes_to_roll(notes, 16))
    assert [(n.start, n.pitch, n.length) for n in back] == [(0, 60, 4), (4, 60, 4), (8, 60, 8), (8, 64, 8)]


def test_boolean_roll_reads_sustained_notes():
    roll = np.zeros((8, 128), bool)
    roll[0:3, 62] = True
    roll[5:8, 62] = True
    assert [(n.start, n.length) for n in roll_to_notes(roll)] == [(0, 3), (5, 3)]


def test_notes_past_the_end_are_cut():
    roll = notes_to_roll([Note(14, 60, 8), Note(20, 62, 2)], 16)
    assert roll[14:, 60].all() and not roll[:, 62].any()


def test_make_multitrack_pads_to_whole_bars_and_keeps_meter():
    music = make_multitrack([("A", 0, [Note(0, 60, 5)]), ("B", 40, [Note(2, 48, 20)])],
                            time_signature=(3, 4), tempo=90)
    assert music.tracks[1].program == 40
    assert stack_rolls(music).shape == (2, 24, 128)
    assert time_signature_of(music) == (3, 4)
    assert np.flatnonzero(music.downbeat).tolist() == [0, 12]
    assert float(music.tempo[0]) == 90


def test_the_onset_plane_keeps_repeated_notes_apart_on_boolean_cells():
    notes = [Note(0, 60, 4), Note(4, 60, 4), Note(8, 60, 8), Note(8, 64, 8)]
    roll = notes_to_roll(notes, 16)
    onsets = onsets_of(roll)
    assert np.flatnonzero(onsets[:, 60]).tolist() == [0, 4, 8] and np.flatnonzero(onsets[:, 64]).tolist() == [8]
    cells = roll > 0
    # the cells alone fuse the three Cs into one held note; with the onset plane they stay three notes
    assert [(n.start, n.length) for n in roll_to_notes(cells) if n.pitch == 60] == [(0, 16)]
    back = roll_to_notes(cells, onsets)
    assert [(n.start, n.pitch, n.length) for n in back] == [(0, 60, 4), (4, 60, 4), (8, 60, 8), (8, 64, 8)]
    # a held note stays held: an onset plane of a boolean roll marks only where runs start
    held = np.zeros((8, 128), bool)
    held[0:8, 62] = True
    assert onsets_of(held)[:, 62].tolist() == [True] + [False] * 7
    assert [(n.start, n.length) for n in roll_to_notes(held, onsets_of(held))] == [(0, 8)]
