"""composerlab.sound.audio: real SoundFont audio, WAV and MP3 files, levels."""
import wave

import numpy as np
import pytest
from composerlab import clip_bars
from composerlab.music.notation import load_corpus
from composerlab.music.samples import load_sample
from composerlab.sound.audio import (
    loudness,
    read_wav_bytes,
    render,
    with_programs,
    write_audio,
)


@pytest.fixture(scope="module")
def chorale():
    return clip_bars(load_corpus("bach/bwv66.6"), 8, warn=False)


def test_eight_bars_four_tracks_render_audibly_without_clipping(chorale):
    samples, rate = render(chorale)
    seconds = 8 * 4 * 60 / 100  # 8 bars of 4/4 at 100 bpm
    assert rate in (44100, 48000)
    assert samples.shape[1] == 2
    assert seconds <= samples.shape[0] / rate < seconds + 4
    level = loudness(samples)
    assert -1.5 < level["peak_dbfs"] < -0.5
    assert -30 < level["rms_dbfs"] < -6
    assert level["clipped"] == 0


def test_instruments_sound_different(chorale):
    choir, _ = render(chorale)
    organ, _ = render(with_programs(chorale, {i: 19 for i in range(4)}))
    n = min(len(choir), len(organ))
    assert np.abs(choir[:n] - organ[:n]).mean() > 0.01


def test_muting_every_track_but_one_leaves_that_track(chorale):
    solo, _ = render(chorale, muted={1, 2, 3})
    full, _ = render(chorale)
    assert loudness(solo)["rms_dbfs"] > -40
    assert not np.allclose(solo[: len(full)], full[: len(solo)])


def test_wav_mp3_and_midi_files(tmp_path):
    twinkle = load_sample("twinkle")
    wav = write_audio(twinkle, tmp_path / "twinkle.wav")
    with wave.open(str(wav)) as reader:
        assert reader.getnchannels() == 2 and reader.getsampwidth() == 2
        assert reader.getnframes() / reader.getframerate() > 19
    samples, _ = read_wav_bytes(wav.read_bytes())
    assert loudness(samples)["rms_dbfs"] > -30
    mp3 = write_audio(twinkle, tmp_path / "twinkle.MP3")
    head = mp3.read_bytes()[:3]
    assert head == b"ID3" or head[0] == 0xFF
    assert 100_000 < mp3.stat().st_size < wav.stat().st_size / 4
    assert write_audio(twinkle, tmp_path / "twinkle.mid").read_bytes()[:4] == b"MThd"
    with pytest.raises(ValueError, match="choose a .wav, .mp3 or .mid"):
        write_audio(twinkle, tmp_path / "twinkle.ogg")


def test_bad_program_is_refused():
    with pytest.raises(ValueError, match="0-127"):
        with_programs(load_sample("mary"), {0: 200})
