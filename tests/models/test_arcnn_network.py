"""The AR-CNN network: shapes, a few updates lower the loss, save and load give the same scores."""
import numpy as np
import pytest
from composerlab.models.arcnn import data as merged
from composerlab.models.arcnn.network import ARCNN, ARCNNConfig, load_arcnn
from composerlab.models.arcnn.training import train


@pytest.fixture(scope="module")
def trained():
    config = ARCNNConfig(iterations=40, batch_size=8, channels=16, seed=0)
    dataset = merged.build_dataset(limit=30)
    return train(config, dataset, eval_every=20, progress=False)


def test_scores_every_cell_of_any_whole_length():
    net = ARCNN(ARCNNConfig(channels=8))
    for steps in (32, 128, 256):
        assert net.logits(np.zeros((2, steps, merged.N_MODEL_PITCHES))).shape == (2, steps, merged.N_MODEL_PITCHES)


def test_training_lowers_the_loss_and_records_it(trained):
    net, history = trained
    iterations, losses = history.curve("train", "loss")
    assert list(iterations) == [0, 20, 40]
    assert losses[-1] < losses[0]
    assert len(history.losses) == 40 and history.seconds > 0
    assert 0.0 <= history.last("validation")["top1"] <= 1.0
    assert len(history.plot().axes) == 2


def test_save_and_load_give_the_same_scores(trained, tmp_path):
    net, _ = trained
    net.save(tmp_path / "small", extra={"note": "test"})
    again = load_arcnn(tmp_path / "small.weights.h5")
    x = (np.random.default_rng(0).random((1, 128, merged.N_MODEL_PITCHES)) < 0.05).astype(np.float32)
    assert np.allclose(net.logits(x), again.logits(x), atol=1e-5)
    assert again.info["note"] == "test" and again.config.channels == 16


def test_missing_weights_name_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="composerlab.models.arcnn.training"):
        load_arcnn(tmp_path / "nothing")


def test_the_key_as_a_second_input_is_the_networks_own_reading(trained):
    from composerlab.models.arcnn.key_estimator import key_profile

    net, _ = trained
    x = (np.random.default_rng(1).random((2, 128, merged.N_MODEL_PITCHES)) < 0.05).astype(np.float32)
    x[:, 8:40, 20] = 1.0
    own = key_profile(x)
    assert own.shape == (2, 12)
    # the roll's own key given explicitly (at any scale): the same scores as the network alone
    assert np.allclose(net.logits(x), net.logits(x, key=3.0 * own), atol=1e-4)
    # another key: other scores, from the same weights
    other = np.roll(own, 1, axis=1)
    assert not np.allclose(net.logits(x), net.logits(x, key=other), atol=1e-3)


def test_training_with_a_given_key_trains_the_network_itself():
    config = ARCNNConfig(iterations=6, batch_size=4, channels=8, seed=0, clean_key=True)
    dataset = merged.build_dataset(limit=12)
    untrained = ARCNN(config)
    net, history = train(config, dataset, eval_every=3, progress=False)
    x = (np.random.default_rng(2).random((1, 128, merged.N_MODEL_PITCHES)) < 0.05).astype(np.float32)
    key = np.full((1, 12), 1 / 12, np.float32)
    # the keyed updates moved the weights the plain model and the keyed scorer both read
    assert not np.allclose(untrained.logits(x), net.logits(x), atol=1e-4)
    assert not np.allclose(untrained.logits(x, key=key), net.logits(x, key=key), atol=1e-4)
    assert [r["iteration"] for r in history.evaluations if r["split"] == "train"] == [0, 3, 6]
    assert np.isfinite(history.last("train")["loss"])
