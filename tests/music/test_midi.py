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
    hour = [(beat, 0.5, 60 + beat % 12) for beat in range(0, 5400, 4)]  # 5400 beats at 60 bpm: 90 minutes
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
    save(tmp_path / "hour.mid", [conductor(bpm=60), note_track(hour)])
    expected = {name: reason for name, (_, reason) in cases.items()}
    expected.update({"no_notes.mid": "has no notes", "drums.mid": "only drum notes",
                     "tick_gap.mid": "absurdly long", "hour.mid": "lasts 90 minutes; the limit is 60"})
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
