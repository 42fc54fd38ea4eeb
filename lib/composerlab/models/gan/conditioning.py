"""The GAN's key conditioning, in tensors: a melody's pitch-class profile and the model pitches of its key.

A key is a property of the whole tune that local convolutions cannot see; the
networks read the melody's pitch-class profile and a mask of the model pitches
in its key, the Krumhansl-Schmuckler estimate of :mod:`composerlab.music.key`
done as matrix products.
"""
from __future__ import annotations

import numpy as np

from composerlab.models.runtime import quiet_tensorflow
from composerlab.music.key import key_tables


def pitch_class_matrix(lowest: int, n_pitches: int) -> np.ndarray:
    """(n_pitches, 12) float32: row i is one-hot at the pitch class of model pitch i."""
    return np.eye(12, dtype=np.float32)[(lowest + np.arange(n_pitches)) % 12]


def melody_profile(melody, lowest: int, n_pitches: int):
    """(batch, 12) share of the melody's sounding steps in each pitch class; melody (batch, steps, pitches) in -1/+1."""
    quiet_tensorflow()
    from keras import ops  # Keras loads TensorFlow: deferred to the first network built

    fold = ops.convert_to_tensor(pitch_class_matrix(lowest, n_pitches))
    counts = ops.matmul(ops.sum((melody + 1.0) * 0.5, axis=1), fold)
    return counts / (ops.sum(counts, axis=-1, keepdims=True) + 1e-6)


def key_masks(melody, lowest: int, n_pitches: int):
    """(batch, n_pitches) 1 for model pitches in the melody's estimated key, 0 outside (no gradient).

    The same estimate as :func:`composerlab.music.key.estimate_key` (correlation of the duration
    histogram with the 24 key profiles), in tensors.
    """
    quiet_tensorflow()
    from keras import ops  # Keras loads TensorFlow: deferred to the first network built

    profiles, masks = key_tables()
    histogram = melody_profile(ops.stop_gradient(melody), lowest, n_pitches)
    centred = histogram - ops.mean(histogram, axis=-1, keepdims=True)
    centred = centred / (ops.sqrt(ops.sum(centred * centred, axis=-1, keepdims=True)) + 1e-9)
    best = ops.argmax(ops.matmul(centred, ops.convert_to_tensor(profiles.T)), axis=-1)
    pitch_masks = masks @ pitch_class_matrix(lowest, n_pitches).T  # (24, n_pitches)
    return ops.take(ops.convert_to_tensor(pitch_masks), best, axis=0)
