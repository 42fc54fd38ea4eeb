"""composerlab.music.midi: reading real, odd and broken MIDI files; writing them back."""
from __future__ import annotations

import os

import mido
import numpy as np
import pytest
from composerlab import MusicFileError, count_bars, read_midi, read_music, write_midi
from composerlab.music.melody import tempo_of
from composerlab.music.pianoroll import time_signature_of, track_notes
from composerlab.music.samples import list_samples, load_sample
from midifiles import TPQ, conductor, note_track, save, scale_notes, timed


def all_notes(multitrack):
    return [n for t in multitrack.tracks for n in track_notes(t)]


@pytest.mark.parametrize("key", list_samples())
def test_sample_melody_round_trip_keeps_every_note(key, tmp_path):
    original = load_sample(key)
    path = write_midi(original, tmp_path / f"{key}.mid")
    back = read_midi(path)
    expected = [(n.pitch, n.start, n.length) for n in track_notes(original.tracks[0])]
    got = [(n.pitch, n.start, n.length) for n in track_notes(back.tracks[0])]
    assert got == expected
    assert len(got) > 20
    assert time_signature_of(back) == time_signature_of(original)
    assert back.name == key
    assert tempo_of(back) == pytest.approx(tempo_of(original))


def test_repeated_notes_stay_separate(tmp_path):
    twinkle = read_midi(write_midi(load_sample("twinkle"), tmp_path / "t.mid"))
    first = track_notes(twinkle.tracks[0])[:2]
    assert [(n.pitch, n.start, n.length) for n in first] == [(60, 0, 4), (60, 4, 4)]


# --- bad files: each raises our error naming the file and the reason -------------------------

