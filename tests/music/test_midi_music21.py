"""MIDI files written by music21 (10,080 ticks per quarter note) read as they sound, long ones included.

``bench/bench_reader.py`` reads every quartet and madrigal of the corpus this way; these are a quick few.
"""
from __future__ import annotations

import warnings

import mido
import music21
import pytest
from composerlab.music.midi import PRETTY_MIDI_MAX_TICK, read_midi
from composerlab.music.pianoroll import STEPS_PER_BEAT, n_steps_of, time_signature_of, track_notes


def write_with_music21(score, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score.write("midi", fp=str(path))
    midi_file = mido.MidiFile(str(path))
    return midi_file, max(sum(m.time for m in t) for t in midi_file.tracks)


def long_score(quarters: int = 1200):
    """Two voices in 3/4 with whole bars of long notes: ``quarters`` beats, few notes, quick to write."""
    score = music21.stream.Score()
    for part_index, low in enumerate((67, 48)):
        part = music21.stream.Part(id=f"voice{part_index + 1}")
        part.append(music21.meter.TimeSignature("3/4"))
        for bar in range(quarters // 3):
            part.append(music21.note.Note(low + (bar * 5) % 12, quarterLength=3.0))
        score.insert(0, part)
    return score


def test_a_long_music21_file_past_pretty_midis_tick_limit_reads_whole(tmp_path):
    midi_file, largest = write_with_music21(long_score(1200), tmp_path / "long.mid")
    assert midi_file.ticks_per_beat == 10080 and largest > PRETTY_MIDI_MAX_TICK  # what pretty_midi refused
    music = read_midi(tmp_path / "long.mid")
    assert time_signature_of(music) == (3, 4)
    assert n_steps_of(music) == 1200 * STEPS_PER_BEAT
    notes = [track_notes(t) for t in music.tracks]
    assert [len(n) for n in notes] == [400, 400]
    last = notes[0][-1]
    assert (last.start, last.length, last.pitch) == (399 * 12, 12, 67 + (399 * 5) % 12)


@pytest.mark.parametrize("name", ["haydn/opus1no1/movement4.mxl", "monteverdi/madrigal.4.9.mxl"])
def test_corpus_pieces_written_by_music21_keep_their_parts_and_notes(tmp_path, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = music21.corpus.parse(name)
    midi_file, _ = write_with_music21(score, tmp_path / "piece.mid")
    music = read_midi(tmp_path / "piece.mid")
    assert len(music.tracks) == len(score.parts)
    # Every note music21 wrote is on our grid, except where two starts of one pitch fall on one 16th
    # (ornaments, fast triplets): per track, the file's distinct (16th, pitch) note starts.
    written = [starts_on_grid(t, midi_file.ticks_per_beat) for t in midi_file.tracks]
    written = [n for n in written if n]
    read = [len(track_notes(t)) for t in music.tracks]
    assert read == written


def starts_on_grid(track, ticks_per_beat):
    tick, starts = 0, set()
    for message in track:
        tick += message.time
        if message.type == "note_on" and message.velocity > 0:
            starts.add((round(tick * STEPS_PER_BEAT / ticks_per_beat), message.note))
    return len(starts)
