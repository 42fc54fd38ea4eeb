"""The editor's Python side: the gestures the page reports, undo, transpose, tempo, the music out."""
import pytest

from composerlab.models.catalog import compose_chain
from composerlab.music.melody import tempo_of
from composerlab.music.pianoroll import Note, track_notes
from composerlab.music.samples import load_sample
from composerlab.widgets.editor import Editor


def fresh():
    return Editor(load_sample("twinkle"))


def test_click_adds_and_removes_a_note():
    ed = fresh()
    before = ed.note_list()
    ed.handle({"type": "add", "start": 2, "pitch": 74, "length": 2})
    assert Note(2, 74, 2) in ed.note_list() and len(ed.note_list()) == len(before) + 1
    index = ed.notes.index([2, 74, 2, 90])
    ed.handle({"type": "remove", "index": index})
    assert ed.note_list() == before


def test_adding_over_a_sounding_note_cuts_it():
    ed = Editor()
    ed.add(0, 60, 8)
    ed.add(4, 60, 2)
    assert ed.note_list() == [Note(0, 60, 4), Note(4, 60, 2)]


def test_drag_changes_pitch_and_length_then_undo():
    ed = fresh()
    first = ed.notes[0]
    assert first[:3] == [0, 60, 4]
    ed.handle({"type": "move", "index": 0, "pitch": 64, "start": 0})
    assert ed.notes[0][:3] == [0, 64, 4]
    ed.handle({"type": "resize", "index": 0, "length": 3})
    assert ed.notes[0][:3] == [0, 64, 3]
    ed.handle({"type": "undo"})
    ed.handle({"type": "undo"})
    assert ed.notes[0] == first and not ed.can_undo


def test_transpose_tempo_and_the_music_out():
    ed = fresh()
    ed.handle({"type": "transpose", "semitones": 2})
    ed.handle({"type": "tempo", "bpm": 132})
    music = ed.music()
    notes = track_notes(music.tracks[0])
    assert notes[0] == Note(0, 62, 4, notes[0].velocity) and len(notes) == 28
    assert tempo_of(music) == 132
    ed.handle({"type": "undo"})
    assert ed.tempo == 100


def test_the_view_follows_a_transposition_back_and_a_fixed_tempo_clears_its_error():
    ed = fresh()
    view = (ed.low, ed.high)
    ed.transpose(12)
    assert (ed.low, ed.high) == (view[0] + 12, view[1] + 12)
    ed.transpose(-12)
    assert (ed.low, ed.high) == view  # it shrinks back: no empty octave left above the melody
    ed.handle({"type": "tempo", "bpm": 999})
    assert "outside 30-240" in ed.message
    ed.handle({"type": "tempo", "bpm": 90})
    assert ed.message == "" and ed.tempo == 90


def test_mistakes_become_messages_not_tracebacks():
    ed = Editor(load_sample("mary"))
    ed.handle({"type": "transpose", "semitones": 90})
    assert "outside 0-127" in ed.message
    ed.handle({"type": "remove", "index": 400})
    assert "there is no note 400" in ed.message
    ed.handle({"type": "tempo", "bpm": 999})
    assert "outside 30-240" in ed.message
    assert len(ed.note_list()) == 26


def test_an_accompaniment_is_kept_while_the_melody_is_edited():
    full = compose_chain(load_sample("twinkle"), "bach", seed=0)
    ed = Editor(full)
    assert [t["name"] for t in ed.other_tracks] == ["Alto", "Tenor", "Bass"]  # drawn faint: what goes along
    assert sorted(ed.others) == sorted([n.start, n.pitch, n.length, i] for i, t in enumerate(full.tracks) if i
                                       for n in track_notes(t))
    assert ed.low <= min(n[1] for n in ed.others)  # the view shows them all
    ed.move(0, 67)
    out = ed.music()
    assert len(out.tracks) == 4
    assert [track_notes(t) for t in out.tracks[1:]] == [track_notes(t) for t in full.tracks[1:]]
    assert track_notes(out.tracks[0])[0].pitch == 67


def test_notes_past_the_end_lengthen_the_roll():
    ed = Editor(load_sample("mary"))
    assert ed.n_steps == 128
    ed.add(130, 60, 4)
    assert ed.n_steps == 144 and ed.music().tracks[0].pianoroll.shape[0] == 144
    with pytest.raises(ValueError, match="pitch 0-127"):
        ed.add(0, 130)
