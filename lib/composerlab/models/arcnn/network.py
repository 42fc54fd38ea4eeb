"""The AR-CNN network: a U-Net over time that scores every cell of a piano roll, save and load.

It reads a binary piano roll (steps x 52 pitches, all voices in one track) and gives one score (a logit)
per cell: how likely that cell is wrong, a note that should not be there or a missing one. A softmax
over all cells turns the scores into one distribution; the edit loop (:mod:`composerlab.models.arcnn.generate`)
samples a cell from it and toggles it. Introduced in lab 05.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from composerlab.models.runtime import quiet_tensorflow
from composerlab.models.corpora.chorales import LOWEST_PITCH, N_MODEL_PITCHES


@dataclass
class ARCNNConfig:
    """Every hyperparameter of the AR-CNN (saved beside the weights).

    Parameters
    ----------
    iterations : int
        Adam updates (one batch each).
    batch_size : int
        Windows per update (32, as the original).
    learning_rate : float
        Adam's learning rate (1e-3, as the original).
    bars : int
        Bars per training window (8: 128 steps, as the original).
    channels : int
        Width of the first level; deeper levels are wider (see ``widths``).
    depth : int
        Down (and up) levels of the U-Net; a roll's steps must be a multiple of ``2 ** depth``.
    max_shift : int
        Random transposition of training windows, semitones up or down.
    add_low, add_high : float
        Share of all cells switched on at random in a training input.
    shift_probability, max_shift_share : float
        Chance that a training window gets wrong notes, and the largest share
        of its notes moved a semitone.
    voice_subset_share : float
        Share of training windows whose original keeps only 1-3 of its voices.
    solo_share : float
        Share of training windows whose original is a single voice (mostly the soprano).
    out_of_key : bool
        Wrong notes always move out of the window's key (else a random semitone either way).
    remove_low, remove_high : float
        Share of the on cells removed from a training input, uniform in this range.
    tune_share : float
        Share of training windows whose input is one voice alone with wrong notes and gaps, made as
        the quality measure detunes a tune (see :func:`composerlab.models.arcnn.data.detuned_tune`).
    tune_weight : float
        Weight in the loss's target of a detuned tune's own cells to fix (its wrong notes, their right
        pitches, its gaps) against the missing voices' cells (1: the paper's uniform target).
    key_input : bool
        Give the network the input's pitch-class histogram (its key) beside the roll, see :func:`build_network`.
    clean_key : bool
        Train with the key input the edit loop gives (needs ``key_input``): the input's pitch-class
        weights with every class outside the scale of the clean original's key weighing a tenth
        (:func:`composerlab.models.arcnn.data.key_inputs`), instead of the input's own weights.
    melody_share : float
        Share of each batch that is a folk melody in any meter, detuned as a tune pair's voice is, whose
        original is the melody alone (:func:`composerlab.models.arcnn.data.melody_pairs`).
    seed : int
        Seed for weights, batches and corruption.
    """

    iterations: int = 3500
    batch_size: int = 32
    learning_rate: float = 1e-3
    bars: int = 8
    channels: int = 32
    depth: int = 5
    max_shift: int = 5
    add_low: float = 0.01
    add_high: float = 0.015
    shift_probability: float = 0.5
    max_shift_share: float = 0.3
    voice_subset_share: float = 0.0
    solo_share: float = 0.0
    out_of_key: bool = True
    remove_low: float = 0.0
    remove_high: float = 1.0
    tune_share: float = 0.7
    tune_weight: float = 8.0
    key_input: bool = True
    clean_key: bool = False
    melody_share: float = 0.0
    seed: int = 0
    lowest_pitch: int = LOWEST_PITCH
    n_pitches: int = N_MODEL_PITCHES

    @property
    def widths(self) -> list[int]:
        """Channels of each level, top (16th notes) to bottom."""
        factors = (1, 1.5, 2, 3, 4, 4, 4, 4)
        return [int(self.channels * f) for f in factors[: self.depth + 1]]

    @property
    def corruption(self) -> dict:
        """Keyword arguments for :func:`composerlab.models.arcnn.data.corrupt`."""
        return {"add_share": (self.add_low, self.add_high), "shift_probability": self.shift_probability,
                "max_shift_share": self.max_shift_share, "voice_subset_share": self.voice_subset_share,
                "solo_share": self.solo_share, "out_of_key": self.out_of_key,
                "remove_share": (self.remove_low, self.remove_high), "tune_share": self.tune_share,
                "tune_weight": self.tune_weight, "clean_key": self.clean_key}

    @classmethod
    def from_dict(cls, values: dict) -> "ARCNNConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def to_dict(self) -> dict:
        return asdict(self)


def build_network(config: ARCNNConfig, n_pitches: int | None = None, key_as_input: bool = False, shared=None):
    """The Keras model: (batch, steps, pitches) rolls in, (batch, steps, pitches) logits out.

    As the GAN's generator, a U-Net over time with pitch as the channel axis: five levels step down from
    16th notes to half bars (stride-2 convolutions), five step back up with skip connections, so every
    cell sees the whole 8 bars around it. A key is a property of the whole piece, so the bottom level adds
    a summary of the whole roll to every step, and the network reads the key beside the roll. The last
    layer sees the input roll beside the U-Net's features, since whether a cell is on decides whether
    toggling it adds or removes. (The original network, Chi et al. 2020, had the same shape with pitch as
    a second image axis and many times the parameters: ``bench/bench_arcnn.py`` compares them.)

    With ``key_as_input`` (and ``config.key_input``) the key is a second input, (batch, 12) weights
    by pitch class, instead of being measured from the roll; the layers and weights are the same
    (see :func:`~composerlab.models.arcnn.key_estimator.key_profile` and ``key`` in :meth:`ARCNN.logits`).
    With ``shared`` (a model this function built) the new model uses that model's layers themselves, so
    training one trains both.
    """
    quiet_tensorflow()
    # keras loads TensorFlow: deferred to the first network built
    import keras
    from keras import layers  # with keras, deferred

    n_pitches = n_pitches or config.n_pitches
    widths = config.widths
    roll = keras.Input((None, n_pitches), name="roll")
    inputs = roll
    features = roll
    if config.key_input:
        # The key, explicitly: each pitch's share of the input's sounding time by pitch class (all
        # octaves folded), the same for every step. A wrong note in a bare melody is wrong only by the
        # key. Only cells that continue a note count, so stray 16th-note cells barely move it.
        fold = np.zeros((n_pitches, 12), np.float32)
        fold[np.arange(n_pitches), (config.lowest_pitch + np.arange(n_pitches)) % 12] = 1.0
        fold = keras.ops.convert_to_tensor(fold)
        if key_as_input:
            classes = keras.Input((12,), name="key")
            inputs = [roll, classes]
        else:
            held = roll[:, 1:] * roll[:, :-1]
            classes = keras.ops.matmul(keras.ops.sum(held, axis=1) + 0.25 * keras.ops.sum(roll, axis=1), fold)
        classes = 12.0 * classes / (keras.ops.sum(classes, axis=-1, keepdims=True) + 1e-6)
        per_pitch = keras.ops.matmul(classes, keras.ops.transpose(fold))  # (batch, pitches)
        key_map = keras.ops.expand_dims(per_pitch, 1) * keras.ops.ones_like(roll)
        features = layers.Concatenate(name="with_key")([roll, key_map])

    def layer(kind, name, *args, **kwargs):
        return shared.get_layer(name) if shared is not None else kind(*args, name=name, **kwargs)

    def conv(x, width, name, stride=1):
        return layer(layers.Conv1D, name, width, 3, strides=stride, padding="same", activation="relu")(x)
    x = conv(conv(features, widths[0], "in_1"), widths[0], "in_2")
    skips = [x]
    for level in range(1, config.depth + 1):
        x = conv(x, widths[level], f"down{level}_1", stride=2)
        x = conv(x, widths[level], f"down{level}_2")
        skips.append(x)
    # The whole piece in one vector (its key, its register), added to every step at the bottom.
    summary = layers.GlobalAveragePooling1D(keepdims=True, name="piece_mean")(x)
    summary = layer(layers.Dense, "piece_summary", widths[-1], activation="relu")(summary)
    x = keras.ops.add(x, summary)  # broadcast over the steps
    for level in range(config.depth, 0, -1):
        x = layers.UpSampling1D(2, name=f"up{level}")(x)
        x = layers.Concatenate(name=f"skip{level}")([x, skips[level - 1]])
        x = conv(x, widths[level - 1], f"up{level}_1")
        x = conv(x, widths[level - 1], f"up{level}_2")
    x = layers.Concatenate(name="with_input")([x, features])
    logits = layer(layers.Conv1D, "cell_logits", n_pitches, 1)(x)
    return keras.Model(inputs, logits, name="arcnn")


def cell_loss(logits, targets):
    """Cross-entropy between the softmax over all cells and the uniform distribution over the target cells.

    ``targets`` marks the cells where the input differs from the original,
    each with its weight (see ``tune_weight``); each window's loss is the
    weighted mean negative log-probability of its target cells.
    """
    tf = quiet_tensorflow()
    flat = tf.reshape(logits, (tf.shape(logits)[0], -1))
    log_p = tf.nn.log_softmax(flat, axis=-1)
    t = tf.reshape(targets, tf.shape(flat))
    return tf.reduce_mean(-tf.reduce_sum(t * log_p, axis=-1) / tf.maximum(tf.reduce_sum(t, axis=-1), 1.0))


class ARCNN:
    """The network with its optimizer, one training step, and scoring for the edit loop.

    Attributes
    ----------
    config : ARCNNConfig
    model : keras.Model
    info : dict
        What was saved beside the weights (training figures, the command); empty when new.
    """

    def __init__(self, config: ARCNNConfig | None = None):
        tf = quiet_tensorflow()
        import keras  # loads TensorFlow: deferred to the first network built

        self.config = config or ARCNNConfig()
        keras.utils.set_random_seed(self.config.seed)
        self.model = build_network(self.config)
        self.optimizer = keras.optimizers.Adam(self.config.learning_rate)
        self.info: dict = {}
        model = self.model

        @tf.function(reduce_retracing=True)
        def train_step(inputs, targets):
            with tf.GradientTape() as tape:
                loss = cell_loss(model(inputs, training=True), targets)
            grads = tape.gradient(loss, model.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        @tf.function(reduce_retracing=True)
        def scores(inputs):
            return model(inputs, training=False)

        self._train_step, self._scores = train_step, scores
        self._keyed = None
        self._keyed_train_step = None

    @property
    def n_parameters(self) -> int:
        return int(self.model.count_params())

    def train_step(self, inputs: np.ndarray, targets: np.ndarray, keys: np.ndarray | None = None) -> float:
        """One Adam update on a batch; returns the loss.

        ``keys``: (n, 12) pitch-class weights the network reads as the key instead of the inputs' own
        (see ``clean_key``); only for a network with ``key_input``.
        """
        self._keyed = None  # the keyed scorer holds a copy of the weights: rebuilt when next asked
        if keys is None:
            return float(self._train_step(inputs, targets))
        if self._keyed_train_step is None:
            self._keyed_train_step = self._keyed_training()
        return float(self._keyed_train_step(inputs, np.asarray(keys, np.float32), targets))

    def _keyed_training(self):
        """An update step with the key as a second input, on this network's own layers."""
        tf = quiet_tensorflow()
        if not self.config.key_input:
            raise ValueError("this AR-CNN has no key input to train with a given key")
        keyed = build_network(self.config, key_as_input=True, shared=self.model)
        variables = self.model.trainable_variables

        @tf.function(reduce_retracing=True)
        def train_step(inputs, keys, targets):
            with tf.GradientTape() as tape:
                loss = cell_loss(keyed([inputs, keys], training=True), targets)
            grads = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
            return loss

        return train_step

    def logits(self, rolls: np.ndarray, key: np.ndarray | None = None) -> np.ndarray:
        """Cell scores for boolean or 0/1 rolls (n, steps, pitches); steps a multiple of ``2 ** depth``.

        ``key``: (n, 12) pitch-class weights (as :func:`~composerlab.models.arcnn.key_estimator.key_profile`
        gives) to read as the key instead of the rolls' own; only for a network with ``key_input``.
        """
        rolls = np.asarray(rolls, dtype=np.float32)
        if key is None:
            return self._scores(rolls).numpy()
        if self._keyed is None:
            self._keyed = self._keyed_scores()
        return self._keyed(rolls, np.asarray(key, dtype=np.float32)).numpy()

    def _keyed_scores(self):
        """A scoring function with the key as a second input, sharing this network's weights."""
        tf = quiet_tensorflow()
        if not self.config.key_input:
            raise ValueError("this AR-CNN was trained without the key input")
        keyed = build_network(self.config, key_as_input=True)
        for layer in keyed.layers:
            if layer.weights:
                layer.set_weights(self.model.get_layer(layer.name).get_weights())
        self._keyed_model = keyed

        @tf.function(reduce_retracing=True)
        def scores(rolls, key):
            return keyed([rolls, key], training=False)

        return scores

    def evaluate(self, inputs: np.ndarray, targets: np.ndarray, keys: np.ndarray | None = None,
                 batch: int = 64) -> dict:
        """Loss, and how often the top-ranked cell is one where the input differs from the original.

        ``keys``: the key the network reads for each input, as in :meth:`logits` (default: their own).
        """
        losses, hits = [], []
        for start in range(0, len(inputs), batch):
            x, t = inputs[start: start + batch], targets[start: start + batch]
            key = None if keys is None else keys[start: start + batch]
            flat = self.logits(x, key=key).reshape(len(x), -1).astype(np.float64)
            targets_flat = t.reshape(len(x), -1)
            # the same loss as cell_loss, in numpy: no graph to build for a measurement
            top = flat.max(axis=1, keepdims=True)
            log_p = flat - top - np.log(np.exp(flat - top).sum(axis=1, keepdims=True))
            per_window = -(targets_flat * log_p).sum(axis=1) / np.maximum(targets_flat.sum(axis=1), 1.0)
            losses.append(float(per_window.sum()))
            hits.append(targets_flat[np.arange(len(x)), flat.argmax(axis=1)] > 0)
        return {"loss": float(np.sum(losses) / len(inputs)), "top1": float(np.concatenate(hits).mean())}

    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write the weights (``.weights.h5``) and the config and figures (``.json``) beside them."""
        stem = Path(str(path).replace(".weights.h5", "").replace(".json", ""))
        stem.parent.mkdir(parents=True, exist_ok=True)
        self.model.save_weights(f"{stem}.weights.h5")
        self.info = {"config": self.config.to_dict(), "parameters": self.n_parameters, **(extra or {})}
        Path(f"{stem}.json").write_text(json.dumps(self.info, indent=2))
        return Path(f"{stem}.weights.h5")


def load_arcnn(path: str | Path) -> ARCNN:
    """An :class:`ARCNN` with the weights saved at ``path`` (``name.weights.h5`` and ``name.json``).

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the command that trains one.
    """
    stem = Path(str(path).replace(".weights.h5", "").replace(".json", ""))
    weights, meta = Path(f"{stem}.weights.h5"), Path(f"{stem}.json")
    for needed in (weights, meta):
        if not needed.exists():
            raise FileNotFoundError(f"{needed} is missing; train one with "
                                    f"`python -m composerlab.models.arcnn.training --out {stem}` or use model 'arcnn'")
    info = json.loads(meta.read_text())
    net = ARCNN(ARCNNConfig.from_dict(info["config"]))
    net.model.load_weights(str(weights))
    net.info = info
    return net