def _bad_files(tmp_path):
    good = save(tmp_path / "good.mid", [conductor(), note_track(scale_notes(16))])
    data = good.read_bytes()
    rng = np.random.default_rng(0)
    gap = timed([(0, mido.Message("note_on", note=60, velocity=80)),
                 (2 ** 27, mido.Message("note_off", note=60, velocity=0))])
    hours = [(beat, 0.5, 60 + beat % 12) for beat in range(0, 6000, 4)]  # 6000 beats at 30 bpm: 200 minutes
    cases = {
        "twinkle.txt": (b"Twinkle twinkle little star\n", "is not a MIDI file (it starts with 'Twinkle"),
        "empty.mid": (b"", "empty"),
        "hello.mid": (b"hello\nworld\n", "is not a MIDI file (it starts with 'hello')"),
        "picture.mid": (b"\x89PNG\r\n\x1a\n0000", "(it starts with bytes 89 50 4e 47"),
        "truncated.mid": (data[: len(data) // 2], "truncated"),
        "random.mid": (rng.integers(0, 256, 3000, dtype=np.uint8).tobytes(), "not a MIDI file"),
        "random_after_header.mid": (b"MThd" + rng.integers(0, 256, 400, dtype=np.uint8).tobytes(),
                                    "corrupt"),
        "header_only.mid": (data[:14], "truncated"),
    }
    for name, (content, _) in cases.items():
        (tmp_path / name).write_bytes(content)
    save(tmp_path / "no_notes.mid", [conductor()])
    save(tmp_path / "drums.mid", [conductor(), note_track(scale_notes(8, low=36), channel=9)])
    save(tmp_path / "tick_gap.mid", [conductor(), gap])
    save(tmp_path / "hour.mid", [conductor(bpm=30), note_track(hours)])
    expected = {name: reason for name, (_, reason) in cases.items()}
    expected.update({"no_notes.mid": "has no notes", "drums.mid": "only drum notes",
                     "tick_gap.mid": "absurdly long", "hour.mid": "lasts 200 minutes; the limit is 180"})
    return expected


def test_every_bad_file_raises_our_error_with_name_and_reason(tmp_path):
    expected = _bad_files(tmp_path)
    for name, reason in expected.items():
        with pytest.raises(MusicFileError) as caught:
            read_music(tmp_path / name)
        message = str(caught.value)
        assert message.startswith(f"{name}: "), message
        assert reason in message, message
        assert caught.value.name == name


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(MusicFileError, match="no such file"):
        read_music(tmp_path / "nothing.mid")
    (tmp_path / "folder.mid").mkdir()
    with pytest.raises(MusicFileError, match="folder"):
        read_midi(tmp_path / "folder.mid")


# --- odd but valid files: read with the right number of notes and bars ---------------------

def test_three_four_and_six_eight(tmp_path):
    waltz = read_midi(save(tmp_path / "waltz.MID", [conductor(3, 4), note_track(scale_notes(12))]))
    assert time_signature_of(waltz) == (3, 4)
    assert (len(all_notes(waltz)), count_bars(waltz)) == (12, 4)
    jig = read_midi(save(tmp_path / "jig.midi", [conductor(6, 8), note_track(scale_notes(12, beat=0.5))]))
    assert time_signature_of(jig) == (6, 8)
    assert (len(all_notes(jig)), count_bars(jig)) == (12, 2)


def test_pickup_bar(tmp_path):
    notes = [(3, 1, 67)] + [(4 + i, 1, 60 + i) for i in range(8)]  # one-beat anacrusis
    music = read_midi(save(tmp_path / "pickup.mid", [conductor(), note_track(notes)]))
    assert len(all_notes(music)) == 9
    assert count_bars(music) == 3
    assert all_notes(music)[0].start == 12


def test_triplets_keep_every_note(tmp_path):
    notes = [(i / 3, 1 / 3, 64) for i in range(12)]  # four beats of repeated eighth-note triplets
    music = read_midi(save(tmp_path / "triplets.mid", [conductor(), note_track(notes)]))
    found = all_notes(music)
    assert len(found) == 12
    assert [n.start for n in found[:4]] == [0, 1, 3, 4]


def test_tempo_changes_keep_the_grid(tmp_path):
    music = read_midi(save(tmp_path / "tempo.mid",
                           [conductor(bpm=120, tempo_changes=[(4, 60), (8, 180)]),
                            note_track(scale_notes(12))]))
    assert [n.start for n in all_notes(music)] == [4 * i for i in range(12)]
    assert music.tempo[0] == pytest.approx(120)
    assert music.tempo[16] == pytest.approx(60)
    assert music.tempo[32] == pytest.approx(180, rel=1e-4)


def test_format_zero_with_several_channels(tmp_path):
    events = []
    for channel, low in ((0, 72), (1, 60), (2, 48)):
        track = note_track(scale_notes(8, low=low), channel=channel, program=channel * 8)
        tick = 0
        for message in track:
            tick += message.time
            events.append((tick, message))
    music = read_midi(save(tmp_path / "format0.mid", [timed(events)], file_type=0))
    assert len(music.tracks) == 3
    assert sorted(len(track_notes(t)) for t in music.tracks) == [8, 8, 8]


def test_overlapping_notes_and_zero_velocity_note_offs(tmp_path):
    track = timed([
        (0, mido.Message("note_on", note=60, velocity=90)),
        (TPQ // 2, mido.Message("note_on", note=60, velocity=90)),  # same pitch again, still held
        (TPQ, mido.Message("note_on", note=60, velocity=0)),        # zero-velocity note-off
        (2 * TPQ, mido.Message("note_on", note=60, velocity=0)),
        (2 * TPQ, mido.Message("note_on", note=64, velocity=70)),
        (3 * TPQ, mido.Message("note_on", note=64, velocity=0)),
    ])
    music = read_midi(save(tmp_path / "overlap.mid", [conductor(), track]))
    found = [(n.pitch, n.start, n.length) for n in all_notes(music)]
    assert found == [(60, 0, 2), (60, 2, 2), (64, 8, 4)]


def test_riff_wrapped_midi(tmp_path):
    inner = save(tmp_path / "inner.mid", [conductor(), note_track(scale_notes(8))]).read_bytes()
    riff = b"RIFF" + len(inner).to_bytes(4, "little") + b"RMIDdata" + len(inner).to_bytes(4, "little") + inner
    (tmp_path / "wrapped.rmi").write_bytes(riff)
    assert len(all_notes(read_music(tmp_path / "wrapped.rmi"))) == 8


def test_written_file_has_tempo_meter_and_programs(tmp_path):
    path = write_midi(load_sample("we_wish_you", program=73), tmp_path / "carol.mid")
    midi = mido.MidiFile(str(path))
    metas = {m.type: m for m in midi.tracks[0] if m.is_meta}
    assert (metas["time_signature"].numerator, metas["time_signature"].denominator) == (3, 4)
    assert mido.tempo2bpm(metas["set_tempo"].tempo) == pytest.approx(120)
    programs = [m.program for t in midi.tracks for m in t if m.type == "program_change"]
    assert programs == [73]
    assert os.path.getsize(path) < 2000


def test_refusals_name_the_precise_fault(tmp_path):
    bad_format = tmp_path / "bad_format.mid"
    empty_track = b"MTrk\x00\x00\x00\x00"
    bad_format.write_bytes(b"MThd\x00\x00\x00\x06\x00\x07\x00\x01\x01\xe0" + empty_track)  # format 7
    with pytest.raises(MusicFileError, match="its header names format 7, but only formats 0, 1 and 2 exist"):
        read_midi(bad_format)
    no_tracks = tmp_path / "no_tracks.mid"
    no_tracks.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0" + empty_track)  # one empty track
    with pytest.raises(MusicFileError, match="holds no track with any event"):
        read_midi(no_tracks)


# --- long real pieces: a whole quartet in one file, written the way music21 writes it -------------

def _long_quartet(path, beats, division=10_080):
    """Four tracks over ``beats`` quarter notes at music21's 10,080 ticks per quarter: whole notes
    throughout, then a bar of 16ths (violin), eighth-note triplets (viola) and a dotted rhythm (cello)."""
    tail = beats - 4
    parts = {
        "Violin I": [(b, 4, 72 + (b // 4) % 5) for b in range(0, tail, 4)] + [(tail + i / 4, 0.25, 76) for i in range(16)],
        "Violin II": [(b, 4, 67 + (b // 4) % 3) for b in range(0, tail, 4)] + [(tail, 4, 67)],
        "Viola": [(b, 4, 60) for b in range(0, tail, 4)] + [(tail + i / 3, 1 / 3, 64 + i % 2) for i in range(12)],
        "Violoncello": [(b, 4, 48) for b in range(0, tail, 4)] + [(tail, 1.5, 43), (tail + 1.5, 0.5, 45), (tail + 2, 2, 48)],
    }
    tracks = [conductor(bpm=240)]
    for channel, (name, notes) in enumerate(parts.items()):
        events = [(0, mido.MetaMessage("track_name", name=name))]
        for start, length, pitch in notes:
            events.append((round(start * division), mido.Message("note_on", note=pitch, velocity=80, channel=channel)))
            events.append((round((start + length) * division), mido.Message("note_off", note=pitch, channel=channel)))
        tracks.append(timed(events))
    midi = mido.MidiFile(type=1, ticks_per_beat=division)
    midi.tracks.extend(tracks)
    midi.save(str(path))
    return parts


def test_a_very_long_many_track_file_reads_whole_and_on_the_grid(tmp_path):
    beats = 12_000  # 3,000 bars, past the old 10,000-beat limit: 121 million ticks at music21's resolution
    parts = _long_quartet(tmp_path / "quartet.mid", beats)
    music = read_midi(tmp_path / "quartet.mid")
    assert [t.name for t in music.tracks] == list(parts)
    assert music.tracks[0].pianoroll.shape[0] == beats * 4
    for track, notes in zip(music.tracks, parts.values()):
        got = [(n.start, n.length, n.pitch) for n in track_notes(track)]
        assert len(got) == len(notes)
        # every note on its 16th: starts and lengths exact where they fall on the grid
        assert got[0] == (0, 16, notes[0][2]) and got[-len(notes) + 1][0] == 16
    violin, viola, cello = (track_notes(music.tracks[i]) for i in (0, 2, 3))
    tail = (beats - 4) * 4
    assert [(n.start, n.length) for n in violin[-16:]] == [(tail + i, 1) for i in range(16)]
    assert [n.start for n in viola[-12:]] == [tail + round(i * 4 / 3) for i in range(12)]
    assert [(n.start, n.length, n.pitch) for n in cello[-3:]] == [(tail, 6, 43), (tail + 6, 2, 45), (tail + 8, 8, 48)]


def test_a_file_past_the_longest_piece_is_refused_with_where_it_ends(tmp_path):
    _long_quartet(tmp_path / "endless.mid", 20_400)
    with pytest.raises(MusicFileError) as caught:
        read_midi(tmp_path / "endless.mid")
    message = str(caught.value)
    assert "ends at beat 20,400 (tick 205,632,000 at 10,080 ticks per quarter note)" in message, message
    assert "at most 20,000 beats" in message, message
