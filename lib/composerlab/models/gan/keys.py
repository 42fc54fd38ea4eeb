"""Key conditioning shared by the GAN's networks: a melody's pitch-class profile and its key's scale.

A key is a property of the whole tune that local convolutions cannot see;
these tensor functions give the networks the melody's pitch-class profile
and a mask of the model pitches in its Krumhansl-Schmuckler key, the same
estimate as :func:`composerlab.music.metrics.estimate_key`.
"""
from __future__ import annotations

import numpy as np

from composerlab.models import quiet_tensorflow


def pitch_class_matrix(lowest: int, n_pitches: int) -> np.ndarray:
    """(n_pitches, 12) float32: row i is one-hot at the pitch class of model pitch i."""
    return np.eye(12, dtype=np.float32)[(lowest + np.arange(n_pitches)) % 12]


def _key_tables() -> tuple[np.ndarray, np.ndarray]:
    """The 24 Krumhansl-Kessler profiles, centred and scaled (24, 12), and their scale masks (24, 12).

    Rows are C..B major, then C..B minor: the order of
    :func:`composerlab.music.metrics.estimate_key`, so ties break the same way.
    """
    from composerlab.music import metrics

    profiles, masks = [], []
    for mode, profile in (("major", metrics.MAJOR_PROFILE), ("minor", metrics.MINOR_PROFILE)):
        for tonic in range(12):
            rolled = np.roll(profile, tonic)
            centred = rolled - rolled.mean()
            profiles.append(centred / np.linalg.norm(centred))
            masks.append(metrics.scale_mask((tonic, mode)))
    return np.array(profiles, np.float32), np.array(masks, np.float32)


def melody_profile(melody, lowest: int, n_pitches: int):
    """(batch, 12) share of the melody's sounding steps in each pitch class; melody (batch, steps, pitches) in -1/+1."""
    quiet_tensorflow()
    from keras import ops

    fold = ops.convert_to_tensor(pitch_class_matrix(lowest, n_pitches))
    counts = ops.matmul(ops.sum((melody + 1.0) * 0.5, axis=1), fold)
    return counts / (ops.sum(counts, axis=-1, keepdims=True) + 1e-6)


def key_masks(melody, lowest: int, n_pitches: int):
    """(batch, n_pitches) 1 for model pitches in the melody's estimated key, 0 outside (no gradient).

    The same Krumhansl-Schmuckler estimate as :func:`composerlab.music.metrics.estimate_key`
    (correlation of the duration histogram with the 24 key profiles), in tensors.
    """
    quiet_tensorflow()
    from keras import ops

    profiles, masks = _key_tables()
    histogram = melody_profile(ops.stop_gradient(melody), lowest, n_pitches)
    centred = histogram - ops.mean(histogram, axis=-1, keepdims=True)
    centred = centred / (ops.sqrt(ops.sum(centred * centred, axis=-1, keepdims=True)) + 1e-9)
    best = ops.argmax(ops.matmul(centred, ops.convert_to_tensor(profiles.T)), axis=-1)
    pitch_masks = masks @ pitch_class_matrix(lowest, n_pitches).T  # (24, n_pitches)
    return ops.take(ops.convert_to_tensor(pitch_masks), best, axis=0)
