"""The keyboard's Python side: step entry, quantised takes, undo, re-record, the melody it gives."""
import pytest
import traitlets

from composerlab.music.melody import describe
from composerlab.music.pianoroll import Note
from composerlab.widgets.keyboard import Keyboard, quantise

BEAT_MS = 600.0  # one quarter note at 100 bpm


def test_step_entry_with_note_lengths_and_a_rest():
    kb = Keyboard()
    kb.handle({"type": "step", "pitch": 60})
    kb.note_length = 8
    kb.handle({"type": "step", "pitch": 64})
    kb.handle({"type": "rest"})
    kb.note_length = 2
    kb.handle({"type": "step", "pitch": 67})
    assert kb.note_list() == [Note(0, 60, 4), Note(4, 64, 8), Note(20, 67, 2)]
    kb.handle({"type": "step", "pitch": 69, "velocity": 112})  # a MIDI keyboard's touch
    assert kb.note_list()[-1] == Note(22, 69, 2, 112)


def test_quantise_snaps_a_slightly_late_human_take():
    events = [{"t": i * BEAT_MS + jitter, "d": 520, "pitch": p}
              for i, (p, jitter) in enumerate(zip([60, 62, 64, 65, 67, 69, 71, 72], [20, -40, 35, 0, -60, 10, 50, -25]))]
    notes = quantise(events, tempo=100, grid=2)
    assert [n.start for n in notes] == [0, 4, 8, 12, 16, 20, 24, 28]
    assert [n.pitch for n in notes] == [60, 62, 64, 65, 67, 69, 71, 72]
    assert all(n.length == 4 for n in notes)


def test_quantise_keeps_one_line_and_drops_what_came_before_the_first_beat():
    events = [{"t": -900, "d": 300, "pitch": 50},   # during the count-in
              {"t": -40, "d": 1500, "pitch": 60},   # a hair early: lands on beat 1
              {"t": 600, "d": 300, "pitch": 62}]    # cuts the long C
    assert quantise(events, 100, 2) == [Note(0, 60, 4), Note(4, 62, 2)]


def test_record_replaces_the_melody_and_undo_restores_it():
    kb = Keyboard(tempo=120)
    kb.press(60)
    take = [{"t": i * 500.0, "d": 450, "pitch": 72 - i} for i in range(8)]  # quarters at 120 bpm
    kb.handle({"type": "take", "events": take})
    assert len(kb.note_list()) == 8 and kb.message == "Recorded 8 notes."
    kb.handle({"type": "take", "events": take[:3]})  # re-record
    assert len(kb.note_list()) == 3 and kb.message == "Recorded 3 notes."
    kb.handle({"type": "undo"})
    assert len(kb.note_list()) == 8 and kb.message == ""  # "Recorded 3 notes." no longer holds
    kb.handle({"type": "undo"})
    assert kb.note_list() == [Note(0, 60, 4)]
    kb.handle({"type": "clear"})
    assert kb.notes == [] and kb.can_undo


def test_an_empty_take_says_so_and_keeps_the_melody():
    kb = Keyboard()
    kb.press(60)
    kb.handle({"type": "take", "events": []})
    assert "Nothing was recorded" in kb.message
    assert kb.note_list() == [Note(0, 60, 4)]


def test_the_melody_is_a_melody_like_any_other():
    kb = Keyboard(tempo=90)
    for pitch in (60, 62, 64, 65, 67, 65, 64, 62):
        kb.press(pitch)
    summary = describe(kb.melody())
    assert summary["notes"] == 8 and summary["bars"] == 2 and summary["tempo"] == 90
    assert (summary["tracks"][0]["lowest"], summary["tracks"][0]["highest"]) == (60, 67)


def test_set_melody_then_limits():
    from composerlab.music.samples import load_sample

    kb = Keyboard()
    kb.set_melody(load_sample("ode_to_joy"))
    assert len(kb.note_list()) == 30 and kb.tempo == 110
    with pytest.raises(traitlets.TraitError, match="2-5 octaves"):
        kb.octaves = 1
    with pytest.raises(traitlets.TraitError, match="outside 30-240"):
        kb.tempo = 500
    with pytest.raises(ValueError, match="0-127"):
        kb.press(200)
    assert "cl-keyboard" in kb._esm and "requestMIDIAccess" in kb._esm and "function tone" in kb._esm
