"""The harmoniser's network: dilated 1-D convolutions over time that fill in hidden cells of three voices.

Coconet (Huang et al. 2017) convolves over time and pitch in 2-D; this network convolves over time
only, with every pitch of every voice as a channel, which costs a tenth of the arithmetic and runs a
whole song in milliseconds on a laptop CPU. Input per cell (an eighth note,
:mod:`composerlab.models.coconet.data`): the melody, the alto, tenor and bass where known, a mask
per voice, and where the cell sits. A first convolution, then residual blocks (layer norm, ReLU,
a dilated convolution of width 3) whose dilations double to see about 30 bars each way, then per
voice a softmax over pitch.

A voice's logits are the sum of two heads. One scores each absolute pitch. The other scores each
interval class (0-11 semitones) to each of the other three lines where that line is known at the
cell, and adds the score to every pitch at that interval: "a fifth above the bass", "not the octave
of the soprano again". Coconet gets this from convolving over pitch; here it is one dense layer and a
fixed fold from pitch to pitch class (:func:`relative_logits`). With the absolute head alone, a first
model put 0.8 of its probability on the pitch that made a parallel fifth or octave with its own other
voices, about thirty times Bach's rate of parallels.

Plain convolutions, layer norms, dense layers and fixed matrix products only: :class:`Harmoniser` runs
the trained weights in numpy, without TensorFlow (and the same graph exports to ONNX).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from composerlab.models.coconet.data import LOWEST_PITCH, N_INPUTS, N_PITCHES

LAYER_NORM_EPSILON = 1e-3
"""Keras' default, which the numpy forward pass must match."""
OTHERS = ((0, 2, 3), (0, 1, 3), (0, 1, 2))
"""For the alto, tenor and bass: the other lines (0 soprano, 1 alto, 2 tenor, 3 bass) their relative head reads."""
FOLD = (np.arange(N_PITCHES)[:, None] + LOWEST_PITCH) % 12 == np.arange(12)[None, :]
"""(N_PITCHES, 12) each model pitch's pitch class."""
CIRCLE = ((np.arange(12)[None, None, :] - np.arange(12)[:, None, None]) % 12 == np.arange(12)[None, :, None])
"""(12, 12, 12): CIRCLE[c, d, q] is true where pitch class q lies d semitones above pitch class c."""


def line_classes(inputs):
    """(..., cells, N_INPUTS) network inputs -> (..., cells, 4, 12): the pitch classes each line sounds
    where it is known (the melody's every pitch; a hidden voice none). Works on numpy arrays and Keras tensors."""
    fold = FOLD.astype(np.float32)
    lines = [inputs[..., v * N_PITCHES: (v + 1) * N_PITCHES] for v in range(4)]
    if isinstance(inputs, np.ndarray):
        return np.stack([line @ fold for line in lines], axis=-2)
    import keras  # a Keras tensor: only while building or training the network

    return keras.ops.stack([keras.ops.matmul(line, fold) for line in lines], axis=-2)


def relative_logits(classes, relative):
    """The relative head's share of each voice's pitch logits.

    ``classes`` (..., cells, 4, 12) from :func:`line_classes`; ``relative`` (..., cells, 3, 3, 12): for each
    voice, for each of its :data:`OTHERS`, a score per interval class above that line. Returns
    (..., cells, 3, N_PITCHES): for each voice and pitch, the sum of the scores of the pitch's interval
    above every known other line. Works on numpy arrays and Keras tensors.
    """
    # For each voice: the product of every other line's pitch classes c with its interval scores d, summed
    # over the lines (one einsum), then a fixed (144, 12) matrix sends each (c, d) to the class c + d, and
    # FOLD spreads the classes over the pitches.
    spread, fold_t = CIRCLE.reshape(144, 12).astype(np.float32), FOLD.T.astype(np.float32)
    if isinstance(relative, np.ndarray):
        others = classes[..., np.array(OTHERS), :]  # (..., cells, 3 voices, 3 lines, 12)
        pairs = np.einsum("...vkc,...vkd->...vcd", others, relative)
        return (pairs.reshape(pairs.shape[:-2] + (144,)) @ spread) @ fold_t
    import keras  # a Keras tensor: only while building or training the network

    ops = keras.ops
    others = ops.stack([ops.stack([classes[..., u, :] for u in lines], axis=-2) for lines in OTHERS], axis=-3)
    pairs = ops.einsum("...vkc,...vkd->...vcd", others, relative)
    return ops.matmul(ops.einsum("...vcd,cdq->...vq", pairs, CIRCLE.astype(np.float32)), fold_t)


