"""The AR-CNN's dataset and corruption: merged voices, the GAN's split, targets where input and original differ."""
import numpy as np
import pytest
from composerlab.models.arcnn import data as merged
from composerlab.models.gan import data as chorales


@pytest.fixture(scope="module")
def dataset():
    return merged.build_dataset(limit=40)


def test_split_by_chorale_voices_kept_apart_until_merged(dataset):
    assert not set(dataset.train_names) & set(dataset.validation_names)
    assert all(chorales.is_validation(n) for n in dataset.validation_names)
    assert dataset.train.shape[1:] == (4, 128, 128) and dataset.train.dtype == bool
    first = chorales.load_chorales(1)[0]
    windows = dataset.train if first.name in dataset.train_names else dataset.validation
    assert np.array_equal(windows[0], first.roll[:, :128])
    # merged, four voices sound at once: most steps of a chorale window hold three or four pitches
    assert np.median(merged.merge_voices(windows[0]).sum(axis=1)) >= 3


def test_some_windows_keep_only_some_voices(dataset):
    voices = dataset.train[:200, :, :, merged.LOWEST_PITCH: merged.LOWEST_PITCH + merged.N_MODEL_PITCHES]
    full = voices.any(axis=1)
    kept = merged.keep_some_voices(voices, np.random.default_rng(0), share=0.5)
    fewer = (kept.sum(axis=(1, 2)) < full.sum(axis=(1, 2))).mean()
    assert 0.35 < fewer < 0.65
    assert not (kept & ~full).any()  # only voices taken away, nothing else changed
    rng = np.random.default_rng(0)
    assert np.array_equal(merged.keep_some_voices(voices, rng, share=0.0), full)
    assert rng.random() == np.random.default_rng(0).random()  # share 0 draws nothing


def test_short_piece_becomes_one_padded_window():
    roll = np.zeros((4, 40, 128), bool)
    roll[0, :, 60] = True
    cut = merged.voice_windows(roll, bars=8)
    assert cut.shape == (1, 4, 128, 128) and cut[0, 0, :40, 60].all() and not cut[0, :, 40:].any()


def test_note_runs_and_semitone_shift():
    roll = np.zeros((16, 10), bool)
    roll[0:4, 5] = True
    roll[4:8, 5] = False
    roll[8:16, 2] = True
    assert sorted(merged.note_runs(roll)) == [(2, 8, 16), (5, 0, 4)]
    shifted = merged.shift_notes(roll, 1.0, np.random.default_rng(0))
    assert shifted.sum() == roll.sum()
    moved = sorted(merged.note_runs(shifted))
    assert [(abs(p - q), s, e) for (p, s, e), (q, _, _) in zip(moved, sorted(merged.note_runs(roll)))] == \
        [(1, 8, 16), (1, 0, 4)]


def test_training_pairs_target_the_differences(dataset):
    rng = np.random.default_rng(0)
    inputs, targets = merged.training_pairs(dataset.train, np.arange(16), rng)
    assert inputs.shape == targets.shape == (16, 128, merged.N_MODEL_PITCHES)
    assert inputs.dtype == np.float32 and set(np.unique(inputs)) <= {0.0, 1.0}
    assert (targets.sum(axis=(1, 2)) > 0).all()
    cells = 128 * merged.N_MODEL_PITCHES
    # the random notes added: 1-1.5% of the cells, drawn among all cells (one that is already on stays on,
    # and chorale windows have under 10% of their cells on); they are targets that are on in the input
    added = (targets * inputs).sum(axis=(1, 2))
    assert (added >= 0.8 * 0.01 * cells).all()
    # a random share of the notes is removed: some windows lose few, some most
    removed = (targets * (1 - inputs)).sum(axis=(1, 2))
    assert removed.min() < 0.3 * removed.max()


def test_same_seed_same_pairs(dataset):
    a = merged.training_pairs(dataset.train, np.arange(4), np.random.default_rng(3))
    b = merged.training_pairs(dataset.train, np.arange(4), np.random.default_rng(3))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_out_of_key_shift_moves_in_key_notes_out_of_the_key(dataset):
    voices = dataset.train[:20, :, :, merged.LOWEST_PITCH: merged.LOWEST_PITCH + merged.N_MODEL_PITCHES]
    pcs = merged.pitch_classes()
    moved_total = 0
    for window in voices:
        roll = window.any(axis=0)
        scale = merged.window_scale(roll)
        shifted = merged.shift_notes(roll, 0.3, np.random.default_rng(0), scale)
        new = shifted & ~roll
        gone = roll & ~shifted
        assert new.sum() == gone.sum()
        assert not scale[pcs[np.flatnonzero(new.any(axis=0))]].any()  # every moved note lands out of the key
        assert scale[pcs[np.flatnonzero(gone.any(axis=0))]].all()  # and came from a note in the key
        moved_total += len(merged.note_runs(new))
    assert moved_total > 20


