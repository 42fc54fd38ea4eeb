"""The AI judge: scores held-out Bach above the rest, is hard to fool, survives any folder, is deterministic."""
from __future__ import annotations

import csv

import mido
import music21
import numpy as np
import pytest
from composerlab import cli
from composerlab.models.judge.cases import tune_with
from composerlab.models.judge.data import load_piece
from composerlab.models.judge.network import fold_pitches, load_judge, window_starts
from composerlab.models.judge.report import write_report
from composerlab.models.judge.scoring import (
    composer_alias,
    find_submissions,
    judge_folder,
    judge_music,
)
from composerlab.music.midi import write_midi
from composerlab.music.pianoroll import Note, make_multitrack
from composerlab.music.samples import load_sample
from midifiles import TPQ, conductor, note_track, save, scale_notes

SEED = 7


@pytest.fixture(scope="module")
def model():
    return load_judge()


@pytest.fixture(scope="module")
def held_out(model):
    """Held-out (test split) pieces named in the model card: four chorales and four others."""
    names = model.card["test_pieces"]
    bach = [n for n in names if n.startswith("bach/")][:4]
    others = [n for n in names if n.split("/")[0] in ("palestrina", "ryansMammoth", "monteverdi", "josquin")]
    others = [others[i] for i in np.linspace(0, len(others) - 1, 4).round().astype(int)]
    return {"bach": [load_piece(n) for n in bach], "other": [load_piece(n) for n in others]}


def test_windows_cover_any_length_and_meter():
    assert window_starts(20, 16) == [0]  # shorter than 8 bars: one padded window
    assert window_starts(16 * 10, 16) == [0, 16, 32]
    assert window_starts(12 * 9 + 3, 12, hop_bars=4) == [0, 24]
    roll = np.zeros((40, 128), bool)
    roll[:, 10] = roll[:, 120] = True  # outside C1-B7: folded in by octaves
    folded = fold_pitches(roll)
    assert folded.shape == (40, 84) and folded[:, 34 - 24].all() and folded[:, 96 - 24].all()


def test_composer_alias_from_the_naming_convention():
    assert composer_alias("summit24-mozzie-first_light.mid") == "mozzie"
    assert composer_alias("my song.mid") == ""
    assert composer_alias("ev-ana-b-c.midi") == "ana"


def test_held_out_bach_scores_far_above_the_rest(model, held_out):
    bach = [judge_music(m, model).score for m in held_out["bach"]]
    other = [judge_music(m, model).score for m in held_out["other"]]
    print("held-out Bach", bach, "others", other)
    assert np.mean(bach) - np.mean(other) >= 30
    assert min(bach) > 70


@pytest.mark.parametrize("kind", ["random notes", "clusters", "noise"])
def test_hard_to_fool(model, held_out, kind):
    rng = np.random.default_rng(SEED)
    real = [judge_music(m, model).score for m in held_out["bach"]]
    fake = [judge_music(tune_with(m, kind, rng), model).score for m in held_out["bach"]]
    triads = [judge_music(tune_with(m, "plain triads", rng), model).score for m in held_out["bach"]]
    print(f"real Bach {real}; tune + {kind} {fake}; tune + plain triads {triads}")
    assert max(fake) < min(real) - 25
    assert np.mean(fake) < np.mean(real) - 35


def test_short_and_three_four_pieces_are_scored(model, held_out):
    short = make_multitrack([("Melody", 0, [Note(4 * i, 60 + i % 5, 4) for i in range(6)])])  # under 2 bars
    waltz = load_sample("twinkle")
    three_four = make_multitrack([("Melody", 0, [Note(4 * i, 60 + (i % 3) * 2, 4) for i in range(48)])],
                                 time_signature=(3, 4))
    for piece in (short, waltz, three_four):
        verdict = judge_music(piece, model)
        assert 0 <= verdict.score <= 100 and verdict.windows >= 1
    assert judge_music(three_four, model).bars == 16


