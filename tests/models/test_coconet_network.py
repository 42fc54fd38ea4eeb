"""The harmoniser's network: the numpy forward pass matches Keras; weights save and load."""
import numpy as np
import pytest
from composerlab.models.coconet import data
from composerlab.models.coconet.network import (
    Harmoniser,
    HarmoniserConfig,
    build_network,
    line_classes,
    relative_logits,
    weights_of,
)

SMALL = HarmoniserConfig(channels=16, dilations=(1, 4), seed=3)


@pytest.fixture(scope="module")
def keras_and_numpy():
    model = build_network(SMALL)
    return model, Harmoniser(weights_of(model, SMALL), SMALL)


def test_numpy_forward_pass_matches_keras(keras_and_numpy):
    model, harmoniser = keras_and_numpy
    inputs = np.random.default_rng(0).random((2, 37, data.N_INPUTS)).astype(np.float32)
    expected = np.asarray(model(inputs, training=False))
    assert expected.shape == (2, 37, 3, data.N_PITCHES)
    for b in range(2):
        assert np.allclose(harmoniser.logits(inputs[b]), expected[b], atol=1e-4)


def test_a_cell_sees_its_neighbours_only_as_far_as_the_dilations_reach(keras_and_numpy):
    _, harmoniser = keras_and_numpy
    inputs = np.zeros((40, data.N_INPUTS), dtype=np.float32)
    changed = inputs.copy()
    changed[20, 5] = 1.0
    difference = np.abs(harmoniser.logits(changed) - harmoniser.logits(inputs)).sum(axis=(1, 2))
    reach = 1 + 1 + 4  # the first convolution (1), the two dilated ones (1 and 4): 6 cells each way
    assert difference[20] > 0 and difference[20 - reach] > 0 and difference[20 + reach] > 0
    assert difference[: 20 - reach].max() == 0 and difference[20 + reach + 1:].max() == 0


def test_save_and_load_keep_the_weights(tmp_path, keras_and_numpy):
    _, harmoniser = keras_and_numpy
    harmoniser.info = {"training": {"seconds": 1.0}}
    paths = harmoniser.save(tmp_path / "h")
    assert [p.name for p in paths] == ["h.npz", "h.json"]
    loaded = Harmoniser.load(tmp_path / "h")
    assert loaded.config == SMALL and loaded.info == {"training": {"seconds": 1.0}}
    inputs = np.random.default_rng(1).random((12, data.N_INPUTS)).astype(np.float32)
    # float16 on disk: the logits move by far less than they differ between pitches.
    assert np.abs(loaded.logits(inputs) - harmoniser.logits(inputs)).max() < 0.05


def test_a_missing_model_names_the_command_that_trains_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="composerlab.models.coconet.training"):
        Harmoniser.load(tmp_path / "nothing")


def test_the_relative_head_scores_pitches_by_their_interval_to_the_known_lines():
    inputs = np.zeros((1, data.N_INPUTS), dtype=np.float32)
    inputs[0, 72 - data.LOWEST_PITCH] = 1  # the melody sounds C5
    inputs[0, 3 * data.N_PITCHES + 43 - data.LOWEST_PITCH] = 1  # the bass is known: G2
    classes = line_classes(inputs)
    assert np.flatnonzero(classes[0, 0]).tolist() == [0] and np.flatnonzero(classes[0, 3]).tolist() == [7]
    assert not classes[0, 1:3].any()  # alto and tenor hidden
    relative = np.zeros((1, 3, 3, 12), dtype=np.float32)
    relative[0, 0, 2, 4] = 1.0  # the alto likes a major third above the bass (its third other line)
    relative[0, 0, 0, 0] = -2.0  # and dislikes doubling the soprano's pitch class
    scores = relative_logits(classes, relative)[0]
    pitch_class = (np.arange(data.N_PITCHES) + data.LOWEST_PITCH) % 12
    assert np.all(scores[0][pitch_class == 11] == 1.0)  # B: a third above G
    assert np.all(scores[0][pitch_class == 0] == -2.0)  # C: the soprano's
    assert np.all(scores[0][(pitch_class != 11) & (pitch_class != 0)] == 0)
    assert not scores[1:].any()  # the tenor and bass heads score nothing here
