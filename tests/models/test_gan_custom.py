"""Training the accompaniment GAN on your own folder of music (``composerlab train gan``), tiny runs."""
from __future__ import annotations

import numpy as np
import pypianoroll
import pytest
from composerlab.cli import main
from composerlab.errors import MusicFileError
from composerlab.models.catalog import MODELS, all_models, get_model
from composerlab.models.corpora.pieces import pick_parts, piece_roll, read_folder
from composerlab.models.gan.custom import check_name
from composerlab.music.midi import read_midi, write_midi
from composerlab.music.pianoroll import Note, new_multitrack, notes_to_roll, stack_rolls
from composerlab.paths import models_dir

SCALE = [0, 2, 4, 5, 7, 9, 11, 12]


def quartet(bars=8, meter=(4, 4), shift=0, extra_part=False):
    """Four parts (a busy top line, three slower ones below), plus an optional sparse fifth part."""
    bar = 16 * meter[0] // meter[1]
    steps = bars * bar
    lines = {
        "Violin": [Note(s, 72 + shift + SCALE[(s // 4) % 8], 4) for s in range(0, steps, 4)],
        "Viola": [Note(s, 64 + shift + SCALE[(s // 8) % 5], 8) for s in range(0, steps, 8)],
        "Cello": [Note(s, 48 + shift + SCALE[(s // 16) % 4], 16) for s in range(0, steps, 16)],
        "Second": [Note(s, 67 + shift + SCALE[(s // 8) % 3], 8) for s in range(0, steps, 8)],
    }
    if extra_part:
        lines["Horn"] = [Note(0, 60, 8)]
    tracks = [pypianoroll.StandardTrack(name=name, program=40, pianoroll=notes_to_roll(notes, steps))
              for name, notes in lines.items()]
    return new_multitrack(tracks, steps, 100.0, meter, "quartet")


def test_the_parts_rule_and_its_overrides():
    music = quartet(extra_part=True)
    top, accompaniment = pick_parts(music)
    names = [t.name for t in music.tracks]
    assert names[top] == "Violin"
    assert [names[i] for i in accompaniment] == ["Second", "Viola", "Cello"]  # busiest three, high to low
    top, accompaniment = pick_parts(music, melody_part="viola", parts=["1", "Horn"])
    assert names[top] == "Viola" and [names[i] for i in accompaniment] == ["Violin", "Horn"]
    with pytest.raises(MusicFileError, match="has no part 'flute'.*1 Violin"):
        pick_parts(music, melody_part="flute")
    piece = piece_roll(music, parts=["Cello"])
    assert piece.roll[3].any() and not piece.roll[1:3].any()  # one part goes to the bass slot
    assert (piece.roll.sum(axis=2) <= 1).all()  # one note per part at a time


def test_names_that_cannot_name_a_model():
    assert check_name("my_style-2") == "my_style-2"
    for bad in ("bach", "Has Space", "../up", ""):
        with pytest.raises(ValueError):
            check_name(bad)


@pytest.fixture
def music_folder(tmp_path):
    folder = tmp_path / "my music"
    for i in range(4):
        write_midi(quartet(bars=8 + 2 * i, shift=i), folder / f"piece{i}.mid")
    write_midi(quartet(bars=8, meter=(3, 4)), folder / "sub" / "waltz.MID")
    (folder / "readme.txt").write_text("my pieces")
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    write_midi(new_multitrack([quartet().tracks[0]], 128, 100.0, (4, 4), "solo"), folder / "solo.mid")
    return folder


def test_a_folder_reads_with_every_bad_file_listed(music_folder):
    found = read_folder(music_folder, progress=False)
    assert sorted(p.name for p in found.pieces) == ["piece0.mid", "piece1.mid", "piece2.mid", "piece3.mid",
                                                     "sub/waltz.MID"]
    reasons = dict(found.skipped)
    assert set(reasons) == {"readme.txt", "broken.mid", "solo.mid"}
    assert "truncated" in reasons["broken.mid"] and "one part only" in reasons["solo.mid"]
    assert "suffix '.txt'" in reasons["readme.txt"]
    assert [p.meter for p in found.pieces][-1] == (3, 4)


def test_train_gan_command_writes_a_model_that_model_name_then_uses(music_folder, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setenv("COMPOSERLAB_OUT", str(out))
    shipped = sorted(p.name for p in models_dir().iterdir())
    assert main(["train", "gan", "--data", str(music_folder), "--name", "strings", "--iterations", "2",
                 "--batch-size", "4", "--learning-rate", "0.002", "--update-ratio", "1", "--seed", "3",
                 "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "5 pieces read" in printed and "skipped broken.mid" in printed
    assert {p.name for p in (out / "models").iterdir()} >= {"strings.weights.h5", "strings.json", "strings.md"}
    assert sorted(p.name for p in models_dir().iterdir()) == shipped  # data/models untouched
    card = (out / "models" / "strings.md").read_text()
    assert "5 pieces used, 3 files skipped" in card and "solo.mid: has one part only" in card
    assert "palestrina" in card  # how a genre model is made

    assert get_model("strings").fixed["model"] == str(out / "models" / "strings")
    assert list(all_models()) == [*MODELS, "strings"]
    assert main(["models"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].split()[:2] == ["strings", "accompany"]
    tune = write_midi(quartet(bars=12, meter=(3, 4)), tmp_path / "tune.mid")
    assert main(["compose", str(tune), "--model", "strings", "-o", str(tmp_path / "out.mid")]) == 0
    result = read_midi(tmp_path / "out.mid")
    assert len(result.tracks) == 4 and stack_rolls(result).shape[1] == 12 * 12
    assert np.array_equal(stack_rolls(result)[0] > 0, stack_rolls(quartet(bars=12, meter=(3, 4)))[0] > 0)


def test_train_gan_refuses_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COMPOSERLAB_OUT", str(tmp_path / "out"))
    assert main(["train", "gan", "--data", str(tmp_path / "nothing"), "--name", "x"]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert main(["train", "gan", "--data", str(tmp_path), "--name", "bach"]) == 2
    assert "shipped model's name" in capsys.readouterr().err
    (tmp_path / "one").mkdir()
    write_midi(quartet(bars=2), tmp_path / "one" / "short.mid")
    assert main(["train", "gan", "--data", str(tmp_path / "one"), "--name", "x", "--quiet"]) == 2
    assert "fewer than one batch of 32" in capsys.readouterr().err