@dataclass
class HarmoniserConfig:
    """Every hyperparameter of the network and its training.

    channels, dilations, kernel : the network (one residual block per dilation).
    relative : whether the voices' logits have the relative head (interval classes to the known lines).
    window : cells (eighth notes) per training example; batch_size, learning_rate, steps : the loop;
    validate_every : steps between validation passes; seed : weights' initialisation and data order.
    """

    channels: int = 128
    dilations: tuple = (1, 2, 4, 8, 16, 32, 1, 2, 4, 8, 16, 32)
    kernel: int = 3
    relative: bool = True
    window: int = 128
    batch_size: int = 16
    learning_rate: float = 2e-3
    steps: int = 3000
    validate_every: int = 500
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, values: dict) -> "HarmoniserConfig":
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if "dilations" in known:
            known["dilations"] = tuple(known["dilations"])
        return cls(**known)


def build_network(config: HarmoniserConfig):
    """The Keras model: (batch, cells, N_INPUTS) -> (batch, cells, 3, N_PITCHES) logits."""
    from composerlab.models import quiet_tensorflow  # with TensorFlow below: only when a network is built

    quiet_tensorflow()  # deferred: building a network is the one place TensorFlow is needed
    import keras  # loads TensorFlow

    class RelativeHead(keras.layers.Layer):
        """No weights: :func:`relative_logits` of the network's input and its interval scores."""

        def call(self, both):
            cells, relative = both
            return relative_logits(line_classes(cells), relative)

    keras.utils.set_random_seed(config.seed)
    inputs = keras.Input((None, N_INPUTS), name="cells")
    x = keras.layers.Conv1D(config.channels, config.kernel, padding="same", name="embed")(inputs)
    for i, dilation in enumerate(config.dilations):
        y = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name=f"norm{i}")(x)
        y = keras.layers.Activation("relu")(y)
        y = keras.layers.Conv1D(config.channels, config.kernel, padding="same", dilation_rate=dilation,
                                name=f"conv{i}")(y)
        x = keras.layers.Add()([x, y])
    x = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name="norm_out")(x)
    x = keras.layers.Activation("relu")(x)
    absolute = keras.layers.Reshape((-1, 3, N_PITCHES))(keras.layers.Dense(3 * N_PITCHES, name="pitches")(x))
    if not config.relative:
        return keras.Model(inputs, absolute, name="harmoniser")
    relative = keras.layers.Reshape((-1, 3, 3, 12))(keras.layers.Dense(3 * 3 * 12, name="intervals")(x))
    outputs = keras.layers.Add(name="logits")([absolute, RelativeHead()([inputs, relative])])
    return keras.Model(inputs, outputs, name="harmoniser")



def weights_of(model, config: HarmoniserConfig) -> dict[str, np.ndarray]:
    """A Keras network's weights as named float32 arrays (what :class:`Harmoniser` and the saved file hold)."""
    out = {}
    names = ["embed"] + [n for i in range(len(config.dilations)) for n in (f"norm{i}", f"conv{i}")]
    for name in names + ["norm_out", "pitches"] + (["intervals"] if config.relative else []):
        layer = model.get_layer(name)
        for label, value in zip(("a", "b"), layer.get_weights()):
            out[f"{name}.{label}"] = np.asarray(value, dtype=np.float32)
    return out