def _bad_folder(tmp_path, held_out):
    """A submissions folder of good files and every kind of bad one; returns (folder, good names, bad names)."""
    folder = tmp_path / "submissions"
    (folder / "round2" / "late").mkdir(parents=True)
    good = {
        "ev-anna-chorale.mid": held_out["bach"][0],
        "ev-ben-chorale2.MID": held_out["bach"][1],
        "ev-cleo-folk.midi": held_out["other"][0],
        "round2/late/ev-dan-nested.mid": held_out["other"][1],
        "ev-zoë-コラール.mid": held_out["bach"][2],
    }
    for name, music in good.items():
        write_midi(music, folder / name)
    score = music21.corpus.parse("bach/bwv66.6")
    score.write("musicxml", fp=str(folder / "ev-eve-xml.musicxml"))
    save(folder / "ev-fay-waltz.mid", [conductor(3, 4), note_track(scale_notes(12))])
    save(folder / "ev-gus-short.mid", [conductor(), note_track(scale_notes(3))])
    save(folder / "ev-hal-band.mid", [conductor(), note_track(scale_notes(16)),
                                      note_track([(b / 2, 0.25, 36 + b % 3) for b in range(64)], channel=9)])
    save(folder / "ev-hal-solo.mid", [conductor(), note_track(scale_notes(16))])
    good_names = sorted(list(good) + ["ev-eve-xml.musicxml", "ev-fay-waltz.mid", "ev-gus-short.mid",
                                      "ev-hal-band.mid", "ev-hal-solo.mid"])

    (folder / "empty.mid").write_bytes(b"")
    (folder / "notes.txt").write_text("Twinkle twinkle little star\n")
    (folder / "readme.md").write_text("# my song\n")
    (folder / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    data = (folder / "ev-anna-chorale.mid").read_bytes()
    (folder / "truncated.mid").write_bytes(data[: len(data) // 3])
    (folder / "random.mid").write_bytes(np.random.default_rng(SEED).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    save(folder / "no-notes.mid", [conductor()])
    save(folder / "drums-only.mid", [conductor(), note_track(scale_notes(8, low=36), channel=9)])
    gap = mido.MidiTrack([mido.Message("note_on", note=60, velocity=80, time=0),
                          mido.Message("note_off", note=60, velocity=0, time=TPQ * 100_000)])
    save(folder / "tick-gap.mid", [conductor(), gap])
    hour = [(beat, 1, 60 + beat % 12) for beat in range(0, 6000, 4)]  # 6000 beats at 30 bpm: 200 minutes
    save(folder / "round2/hour-long.mid", [conductor(bpm=30), note_track(hour)])
    bad_names = sorted(["empty.mid", "notes.txt", "readme.md", "cover.png", "truncated.mid", "random.mid",
                        "no-notes.mid", "drums-only.mid", "tick-gap.mid", "round2/hour-long.mid"])
    return folder, good_names, bad_names


def test_a_folder_of_good_and_bad_files_finishes_and_lists_every_bad_file(tmp_path, held_out, model):
    folder, good, bad = _bad_folder(tmp_path, held_out)
    out = tmp_path / "results"
    assert cli.main(["judge", str(folder), "-o", str(out), "--quiet"]) == 0
    with open(out / "ai_judge_ranking.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    scored = {r["file"]: r for r in rows if not r["error"]}
    failed = {r["file"]: r["error"] for r in rows if r["error"]}
    assert sorted(scored) == good
    assert sorted(failed) == bad
    for name, reason in failed.items():
        print(f"{name}: {reason}")
        assert len(reason) > 8
    assert "empty" in failed["empty.mid"] and "not a MIDI file" in failed["notes.txt"]
    assert "drum" in failed["drums-only.mid"] and "no notes" in failed["no-notes.mid"]
    assert "long" in failed["tick-gap.mid"] and "minutes" in failed["round2/hour-long.mid"]
    assert [int(scored[n]["rank"]) for n in sorted(scored, key=lambda n: int(scored[n]["rank"]))] == \
        list(range(1, len(good) + 1))
    assert scored["ev-zoë-コラール.mid"]["composer"] == "zoë"
    assert scored["ev-hal-band.mid"]["score"] == scored["ev-hal-solo.mid"]["score"]  # drums left out
    top = sorted(scored.values(), key=lambda r: int(r["rank"]))[:3]
    assert all(r["file"] in ("ev-anna-chorale.mid", "ev-ben-chorale2.MID", "ev-zoë-コラール.mid",
                             "ev-eve-xml.musicxml") for r in top)
    page = (out / "ai_judge_report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "truncated.mid" in page and "http" not in page.split("<body>")[1]


def test_missing_folder_is_the_only_failure(tmp_path):
    assert cli.main(["judge", str(tmp_path / "nope")]) != 0


def test_same_files_same_scores(tmp_path, held_out, model):
    folder = tmp_path / "subs"
    folder.mkdir()
    for i, music in enumerate(held_out["bach"][:2] + held_out["other"][:2]):
        write_midi(music, folder / f"ev-p{i}-piece.mid")
    first = judge_folder(folder, model)
    second = judge_folder(folder, load_judge())
    assert [(v.file, v.score, v.classifier, v.pitch) for v in first] == \
        [(v.file, v.score, v.classifier, v.pitch) for v in second]
    alone = judge_folder(folder, model, with_roll=False)  # batch composition does not matter
    (folder / "ev-p0-piece.mid").rename(tmp_path / "moved.mid")
    fewer = {v.file: v.score for v in judge_folder(folder, model)}
    assert all(fewer[v.file] == v.score for v in alone if v.file in fewer)


def test_report_is_written_and_reads_back(tmp_path, held_out, model):
    folder = tmp_path / "subs"
    folder.mkdir()
    write_midi(held_out["bach"][0], folder / "ev-x-a.mid")
    verdicts = judge_folder(folder, model)
    csv_path, html_path = write_report(verdicts, tmp_path / "out", top_n=1)
    assert csv_path.read_text(encoding="utf-8").splitlines()[1].startswith("1,ev-x-a.mid,x,")
    assert html_path.stat().st_size > 1000
    assert find_submissions(tmp_path, exclude=tmp_path / "out") == [folder / "ev-x-a.mid"]
