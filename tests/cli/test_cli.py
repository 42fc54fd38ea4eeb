"""The composerlab command: info, samples, render; errors as one line, exit code 2."""
import io
import subprocess
import sys
from pathlib import Path

import composerlab.music.melody
from composerlab import count_bars, read_midi
from composerlab.cli import main


def test_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "composerlab.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("info", "samples", "render"):
        assert command in result.stdout


def test_samples_written_then_described(tmp_path, capsys):
    assert main(["samples", "--write", str(tmp_path)]) == 0
    assert (tmp_path / "twinkle.mid").exists()
    capsys.readouterr()
    assert main(["info", str(tmp_path / "twinkle.mid")]) == 0
    out = capsys.readouterr().out
    assert "8 bars of 4/4, 28 notes, key C major, tempo 100 bpm" in out


def test_render_a_sample_to_mp3_and_wav(tmp_path, capsys):
    assert main(["render", "ode_to_joy", "-o", str(tmp_path / "ode.mp3")]) == 0
    assert (tmp_path / "ode.mp3").stat().st_size > 50_000
    assert main(["render", "mary", "-o", str(tmp_path / "mary.wav")]) == 0
    assert (tmp_path / "mary.wav").read_bytes()[:4] == b"RIFF"


def test_bad_file_is_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "twinkle.txt"
    bad.write_text("Twinkle twinkle")
    assert main(["info", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == \
        "composerlab: twinkle.txt: is not a MIDI file (it starts with 'Twinkle twinkle')"


def test_readme_error_example_is_what_the_command_prints(tmp_path):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = next(line for line in readme.splitlines() if line.startswith("composerlab: twinkle.txt"))
    (tmp_path / "twinkle.txt").write_text("Twinkle twinkle little star,\nhow I wonder what you are\n")
    result = subprocess.run([sys.executable, "-m", "composerlab", "info", "twinkle.txt"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == example


def test_compose_prints_no_tensorflow_log_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "composerlab", "compose", "twinkle", "-o",
                             str(tmp_path / "t.mid")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("wrote ")


def test_demo_is_the_readme_main_job(tmp_path, capsys):
    from composerlab import read_midi

    assert main(["demo", "-o", str(tmp_path)]) == 0
    chorale = read_midi(tmp_path / "twinkle_bach.mid")
    assert [t.name for t in chorale.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert all(t.pianoroll.any() for t in chorale.tracks)
    assert (tmp_path / "twinkle_bach.wav").stat().st_size > 1_000_000
    assert (tmp_path / "twinkle_bach.mp3").stat().st_size > 100_000
    out = capsys.readouterr().out
    assert "jupyter lab" in out
    assert "JupyterLab set to work offline (no news, no update check)" in out  # composerlab setup's step



def test_command_notes_are_scoped_to_the_command(tmp_path, capsys):
    import warnings

    from composerlab import write_midi
    from composerlab.music.melody import from_notes
    from composerlab.music.pianoroll import Note

    # 12 bars, accompanied whole; its lowest and highest notes lie five octaves apart, past the model's range
    wide_tune = write_midi(from_notes([Note(4 * i, (24, 64, 67, 108)[i % 4], 4) for i in range(48)]),
                           tmp_path / "wide.mid")
    shown_before = warnings.showwarning
    assert main(["compose", str(wide_tune), "-o", str(tmp_path / "out.mid")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("note: some melody notes lie outside the model's pitch range") and ".py:" not in err
    assert count_bars(read_midi(tmp_path / "out.mid")) == 12  # the whole tune, no clipping
    assert warnings.showwarning is shown_before  # restored when the command ends
    from composerlab.cli import _show_note

    elsewhere, ours = io.StringIO(), io.StringIO()
    _show_note(UserWarning("someone else's"), UserWarning, __file__, 12, file=elsewhere)
    _show_note(UserWarning("clipped"), UserWarning, composerlab.music.melody.__file__, 77, file=ours)
    assert "test_cli.py:12: UserWarning: someone else's" in elsewhere.getvalue()  # file and line kept
    assert ours.getvalue() == "note: clipped\n"
