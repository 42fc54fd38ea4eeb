"""The composition library: save, list, reopen, rename, delete, and regenerate to the same notes."""
import json

import pytest

from composerlab.cli import main
from composerlab.models.catalog import compose_chain
from composerlab.models.library import Library, LibraryError, music_from_dict, music_to_dict, same_notes
from composerlab.music.pianoroll import track_notes
from composerlab.music.samples import load_sample


def test_music_survives_the_json_round_trip():
    melody = load_sample("we_wish_you")  # 3/4, a rest first
    back = music_from_dict(json.loads(json.dumps(music_to_dict(melody))))
    assert same_notes(back, melody)
    assert back.time_signature == (3, 4) and round(float(back.tempo[0])) == 120


def test_save_writes_one_midi_and_one_small_json(tmp_path):
    lib = Library(tmp_path)
    melody = load_sample("twinkle")
    entry = lib.save(melody, "My twinkle", source="sample:twinkle")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{entry.id}.json", f"{entry.id}.mid"]
    meta = json.loads((tmp_path / f"{entry.id}.json").read_text())
    assert meta["title"] == "My twinkle" and meta["chain"] == [] and meta["seed"] == 0
    assert meta["source"] == "sample:twinkle" and meta["notes"] == 28
    assert (tmp_path / f"{entry.id}.json").stat().st_size < 8000
    assert same_notes(lib.load(entry.id), melody)


def test_regenerating_from_the_metadata_gives_the_same_notes(tmp_path):
    lib = Library(tmp_path)
    melody = load_sample("ode_to_joy")
    result = compose_chain(melody, "bach", seed=7, params={"bach": {"in_key": True}})
    entry = lib.save(result, "Ode, harmonised", melody, chain=[("bach", {"in_key": True})], seed=7)
    assert sum(len(track_notes(t)) for t in result.tracks) > 60
    again = Library(tmp_path).regenerate(entry.id)
    assert same_notes(again, result)
    assert same_notes(lib.load(entry.id), result)  # and the MIDI file holds them too
    other_seed = compose_chain(melody, "bach", seed=8, params={"bach": {"in_key": True}})
    assert not same_notes(other_seed, result)  # the check can fail


def test_list_rename_delete(tmp_path):
    lib = Library(tmp_path)
    first = lib.save(load_sample("mary"), "Mary")
    second = lib.save(load_sample("mary"), "Mary")
    assert first.id != second.id
    assert {e.id for e in lib.list()} == {first.id, second.id}
    assert lib.rename(first.id, "Mary, again").title == "Mary, again"
    assert lib.get(first.id).title == "Mary, again"
    lib.delete(second.id)
    assert [e.id for e in lib.list()] == [first.id]
    assert not lib.midi_path(second.id).exists()


def test_mistakes_are_named(tmp_path):
    lib = Library(tmp_path)
    with pytest.raises(LibraryError, match="needs a title"):
        lib.save(load_sample("mary"), "  ")
    with pytest.raises(LibraryError, match="no composition 'nope'"):
        lib.get("nope")
    (tmp_path / "broken.json").write_text("{not json")
    kept = lib.save(load_sample("mary"), "Kept")
    assert [e.id for e in lib.list()] == [kept.id]  # a damaged file does not hide the others


def test_library_command(tmp_path, capsys):
    lib = Library(tmp_path)
    melody = load_sample("twinkle")
    entry = lib.save(compose_chain(melody, "bach", seed=1), "Twinkle chorale", melody, chain=[("bach", {})], seed=1)
    folder = ["library", "--folder", str(tmp_path)]
    assert main(folder + ["list"]) == 0
    assert entry.id in capsys.readouterr().out
    assert main(folder + ["rename", entry.id, "Renamed"]) == 0
    assert main(folder + ["show", entry.id]) == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert shown["title"] == "Renamed" and shown["chain"] == [{"model": "bach", "params": {}}]
    assert shown["input_notes"] == 28
    assert main(folder + ["regenerate", entry.id, "-o", str(tmp_path / "again.mid")]) == 0
    assert "the same notes as saved" in capsys.readouterr().out
    assert main(folder + ["delete", "missing-id"]) == 2
    assert "no composition 'missing-id'" in capsys.readouterr().err
    assert main(folder + ["delete", entry.id]) == 0
    capsys.readouterr()
    assert main(folder + ["list"]) == 0
    assert "no compositions" in capsys.readouterr().out


def test_a_studio_chain_steps_like_compose_chain_extended_melody_harmonised_whole():
    from composerlab.models.library import run_steps

    melody = load_sample("twinkle")
    steps = [{"model": "transformer", "params": {"bars": 2}}, {"model": "bach", "params": {}}]
    out = run_steps(melody, steps, seed=3)
    assert same_notes(out, compose_chain(melody, "transformer,bach", seed=3, params={"transformer": {"bars": 2}}))
    assert out.tracks[3].pianoroll[8 * 16:].any()  # the bass plays under the two new bars too
