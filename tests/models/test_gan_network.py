"""The chorale GAN: shapes for any length, seeds, a tiny training run, saving and loading."""
import numpy as np
import pytest
from composerlab.models.gan import data as chorales
from composerlab.models.gan.generate import decode
from composerlab.models.gan.conditioning import key_masks, melody_profile
from composerlab.models.gan.network import ChoraleGAN, GANConfig, load_generator
from composerlab.models.gan.training import TrainingHistory, accompany_windows, train
from composerlab.music import metrics

TINY = dict(channels=8, critic_channels=8, noise_dim=4, batch_size=8, update_ratio=2, seed=3)


@pytest.fixture(scope="module")
def small_dataset():
    return chorales.build_dataset(bars=2, limit=30)


@pytest.fixture(scope="module")
def trained(small_dataset):
    config = GANConfig(iterations=30, **TINY)
    return train(config, small_dataset, eval_every=15, sample_at=[0, 30], progress=False, jit_compile=False)


@pytest.mark.parametrize("bars", [1, 2, 5, 8])
def test_generator_takes_any_number_of_bars(bars):
    gan = ChoraleGAN(GANConfig(**TINY))
    melody = np.zeros((2, 16 * bars, chorales.N_MODEL_PITCHES), dtype=bool)
    melody[:, :, 30] = True
    out = gan.generate(melody, seed=0)
    assert out.shape == (2, 3, 16 * bars, chorales.N_MODEL_PITCHES)
    assert out.min() >= -1 and out.max() <= 1


def test_generator_refuses_partial_bars():
    gan = ChoraleGAN(GANConfig(**TINY))
    with pytest.raises(ValueError, match="whole number"):
        gan.generate(np.zeros((1, 20, chorales.N_MODEL_PITCHES), dtype=bool))


def test_same_seed_same_output_other_seed_differs():
    gan = ChoraleGAN(GANConfig(**TINY))
    melody = np.zeros((1, 32, chorales.N_MODEL_PITCHES), dtype=bool)
    melody[0, :, 30] = True
    a, b, c = gan.generate(melody, seed=1), gan.generate(melody, seed=1), gan.generate(melody, seed=2)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_key_masks_match_the_metrics_key_estimate(small_dataset):
    windows = small_dataset.train[:40]
    melody = chorales.to_model_range(windows[:, 0]).astype(np.float32) * 2 - 1
    masks = np.asarray(key_masks(melody, chorales.LOWEST_PITCH, chorales.N_MODEL_PITCHES)) > 0.5
    pitch_classes = (chorales.LOWEST_PITCH + np.arange(chorales.N_MODEL_PITCHES)) % 12
    for window, mask in zip(windows, masks):
        assert np.array_equal(mask, metrics.scale_mask(metrics.estimate_key(window[0]))[pitch_classes])


def test_melody_profile_is_the_share_of_each_pitch_class():
    melody = -np.ones((1, 16, chorales.N_MODEL_PITCHES), dtype=np.float32)
    melody[0, :12, 60 - chorales.LOWEST_PITCH] = 1     # C for 12 steps
    melody[0, 12:, 67 - chorales.LOWEST_PITCH] = 1     # G for 4
    profile = np.asarray(melody_profile(melody, chorales.LOWEST_PITCH, chorales.N_MODEL_PITCHES))[0]
    assert profile[0] == pytest.approx(0.75, abs=1e-4) and profile[7] == pytest.approx(0.25, abs=1e-4)
    assert profile.sum() == pytest.approx(1.0, abs=1e-4)


def test_configs_saved_before_key_conditioning_load_without_it():
    assert GANConfig.from_dict({"channels": 8}).key_conditioning is False
    assert GANConfig.from_dict(GANConfig().to_dict()).key_conditioning is True


def test_key_weight_trains(small_dataset):
    config = GANConfig(iterations=3, key_weight=1.0, **TINY)
    _, history = train(config, small_dataset, eval_every=0, progress=False, jit_compile=False)
    assert np.isfinite([row["generator_loss"] for row in history.losses]).all()


def test_decode_gives_one_note_per_voice_and_no_flicker():
    voices = -np.ones((3, 16, 10), dtype=np.float32)   # values are 2p - 1
    voices[0, :, 4] = 0.9
    voices[0, 7, 6] = 1.0         # a one-step flick: joined to the note before
    voices[1, 8:, 2] = 0.5        # rest, then a note likelier than resting (p 0.75)
    voices[2, :, 3] = -0.2        # p 0.4 < rest 0.6: a rest
    rolls = decode(voices)
    assert rolls.sum(axis=-1).max() == 1
    assert rolls[0, :, 4].all()
    assert not rolls[1, :8].any() and rolls[1, 8:, 2].all()
    assert not rolls[2].any()


def test_tiny_training_run_learns_and_records(trained):
    gan, history = trained
    assert len(history.losses) == 30
    critic = [row["critic_loss"] for row in history.losses]
    assert np.std(critic) > 0 and critic[0] != critic[-1]
    splits = {row["split"] for row in history.metrics}
    assert {"train", "validation", "data train", "data validation"} <= splits
    assert sorted(history.samples) == [0, 30]
    assert history.samples[30].shape[1:] == (4, 32, 128)
    assert history.loss_curves()["iteration"][-1] == 30
    assert len(history.metric_curves("validation")["in_scale_ratio"]) == 3
    chorales = history.metric_curves("data validation")
    assert 0.5 < chorales["consonant_beats"][0] <= 1 and 0.8 < chorales["chord_fit"][0] <= 1
    assert np.isfinite(history.metric_curves("validation")["parallels_per_bar"]).all()


def test_history_round_trips_through_json(trained):
    _, history = trained
    again = TrainingHistory.from_json(history.to_json())
    assert again.losses == history.losses
    assert all(np.array_equal(again.samples[k], history.samples[k]) for k in history.samples)


def test_accompaniment_keeps_the_soprano(trained, small_dataset):
    gan, _ = trained
    windows = small_dataset.validation[:4]
    out = accompany_windows(gan, windows, seed=0)
    assert np.array_equal(out[:, 0], windows[:, 0])
    assert out[:, 1:].sum(axis=-1).max() <= 1  # each voice sings one note at a time


def test_save_and_load_gives_the_same_music(trained, tmp_path):
    gan, _ = trained
    gan.save(tmp_path / "tiny")
    loaded = load_generator(tmp_path / "tiny")
    melody = np.zeros((1, 32, chorales.N_MODEL_PITCHES), dtype=bool)
    melody[0, :, 35] = True
    assert np.allclose(gan.generate(melody, seed=4), loaded.generate(melody, seed=4), atol=1e-6)
    assert loaded.config.channels == 8


def test_missing_weights_say_how_to_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="composerlab.models.gan.training"):
        load_generator(tmp_path / "nothing")


def test_resume_continues_from_checkpoint(small_dataset, tmp_path):
    config = GANConfig(iterations=4, **TINY)
    train(config, small_dataset, checkpoint_dir=tmp_path, eval_every=0, progress=False, jit_compile=False)
    config.iterations = 6
    _, history = train(config, small_dataset, checkpoint_dir=tmp_path, resume=True, eval_every=0,
                       progress=False, jit_compile=False)
    assert [row["iteration"] for row in history.losses] == [1, 2, 3, 4, 5, 6]
