"""composerlab.music.melody: melody extraction, clipping, transposing, describing; samples and notation."""
import warnings

import music21
import pytest
from composerlab import (
    clip_bars,
    count_bars,
    describe,
    melody,
    read_music,
    set_tempo,
    transpose,
)
from composerlab.music.melody import ClippedWarning, tempo_of
from composerlab.music.notation import load_corpus
from composerlab.music.pianoroll import Note, make_multitrack, track_notes
from composerlab.music.samples import SAMPLES, list_samples, load_sample, parse_notes


def test_there_are_at_least_eight_named_samples():
    assert len(list_samples()) >= 8
    for key in ("twinkle", "ode_to_joy", "mary", "new_world", "deck_the_halls", "we_wish_you"):
        assert key in SAMPLES
    assert load_sample("twinkle").name == "Twinkle Twinkle Little Star"
    with pytest.raises(KeyError, match="choose one of"):
        load_sample("yesterday")


def test_parse_notes_and_rests():
    assert parse_notes("C4/4 R/2 F#4/2") == [Note(0, 60, 4), Note(6, 66, 2)]


@pytest.mark.parametrize("key", list_samples())
def test_samples_are_in_the_key_they_claim(key):
    info = describe(load_sample(key))
    assert info["bars"] in (8, 9)
    assert info["key"] in ("C major", "G major", "A minor", "E minor")


def test_melody_takes_the_top_line_of_the_highest_busy_track():
    chords = [Note(i * 4, p, 4) for i in range(8) for p in (48, 52, 55)]
    tune = [Note(i * 2, 72 + i % 5, 2) for i in range(16)]
    sparse_high = [Note(0, 100, 2)]
    music = make_multitrack([("Chords", 0, chords), ("Tune", 73, tune), ("Bell", 9, sparse_high)])
    line = melody(music)
    assert len(line.tracks) == 1 and line.tracks[0].program == 73
    assert [n.pitch for n in track_notes(line.tracks[0])] == [n.pitch for n in tune]
    top = melody(music, track=0)
    assert [n.pitch for n in track_notes(top.tracks[0])] == [55] * 8


def test_clip_says_so_and_pads_short_pieces():
    long_piece = make_multitrack([("x", 0, [Note(i * 4, 60 + i % 12, 4) for i in range(48)])])
    assert count_bars(long_piece) == 12
    with pytest.warns(ClippedWarning, match="has 12 bars; using bars 1-8"):
        clipped = clip_bars(long_piece, 8)
    assert clipped.tracks[0].pianoroll.shape == (128, 128)
    assert len(track_notes(clipped.tracks[0])) == 32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        short = clip_bars(make_multitrack([("x", 0, [Note(0, 60, 4)])]), 8)
    assert short.tracks[0].pianoroll.shape == (128, 128)


def test_transpose_and_tempo():
    up = transpose(load_sample("twinkle"), 5)
    assert track_notes(up.tracks[0])[0].pitch == 65
    assert describe(up)["key"] == "F major"
    assert track_notes(transpose(up, -5).tracks[0]) == track_notes(load_sample("twinkle").tracks[0])
    assert tempo_of(set_tempo(up, 72)) == 72
    with pytest.raises(ValueError, match="outside"):
        set_tempo(up, 1000)


def test_bach_chorale_from_the_corpus_as_four_tracks():
    chorale = load_corpus("bach/bwv66.6")
    assert [t.name for t in chorale.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert [len(track_notes(t)) for t in chorale.tracks] == [36, 42, 44, 41]
    assert describe(chorale)["key"] == "F# minor"


def test_musicxml_and_abc_files(tmp_path):
    score = music21.stream.Score()
    part = music21.stream.Part()
    part.append(music21.meter.TimeSignature("3/4"))
    for name in ("C4", "E4", "G4", "C5", "G4", "E4"):
        part.append(music21.note.Note(name, quarterLength=1))
    score.insert(0, part)
    xml = score.write("musicxml", fp=tmp_path / "waltz.musicxml")
    music = read_music(xml)
    assert [n.pitch for n in track_notes(music.tracks[0])] == [60, 64, 67, 72, 67, 64]
    assert describe(music)["time_signature"] == "3/4" and count_bars(music) == 2
    abc = tmp_path / "tune.abc"
    abc.write_text("X:1\nT:Scale\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|\n")
    tune = read_music(abc)
    assert [n.pitch for n in track_notes(tune.tracks[0])] == [60, 62, 64, 65, 67, 69, 71, 72]


def test_broken_notation_is_our_error(tmp_path):
    from composerlab import MusicFileError

    bad = tmp_path / "broken.musicxml"
    bad.write_text("<score-partwise><part><measure>")
    with pytest.raises(MusicFileError, match="broken.musicxml: could not be read as notation"):
        read_music(bad)
    with pytest.raises(MusicFileError, match="not in the music21 corpus"):
        load_corpus("bach/bwv99999")