class Harmoniser:
    """The trained network in numpy: ``logits(inputs)`` for a whole piece, no TensorFlow.

    Parameters
    ----------
    weights : dict of str to ndarray
        As :func:`weights_of` names them.
    config : HarmoniserConfig
    info : dict
        Anything else the saved model carries (its training figures).
    """

    def __init__(self, weights: dict, config: HarmoniserConfig, info: dict | None = None):
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self.config = config
        self.info = info or {}

    @staticmethod
    def _conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, dilation: int = 1) -> np.ndarray:
        # 'same' padding: output cell t reads cells t - d, t, t + d (zeros beyond the piece), as Keras does.
        width = kernel.shape[0]
        reach = (width - 1) // 2 * dilation
        cells = x.shape[0]
        padded = np.zeros((cells + 2 * reach, x.shape[1]), dtype=np.float32)
        padded[reach: reach + cells] = x
        out = padded[0:cells] @ kernel[0]
        for k in range(1, width):
            out += padded[k * dilation: k * dilation + cells] @ kernel[k]
        return out + bias

    @staticmethod
    def _norm_relu(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = x.var(axis=-1, keepdims=True)
        return np.maximum((x - mean) / np.sqrt(var + LAYER_NORM_EPSILON) * gamma + beta, 0.0)

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        """(cells, N_INPUTS) -> (cells, 3, N_PITCHES) unnormalised log-probabilities."""
        w = self.weights
        x = self._conv(np.asarray(inputs, dtype=np.float32), w["embed.a"], w["embed.b"])
        for i, dilation in enumerate(self.config.dilations):
            y = self._norm_relu(x, w[f"norm{i}.a"], w[f"norm{i}.b"])
            x = x + self._conv(y, w[f"conv{i}.a"], w[f"conv{i}.b"], dilation)
        y = self._norm_relu(x, w["norm_out.a"], w["norm_out.b"])
        absolute = (y @ w["pitches.a"] + w["pitches.b"]).reshape(len(x), 3, N_PITCHES)
        if not self.config.relative:
            return absolute
        relative = (y @ w["intervals.a"] + w["intervals.b"]).reshape(len(x), 3, 3, 12)
        return absolute + relative_logits(line_classes(np.asarray(inputs, dtype=np.float32)), relative)

    @property
    def parameters(self) -> int:
        return int(sum(v.size for v in self.weights.values()))

    def save(self, stem) -> list[Path]:
        """Write ``stem.npz`` (the weights, float16) and ``stem.json`` (config and info); return both paths."""
        stem = Path(stem)
        stem.parent.mkdir(parents=True, exist_ok=True)
        weights_path, meta_path = Path(f"{stem}.npz"), Path(f"{stem}.json")
        # float16 halves the file; the forward pass runs in float32 (checked against float32 in the tests).
        np.savez_compressed(weights_path, **{k: v.astype(np.float16) for k, v in self.weights.items()})
        meta = {"model_type": "coconet", "config": asdict(self.config), **self.info}
        meta_path.write_text(json.dumps(meta, indent=1, default=float))
        return [weights_path, meta_path]

    @classmethod
    def load(cls, stem) -> "Harmoniser":
        """The model saved at ``stem`` (``stem.npz`` + ``stem.json``).

        Raises
        ------
        FileNotFoundError
            Naming the missing file and the command that trains it.
        """
        stem = Path(stem)
        weights_path, meta_path = Path(f"{stem}.npz"), Path(f"{stem}.json")
        for path in (weights_path, meta_path):
            if not path.is_file():
                raise FileNotFoundError(f"{path} is missing: train the harmoniser with "
                                        "'python -m composerlab.models.coconet.training' (and --install)")
        meta = json.loads(meta_path.read_text())
        config = HarmoniserConfig.from_dict(meta.pop("config", {}))
        meta.pop("model_type", None)
        with np.load(weights_path) as data:
            weights = {k: data[k].astype(np.float32) for k in data.files}
        return cls(weights, config, meta)
