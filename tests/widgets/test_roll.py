"""The studio's listening view without a browser: one scale for input and output, the mix, the sound."""
import numpy as np
import pytest

from composerlab.models.catalog import compose_chain
from composerlab.music.midi import midi_bytes, read_midi_bytes
from composerlab.music.pianoroll import track_notes
from composerlab.music.samples import load_sample
from composerlab.sound.audio import loudness, read_wav_bytes
from composerlab.widgets.roll import RollPlayer, heard


@pytest.fixture(scope="module")
def chorale():
    return load_sample("twinkle"), compose_chain(load_sample("twinkle"), "bach", seed=0)


def test_input_and_output_share_one_scale_and_switching_keeps_it(chorale):
    melody, output = chorale
    roll = RollPlayer()
    roll.show("input", melody)
    assert roll.showing == "input" and len(roll.tracks) == 1 and not roll.has_output
    roll.show("output", output, title="bach")
    pitches = [n.pitch for t in output.tracks for n in track_notes(t)]
    assert roll.low <= min(pitches) and roll.high >= max(pitches)
    scale = (roll.low, roll.high, roll.n_steps)
    assert roll.showing == "output" and [t["name"] for t in roll.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert roll.tracks[0]["notes"][0] == [0, 60, 4] and roll.tracks[1]["color"] != roll.tracks[0]["color"]
    roll.showing = "input"
    assert (roll.low, roll.high, roll.n_steps) == scale and len(roll.tracks) == 1
    roll.show("input", melody, switch=False)
    assert roll.showing == "input"


def test_mutes_and_instruments_change_what_is_heard_and_the_sound(chorale):
    melody, output = chorale
    roll = RollPlayer()
    roll.show("output", output)
    assert roll.wait_for_sound() and roll.sound == "ready"
    full = roll.audio
    peak = loudness(read_wav_bytes(full)[0])["peak_dbfs"]
    assert peak > -3  # audible
    roll.programs = [0, 40, 41, 42]   # the soprano on a piano, as a learner picks it in the page
    roll.muted = [3]                  # and the bass muted
    assert roll.wait_for_sound() and roll.audio != full
    music = roll.heard("output")
    assert [t.name for t in music.tracks] == ["Soprano", "Alto", "Tenor"]
    assert [t.program for t in music.tracks] == [0, 40, 41]
    assert roll.muted_names() == ["Bass"]
    again = read_midi_bytes(midi_bytes(music))
    assert [t.program for t in again.tracks] == [0, 40, 41]  # what a download or a submission carries
    roll.muted, roll.programs = [], [int(t.program) for t in output.tracks]
    roll.sound_thread = None
    assert roll.sound == "ready" and roll.audio == full  # made before: back from the cache at once


def test_every_track_muted_is_silence_of_the_same_length(chorale):
    _, output = chorale
    roll = RollPlayer()
    roll.show("output", output)
    roll.wait_for_sound()
    seconds = len(read_wav_bytes(roll.audio)[0])
    roll.muted = [0, 1, 2, 3]
    assert roll.wait_for_sound()
    samples, rate = read_wav_bytes(roll.audio)
    assert not np.abs(samples).any() and len(samples) / rate > 0.8 * seconds / rate
    assert heard(output, [0, 1, 2, 3]).tracks == []


def test_a_view_that_does_not_exist_is_refused(chorale):
    melody, _ = chorale
    roll = RollPlayer()
    roll.show("input", melody)
    roll.showing = "output"  # nothing generated yet: the page cannot switch to it
    assert roll.showing == "input"
    with pytest.raises(ValueError, match="'input' or 'output'"):
        roll.show("middle", melody)
