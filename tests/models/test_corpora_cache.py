"""The one cache of parsed music: versioned names, arrays and JSON back as saved, written atomically."""
import numpy as np
import pytest
from composerlab.models.corpora.cache import Cache, pack_rolls, unpack_rolls, write_json


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOSERLAB_CACHE", str(tmp_path))
    return Cache("pieces", version=3, folder="genres")


def test_a_file_is_named_by_kind_key_and_version(cache, tmp_path):
    assert cache.path("bach") == tmp_path / "genres" / "pieces_bach_v3.npz"
    assert Cache("chorales", version=1).path() == tmp_path / "chorales_v1.npz"
    assert cache.load("bach") is None and not cache.exists("bach")


def test_arrays_and_json_come_back_as_saved(cache):
    rolls = [np.random.default_rng(i).random((4, n, 128)) > 0.9 for i, n in enumerate((16, 48, 0, 32))]
    cache.save(pack_rolls(rolls, axis=1), "bach", meta={"names": ["a", "b", "c", "d"], "seconds": 1.5})
    arrays, meta = cache.load("bach")
    assert meta == {"names": ["a", "b", "c", "d"], "seconds": 1.5}
    back = unpack_rolls(arrays, axis=1)
    assert len(back) == 4 and all(np.array_equal(a, b) for a, b in zip(rolls, back))


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(cache):
    cache.save({"x": np.arange(3)}, "bach")

    class Unsaveable:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        cache.save({"x": Unsaveable()}, "bach")
    assert np.array_equal(cache.load("bach")[0]["x"], np.arange(3))
    assert [p.name for p in cache.path("bach").parent.iterdir()] == ["pieces_bach_v3.npz"]


def test_json_is_written_whole(tmp_path):
    path = write_json(tmp_path / "run" / "history.json", {"iteration": 3})
    assert path.read_text() == '{"iteration": 3}' and len(list(path.parent.iterdir())) == 1
