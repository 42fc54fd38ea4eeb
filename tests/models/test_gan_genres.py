"""The genre models (``palestrina``, ``monteverdi``, ``quartet``): corpora, shipped models, a tiny run."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pypianoroll
import pytest
from composerlab.cli import main
from composerlab.models.catalog import MODELS, compose_chain, get_model
from composerlab.models.cards.genres import genre_voicing, install, train_genre
from composerlab.models.corpora.genres import GENRES, corpus_files, corpus_name, read_genre
from composerlab.models.corpora.pieces import pick_parts
from composerlab.models.evaluation.genres import genre_report
from composerlab.models.gan.custom import distance_to_data
from composerlab.models.gan.generate import DEFAULT_PROGRAMS, compose
from composerlab.music.pianoroll import Note, new_multitrack, notes_to_roll, stack_rolls
from composerlab.music.samples import load_sample
from composerlab.paths import models_dir


def test_every_genre_is_a_model_name_with_its_card_and_instruments():
    for name, genre in GENRES.items():
        entry = get_model(name)
        assert entry.kind == "accompany" and entry.fixed == {"model": name}
        assert (models_dir() / entry.card).name == f"{name}_gan.md"
        assert len(genre.programs) == 4 and genre.programs != DEFAULT_PROGRAMS or name == "quartet"
    assert GENRES["palestrina"].programs[0] in (52, 53)  # voices
    assert GENRES["quartet"].programs == (40, 40, 41, 42)  # violin, violin, viola, cello


def test_the_distance_to_the_data_counts_harmony_twice_and_floors_rates():
    data = {"empty_bar_rate": 0.0, "consonant_beats": 0.8, "chord_fit": 0.9}
    assert distance_to_data(data, data) == 0
    worse_harmony = distance_to_data({**data, "consonant_beats": 0.4}, data)
    emptier = distance_to_data({**data, "empty_bar_rate": 0.04}, data)  # 0.02 floor: log 2, not infinity
    assert worse_harmony == pytest.approx(2 * np.log(2) / 5) and emptier == pytest.approx(np.log(2) / 5)


def test_the_bass_is_kept_when_a_piece_has_more_than_four_parts():
    steps = 64
    lines = {"Cantus": (72, 2), "Altus": (67, 2), "Tenor": (60, 4), "Quintus": (64, 2), "Bassus": (48, 8)}
    tracks = [pypianoroll.StandardTrack(name=name, program=52,
                                        pianoroll=notes_to_roll([Note(s, pitch, every) for s in range(0, steps, every)],
                                                                steps))
              for name, (pitch, every) in lines.items()]
    music = new_multitrack(tracks, steps, 100.0, (4, 4), "five voices")
    names = list(lines)
    top, parts = pick_parts(music)
    assert names[top] == "Cantus" and "Bassus" not in [names[i] for i in parts]  # the three busiest
    top, parts = pick_parts(music, keep_bass=True)
    assert [names[i] for i in parts] == ["Altus", "Quintus", "Bassus"]  # bass, then the two busiest, high to low


@pytest.mark.parametrize("name, collection", [("palestrina", "palestrina/"), ("monteverdi", "monteverdi/"),
                                              ("quartet", "haydn/")])
def test_each_genre_reads_pieces_from_its_corpus(name, collection):
    files = corpus_files(name)
    assert len(files) >= 40 and not any(f.suffix == ".rntxt" for f in files)
    found = read_genre(name, limit=2, progress=False)
    assert len(found.pieces) == 2 and not found.skipped
    for piece in found.pieces:
        assert piece.name.startswith(collection)
        assert piece.roll.shape[0] == 4 and piece.roll[0].any() and piece.roll[3].any()
        assert (piece.roll.sum(axis=2) <= 1).all()  # one line per part
        melody, bass = (np.nonzero(piece.roll[v])[1].mean() for v in (0, 3))
        assert melody > bass + 7


def test_quartet_corpus_is_quartets_once_each():
    names = [f.as_posix() for f in corpus_files("quartet")]
    assert not any("k545" in n for n in names)  # a piano sonata
    assert not any(n.endswith("opus18no1/movement1.krn") for n in names)  # its .mxl is there
    assert {n.split("/corpus/")[1].split("/")[0] for n in names} == {"haydn", "mozart", "beethoven"}


@pytest.mark.parametrize("name", list(GENRES))
def test_each_shipped_genre_composes_twinkle_with_its_instruments(name):
    twinkle = load_sample("twinkle")
    first = compose_chain(twinkle, name, seed=0)
    assert [t.name for t in first.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert tuple(t.program for t in first.tracks) == GENRES[name].programs
    rolls = stack_rolls(first) > 0
    assert np.array_equal(rolls[0], stack_rolls(twinkle)[0] > 0)  # the melody as given
    assert all(rolls[v].any(axis=1).mean() >= 0.25 for v in (1, 2, 3))  # every part plays (rests allowed)
    assert np.array_equal(rolls, stack_rolls(compose_chain(twinkle, name, seed=0)) > 0)  # same seed, same notes
    # The seed moves the generator's probabilities; raw decoding shows it. Chord decoding lets the rules
    # decide more: on a tune as plain as Twinkle other seeds may give the same chords (the quartet's do).
    raw = [stack_rolls(compose(twinkle, model=name, seed=s, decoding="raw")) > 0 for s in (0, 1)]
    assert not np.array_equal(*raw)
    assert (stack_rolls(compose(twinkle, model=name, programs=(0, 0, 0, 0))) > 0).any()
    info = json.loads((models_dir() / f"{name}_gan.json").read_text())
    assert info["genre"] == name and info["training_seconds"] < 15 * 60
    card = (models_dir() / f"{name}_gan.md").read_text()
    assert f"composerlab train gan --genre {name}" in card and "| consonant beats |" in card
    assert (models_dir() / f"{name}_gan.weights.h5").stat().st_size < 4_000_000


def test_models_lists_every_model_with_its_one_line_card(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {line.split()[0]: line for line in lines}
    for name in ["bach", *GENRES]:
        assert name in listed and MODELS[name].summary in listed[name]


def test_compose_command_plays_a_genre(tmp_path, capsys):
    out = tmp_path / "palestrina.mid"
    assert main(["compose", "twinkle", "--model", "palestrina", "-o", str(out)]) == 0
    assert "palestrina: 4 tracks" in capsys.readouterr().out
    from composerlab.music.midi import read_midi

    assert [t.program for t in read_midi(out).tracks] == list(GENRES["palestrina"].programs)


def test_a_tiny_genre_run_writes_a_model_with_its_card_and_installs_only_on_purpose(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOSERLAB_OUT", str(tmp_path / "out"))
    shipped = {p.name: p.stat().st_mtime for p in models_dir().iterdir()}
    result = train_genre("monteverdi", iterations=2, limit=3, progress=False)
    stem = tmp_path / "out" / "models" / "monteverdi"
    assert result["dataset"]["pieces"] == 3 and result["dataset"]["validation_pieces"] == 1
    info = json.loads((stem.parent / "monteverdi.json").read_text())
    assert info["programs"] == list(GENRES["monteverdi"].programs) and len(info["corpus_files"]) == 3
    assert info["selected_iteration"] in (1, 2) and "generator kept is the one of iteration" in \
        (stem.parent / "monteverdi.md").read_text()
    assert set(info["report"]["ratio"]) >= {"consonant_beats", "chord_fit", "parallels_per_bar", "polyphonic_rate"}
    card = (stem.parent / "monteverdi.md").read_text()
    assert "3 files read, 3 pieces used" in card and "--genre monteverdi --iterations 2" in card
    assert "load average" in card and "| chord fit |" in card
    assert {p.name: p.stat().st_mtime for p in models_dir().iterdir()} == shipped  # data/models untouched
    music = compose(load_sample("twinkle"), model=str(stem), seed=0)
    assert [t.program for t in music.tracks] == list(GENRES["monteverdi"].programs)
    report = genre_report("monteverdi", model=str(stem), found=read_genre("monteverdi", limit=3, progress=False))
    assert report["pieces"] == result["report"]["pieces"]

    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    monkeypatch.setenv("COMPOSERLAB_DATA", str(data))
    written = install("monteverdi")
    assert sorted(p.name for p in written) == ["monteverdi_gan.json", "monteverdi_gan.md",
                                               "monteverdi_gan.weights.h5"]


def test_train_gan_genre_refuses_plainly(capsys):
    assert main(["train", "gan", "--genre", "quartet", "--data", "x"]) == 2
    assert "leave out --data" in capsys.readouterr().err
    assert main(["train", "gan", "--install", "--data", "x", "--name", "y"]) == 2
    assert "--genre" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "gan", "--genre", "jazz"])
    assert "invalid choice: 'jazz'" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(GENRES))
def test_each_genre_decodes_with_chords_at_its_own_corpus_dissonance(name):
    from composerlab.models.gan.generate import load_model, voicing_weights
    from composerlab.music.harmony import chord_fit, consonant_beats

    info = json.loads((models_dir() / f"{name}_gan.json").read_text())
    corpus_consonance = info["report"]["reference"]["consonant_beats"]["mean"]
    assert info["decoding"] == "chords"
    assert info["voicing"] == genre_voicing(name, info["report"]["reference"])
    assert info["voicing"]["dissonance"] == pytest.approx(1 - corpus_consonance, abs=1e-3)
    assert voicing_weights(load_model(name)).dissonance == info["voicing"]["dissonance"]  # the json is what compose reads
    twinkle = load_sample("ode_to_joy")
    default = stack_rolls(compose(twinkle, model=name, seed=0)) > 0
    assert np.array_equal(default, stack_rolls(compose(twinkle, model=name, seed=0, decoding="chords")) > 0)
    assert not np.array_equal(default, stack_rolls(compose(twinkle, model=name, seed=0, decoding="raw")) > 0)
    assert chord_fit(default) == 1.0
    assert abs(consonant_beats(default) - corpus_consonance) <= 0.12  # aimed at the genre's, not Bach's 0.75


def test_a_models_json_voicing_sets_its_dissonance_and_compose_can_override_it(tmp_path):
    from composerlab.models.gan.generate import voicing_weights
    from composerlab.models.gan.network import ChoraleGAN, GANConfig
    from composerlab.music.harmony import consonant_beats

    ChoraleGAN(GANConfig(channels=8, critic_channels=8, seed=1), jit_compile=False).save(tmp_path / "fresh")
    meta = tmp_path / "fresh.json"
    info = json.loads(meta.read_text())
    shares = {}
    for target in (0.0, 0.6):
        stem = tmp_path / f"target{target}"
        Path(f"{stem}.weights.h5").write_bytes((tmp_path / "fresh.weights.h5").read_bytes())
        Path(f"{stem}.json").write_text(json.dumps({**info, "decoding": "chords", "voicing": {"dissonance": target}}))
        rolls = stack_rolls(compose(load_sample("ode_to_joy"), model=str(stem), seed=0)) > 0
        shares[target] = 1 - consonant_beats(rolls)
    assert shares[0.0] <= 0.1 and shares[0.6] >= 0.4
    from composerlab.models.gan.generate import load_model

    gan = load_model(str(tmp_path / "target0.0"))
    assert voicing_weights(gan).dissonance == 0.0
    assert voicing_weights(gan, {"dissonance": 0.3, "parallel": 2}).parallel == 2  # compose(voicing=...) wins
    assert voicing_weights(gan, in_key=True).chromatic == np.inf
    with pytest.raises(ValueError, match="no voicing weight 'jazz'"):
        voicing_weights(gan, {"jazz": 1})


def test_a_ratio_of_none_to_none_is_within_and_of_some_to_none_is_not():
    from composerlab.models.evaluation.genres import ratio as _ratio
    from composerlab.models.evaluation.genres import within

    assert _ratio(0.0, 0.0) == 1.0 and within(_ratio(0.0, 0.0))
    assert not within(_ratio(0.1, 0.0)) and _ratio(0.3, 0.2) == pytest.approx(1.5)
    # one parallel in 1,800 bars (Palestrina's corpus) and none in the model: both none, below one in 1,000
    assert _ratio(0.0, 0.00056, none_below=0.001) == 1.0 and _ratio(0.0, 0.00056) == 0.0
    assert not within(_ratio(0.002, 0.00056, none_below=0.001))


def test_decoding_weights_are_chosen_on_training_pieces_never_the_held_out_ones():
    from composerlab.models.corpora.genres import SAMPLE_BYTES, genre_split, shipped_info, training_pieces

    held = set(shipped_info("monteverdi")["report"]["pieces"])
    names = [p.name for p in training_pieces("monteverdi")]
    assert len(names) == 12 and not held & set(names)
    assert set(names) == genre_split("monteverdi")["keep"]  # kept for training however large the split grows
    sizes = {corpus_name(f): f.stat().st_size for f in corpus_files("monteverdi")}
    assert all(sizes[n] <= SAMPLE_BYTES for n in names)
    report = genre_report("monteverdi", split="train", limit=2)
    assert report["pieces"] == names[:2] and report["measured"]["split"] == "train"
    with pytest.raises(ValueError, match="split is 'held out', 'train' or 'training'"):
        genre_report("monteverdi", split="test")


def test_a_genre_split_holds_out_its_count_keeps_the_smaller_splits_pieces_and_never_the_kept_ones():
    from composerlab.models.corpora.pieces import FolderMusic, Piece
    from composerlab.models.gan.custom import build_dataset

    roll = np.zeros((4, 64, 128), dtype=bool)
    roll[0, :, 72] = roll[3, :, 48] = True
    found = FolderMusic("test", [Piece(f"corpus/piece{i:02d}.mxl", roll, ["S", "A", "T", "B"], (4, 4))
                                 for i in range(40)])
    tenth = build_dataset(found).validation_names
    assert len(tenth) == 4
    ten = build_dataset(found, held_out=10).validation_names
    assert len(ten) == 10 and set(tenth) <= set(ten)
    kept = frozenset(ten[:3])
    split = build_dataset(found, held_out=10, keep=kept)
    assert len(split.validation_names) == 10 and not kept & set(split.validation_names)
    assert kept <= set(split.train_names) and len(split.train_names) == 30
    assert GENRES["monteverdi"].held_out == GENRES["quartet"].held_out == 10


def test_a_genre_report_compares_the_model_with_the_held_out_pieces_and_with_the_whole_corpus():
    from composerlab.models.evaluation.genres import corpus_figures
    from composerlab.music.metrics import METRIC_NAMES

    found = read_genre("monteverdi", limit=6, progress=False)
    report = genre_report("monteverdi", found=found, limit=1)
    corpus = corpus_figures(found)
    assert report["corpus"] == corpus and set(corpus) == set(METRIC_NAMES)
    assert len(report["pieces"]) == 1 and report["pieces"][0] in {p.name for p in found.pieces}
    for key in METRIC_NAMES:
        if corpus[key]:
            assert report["ratio_corpus"][key] == pytest.approx(report["generated"][key] / corpus[key])
    # the corpus's figure is the mean over its pieces, not the held-out piece's alone
    assert report["corpus"]["pitches_used"] != report["data"]["pitches_used"]


@pytest.mark.parametrize("name", ["monteverdi", "quartet"])
def test_the_seed_moves_a_genre_models_registers_and_the_same_seed_gives_the_same(name):
    tune = load_sample("twinkle")
    one, again, other = (stack_rolls(compose(tune, model=name, seed=s)) > 0 for s in (0, 0, 1))
    assert np.array_equal(one, again) and not np.array_equal(one[1:], other[1:])
    wide = np.mean([len(np.unique(np.nonzero(v)[1])) for v in one[1:]])
    still = stack_rolls(compose(tune, model=name, seed=0, voicing={"wander": 0.0, "follow": 0.0})) > 0
    assert wide >= np.mean([len(np.unique(np.nonzero(v)[1])) for v in still[1:]])


def test_voices_rest_where_the_model_rests_them_by_step_and_by_bar():
    from composerlab.models.gan.chords import VoicingWeights, rest_where_the_model_rests

    voices = np.zeros((3, 32, 8), dtype=bool)
    voices[:, :, 3] = True
    resting = np.full((3, 32), 0.1)
    resting[0, 5] = 0.9  # one step the model rests the first voice
    resting[1, 16:32] = 0.5  # the second voice mostly rests through the second bar (16 steps)
    resting[1, 20] = 0.3
    out = rest_where_the_model_rests(voices, resting, threshold=0.6, bar=16, bar_threshold=0.45)
    assert not out[0, 5].any() and out[0, [4, 6], 3].all()  # a detached note: the step alone
    assert not out[1, 16:32].any() and out[1, :16, 3].all()  # a bar of rest, the step at 0.3 included
    assert out[2].any(axis=1).all()
    assert (rest_where_the_model_rests(voices, resting) == voices).all()  # the defaults rest nothing
    assert VoicingWeights().rests == VoicingWeights().tacet == 1.0  # Bach's voices sing through


def test_the_quartet_rests_bars_and_notes_the_chorale_model_never_does():
    tune = load_sample("twinkle")
    for name, rests in (("bach", False), ("quartet", True)):
        roll = stack_rolls(compose(tune, model=name, seed=0)) > 0
        melody_sounds = roll[0].any(axis=1)
        accompanied = roll[1:, melody_sounds].any(axis=2)  # (3, steps where the melody sounds)
        assert (not accompanied.all()) == rests, name