def test_solo_windows_keep_one_voice_mostly_the_soprano(dataset):
    voices = dataset.train[:400, :, :, merged.LOWEST_PITCH: merged.LOWEST_PITCH + merged.N_MODEL_PITCHES]
    kept = merged.keep_some_voices(voices, np.random.default_rng(1), share=0.0, solo_share=0.5)
    soprano = voices[:, 0]
    solo = [i for i in range(len(voices)) if kept[i].sum(axis=1).max() <= 1 and voices[i].any(axis=0).sum(axis=1).max() > 1]
    assert 0.35 < len(solo) / len(voices) < 0.65
    assert np.mean([np.array_equal(kept[i], soprano[i]) for i in solo]) > 0.6


def test_tune_pairs_are_one_detuned_voice_against_the_whole_window(dataset):
    rng = np.random.default_rng(4)
    windows = dataset.train[:24]
    inputs, targets = merged.training_pairs(windows, np.arange(24), rng, max_shift=0, out_of_key=True,
                                            tune_share=1.0, tune_weight=8.0)
    voices = windows[:, :, :, merged.LOWEST_PITCH: merged.LOWEST_PITCH + merged.N_MODEL_PITCHES]
    originals = voices.any(axis=1)
    pcs = merged.pitch_classes()
    soprano_based = 0
    for x, t, original, window in zip(inputs.astype(bool), targets, originals, voices):
        assert x.sum(axis=1).max() <= 1  # one line: never two pitches at a step
        # the target is every cell where the input differs from the whole window; the tune's own
        # cells to fix (wrong notes, their right pitches, its gaps) weigh 8, the missing voices' 1
        assert np.array_equal(t > 0, x != original)
        assert set(np.unique(t[x & ~original])) <= {8.0} and set(np.unique(t[~x & original])) == {1.0, 8.0}
        assert (t == 1.0).sum() > (t == 8.0).sum()
        wrong = x & ~original
        if wrong.any():  # a wrong note lies out of the key of the voice it came from
            voice = next(v for v in window if (v & ~wrong).sum() >= (x & ~wrong).sum() and
                         not ((x & ~wrong) & ~v).any())
            assert not merged.window_scale(voice)[pcs[np.flatnonzero(wrong.any(axis=0))]].any()
            soprano_based += np.array_equal(voice, window[0])
    assert (targets == 8.0).any(axis=(1, 2)).mean() > 0.8  # nearly every tune has wrong notes to find
    assert soprano_based >= 10  # mostly the soprano, the tune


def test_tune_weight_one_is_the_papers_target(dataset):
    a = merged.training_pairs(dataset.train, np.arange(8), np.random.default_rng(5), out_of_key=True)
    b = merged.training_pairs(dataset.train, np.arange(8), np.random.default_rng(5), out_of_key=True,
                              tune_share=0.0, tune_weight=1.0)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert set(np.unique(a[1])) == {0.0, 1.0}


def test_clean_key_pairs_carry_the_key_input_the_edit_loop_gives(dataset):
    from composerlab.models.arcnn.key_estimator import key_input, key_profile

    windows = dataset.train[:12]
    plain = merged.training_pairs(windows, np.arange(12), np.random.default_rng(6), 0, out_of_key=True, tune_share=0.5)
    inputs, targets, keys = merged.training_pairs(windows, np.arange(12), np.random.default_rng(6), 0, out_of_key=True,
                                                  tune_share=0.5, clean_key=True)
    # the same pairs as without the option: it draws nothing
    assert np.array_equal(plain[0], inputs) and np.array_equal(plain[1], targets)
    assert keys.shape == (12, 12) and keys.dtype == np.float32 and np.allclose(keys.sum(axis=1), 1.0, atol=1e-5)
    voices = windows[:, :, :, merged.LOWEST_PITCH: merged.LOWEST_PITCH + merged.N_MODEL_PITCHES]
    profiles = key_profile(inputs)
    for x, key, profile, window in zip(inputs.astype(bool), keys, profiles, voices):
        # a tune pair is told its clean voice's key, a merged pair its whole window's
        candidates = [merged.window_scale(v) for v in window] + [merged.window_scale(window.any(axis=0))]
        # the edit loop's key input (keys.key_input) of the input's profile under a clean key's scale
        assert any(np.allclose(key, key_input(profile, scale), atol=1e-5) for scale in candidates)
