"""The chorale dataset: voices, windows, the split by chorale, transposition."""
import numpy as np
import pytest
from composerlab.models.gan import data as chorales


@pytest.fixture(scope="module")
def dataset():
    return chorales.build_dataset(bars=2, limit=60)


def test_chorales_have_four_voices_on_whole_bars():
    pieces = chorales.load_chorales(limit=5)
    assert len(pieces) == 5
    for piece in pieces:
        assert piece.roll.shape[0] == 4 and piece.roll.shape[1] % 16 == 0
        means = [np.nonzero(v)[1].mean() for v in piece.roll]
        assert means == sorted(means, reverse=True)  # soprano above alto above tenor above bass


def test_windows_are_whole_bars_and_every_voice_sings(dataset):
    assert dataset.train.shape[1:] == (4, 32, 128)
    assert dataset.train.any(axis=3).any(axis=2).all()
    assert len(dataset.train) > 5 * len(dataset.validation) > 0


def test_split_is_by_chorale_and_deterministic(dataset):
    assert not set(dataset.train_names) & set(dataset.validation_names)
    again = chorales.build_dataset(bars=2, limit=60)
    assert again.validation_names == dataset.validation_names
    assert all(chorales.is_validation(n) for n in dataset.validation_names)


def test_summary_reports_voice_ranges(dataset):
    summary = dataset.summary()
    assert summary["pieces"] == 60
    low, high = summary["pitch_range"]["Bass"]
    assert chorales.LOWEST_PITCH <= low < high < summary["pitch_range"]["Soprano"][1]
    assert summary["pitch_range"]["Soprano"][1] < chorales.LOWEST_PITCH + chorales.N_MODEL_PITCHES


def test_transposition_keeps_every_note(dataset):
    rng = np.random.default_rng(0)
    index = np.arange(16)
    batch = chorales.transposed_batch(dataset.train, index, rng, max_shift=6)
    assert batch.shape == (16, 4, 32, chorales.N_MODEL_PITCHES)
    assert set(np.unique(batch)) == {-1.0, 1.0}
    assert ((batch > 0).sum(axis=(1, 2, 3)) == dataset.train[index].sum(axis=(1, 2, 3))).all()
    shifts = [int(np.nonzero(b[0].any(0))[0][0]) + chorales.LOWEST_PITCH -
              int(np.nonzero(w[0].any(0))[0][0]) for b, w in zip(batch > 0, dataset.train[index])]
    assert len(set(shifts)) > 1 and max(abs(s) for s in shifts) <= 6


def test_model_range_round_trip(dataset):
    window = dataset.train[:3]
    back = chorales.from_model_range(chorales.to_model_range(window))
    assert (back == window).all()
