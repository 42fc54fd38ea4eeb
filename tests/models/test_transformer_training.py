"""Training the melody Transformer on a few tunes: the loss falls, checkpoints resume, the best weights are saved."""

import json

import numpy as np
import pytest
from composerlab.models.transformer.network import TransformerConfig, load
from composerlab.models.transformer.tokens import tokenizer
from composerlab.models.transformer.data import meter_marks, token_data, transposed_windows, validation_windows
from composerlab.models.transformer.training import train


@pytest.fixture(scope="module")
def small_data():
    return token_data(books=20, chorales=30, collections=("ryansMammoth",))


def small_config():
    return TransformerConfig(context=64, layers=2, width=48, heads=4, ffn=96, dropout=0.0)


def test_token_data_splits_by_piece(small_data):
    tok = tokenizer()
    assert small_data.train_tunes + small_data.validation_tunes >= 40 and small_data.validation_tunes >= 2
    assert (small_data.train == tok.bos).sum() == small_data.train_tunes
    assert (small_data.validation == tok.eos).sum() == small_data.validation_tunes


def test_transposition_moves_whole_windows_and_stays_in_range(small_data):
    tok = tokenizer()
    rng = np.random.default_rng(0)
    starts = np.arange(0, 3200, 100)
    plain = transposed_windows(small_data.train, starts, 65, None)
    moved = transposed_windows(small_data.train, starts, 65, rng)
    is_pitch = tok.kinds[plain] == "Pitch"
    assert np.array_equal(plain[~is_pitch], moved[~is_pitch])
    shifts = {int(np.unique((moved - plain)[i][is_pitch[i]])[0]) for i in range(len(starts)) if is_pitch[i].any()}
    assert len(shifts) > 3 and all(-5 <= s <= 6 for s in shifts)
    assert (tok.kinds[moved] == "Pitch").sum() == is_pitch.sum()


def test_every_window_opens_with_its_tunes_meter(small_data):
    tok = tokenizer()
    stream = small_data.train
    meters = meter_marks(stream)
    assert meters[0] == tok.pad and set(tok.kinds[meters[1:]]) == {"Meter"} and meters[1] == stream[1]
    starts = np.arange(5, 3200, 97)
    windows = transposed_windows(stream, starts, 65, None, meters)
    assert set(tok.kinds[windows[:, 0]]) <= {"Meter", "BOS"}
    for start, window in zip(starts, windows):
        tune_start = np.flatnonzero(stream[: start + 1] == tok.bos)[-1]
        if window[0] != tok.bos:
            assert window[0] == stream[tune_start + 1]  # the meter of the tune the window starts in
        assert np.array_equal(window[1:], stream[start + 1: start + 65])


def test_training_lowers_the_loss_saves_the_best_and_resumes(small_data, tmp_path):
    out, checkpoints = tmp_path / "tiny", tmp_path / "checkpoints"
    net, history = train(small_config(), epochs=3, steps_per_epoch=15, batch=8, learning_rate=3e-3,
                         data=small_data, out=out, checkpoint_dir=checkpoints, verbose=0, validation_limit=20)
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["validation_loss"][-1] < np.log(len(tokenizer()))  # better than guessing
    saved = json.loads((tmp_path / "tiny.history.json").read_text())
    assert saved["validation_loss"] == pytest.approx(history["validation_loss"])
    best = load(out)
    import h5py

    with h5py.File(tmp_path / "tiny.weights.h5") as saved_weights:
        assert "optimizer" not in saved_weights  # only the network's weights are saved
    windows = validation_windows(small_data.validation, 64, 4)
    np.testing.assert_allclose(best.logits(windows[:1, :-1]).shape, (1, 64, len(tokenizer())))
    assert not any(checkpoints.iterdir()) if checkpoints.exists() else True  # a finished run leaves no backup


class Stop(Exception):
    pass


def test_a_stopped_run_resumes_from_its_checkpoint(small_data, tmp_path):
    import keras

    class StopAtEpoch3(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise Stop()

    checkpoints = tmp_path / "checkpoints"
    settings = dict(epochs=4, steps_per_epoch=5, batch=8, data=small_data, checkpoint_dir=checkpoints, verbose=0,
                    validation_limit=8)
    with pytest.raises(Stop):
        train(small_config(), callbacks=[StopAtEpoch3()], **settings)
    _, resumed = train(small_config(), **settings)
    assert resumed["epoch"] == [3, 4]  # only the missing epochs ran


def test_too_little_data_is_refused(small_data):
    from composerlab.models.transformer.data import TokenData

    tiny = TokenData(small_data.train[:30], small_data.validation, 1, 1)
    with pytest.raises(ValueError, match="fewer than one window"):
        train(small_config(), epochs=1, steps_per_epoch=1, data=tiny, verbose=0)
    no_validation = TokenData(small_data.train, small_data.validation[:10], 40, 1)
    with pytest.raises(ValueError, match="no validation window"):
        train(small_config(), epochs=1, steps_per_epoch=1, data=no_validation, verbose=0)


def test_learning_rate_warms_up_then_falls_to_its_floor():
    from composerlab.models.transformer.training import learning_rate_at

    warm = [learning_rate_at(0.0, step, 1e-3, warmup=10) for step in range(10)]
    assert np.all(np.diff(warm) > 0) and warm[-1] == pytest.approx(1e-3)
    later = [learning_rate_at(p, 500, 1e-3, warmup=10) for p in np.linspace(0, 1, 11)]
    assert np.all(np.diff(later) < 0)
    assert later[-1] == pytest.approx(5e-5) and learning_rate_at(1.7, 500, 1e-3, 10) == pytest.approx(5e-5)


def test_a_time_limit_ends_the_schedule_and_the_run(small_data, tmp_path):
    import keras

    rates = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            rates.append(float(self.model.optimizer.learning_rate.numpy()))

    # 0.05 minutes (3 s) is less than 200 updates take: the clock decides, and the rate still reaches its floor.
    _, history = train(small_config(), epochs=20, steps_per_epoch=10, batch=4, learning_rate=2e-3, minutes=0.05,
                       data=small_data, verbose=0, validation_limit=2, callbacks=[Record()], warmup=2)
    assert history["updates"] < 200 and history["updates"] == len(rates)
    assert rates[-1] == pytest.approx(0.05 * 2e-3, rel=0.01)  # the last update ran at the floor


def test_install_copies_a_run_over_the_shipped_model(tmp_path, monkeypatch):
    import shutil

    from composerlab.models.transformer.training import SHIPPED_SUFFIXES, install, main
    from notebook_params import ROOT

    monkeypatch.setenv("COMPOSERLAB_DATA", str(tmp_path / "data"))
    (tmp_path / "data" / "models").mkdir(parents=True)
    run = tmp_path / "run" / "transformer"
    run.parent.mkdir()
    with pytest.raises(FileNotFoundError, match="no trained Transformer to install"):
        install(run)
    assert not any((tmp_path / "data" / "models").iterdir())
    for suffix in SHIPPED_SUFFIXES:
        shutil.copyfile(ROOT / "data" / "models" / f"transformer{suffix}", f"{run}{suffix}")
    assert main(["--install-only", "--out", str(run)]) == 0
    written = sorted(p.name for p in (tmp_path / "data" / "models").iterdir())
    assert written == sorted(f"transformer{s}" for s in SHIPPED_SUFFIXES)
    assert (tmp_path / "data" / "models" / "transformer.weights.h5").read_bytes() == \
        (ROOT / "data" / "models" / "transformer.weights.h5").read_bytes()
