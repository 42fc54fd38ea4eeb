"""The AI judge's model: 8-bar windows in, P(Bach) out, plus Bach's pitch distribution; save and load.

A window is 8 bars, every pitched track merged into one binarized roll of 128 steps by 84 pitches (C1-B7),
two channels: "sounding" and "note starts". A small 2-D CNN ends in global pooling, so a chorale
transposed a little looks the same to it; its logit is divided by a temperature fitted on the validation
pieces. No randomness at inference: the same file always gets the same probability.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pypianoroll
from scipy.optimize import minimize_scalar

from composerlab.models.runtime import quiet_tensorflow
from composerlab.paths import models_dir

WINDOW_BARS = 8
"""Bars per judged window."""
WINDOW_STEPS = 128
"""Grid steps per window (8 bars of 4/4 at 4 steps per beat)."""
LOW_PITCH = 24
"""Lowest MIDI pitch the model sees (C1)."""
N_PITCHES = 84
"""Pitches the model sees, from LOW_PITCH up (to B7)."""
MODEL_NAME = "ai_judge"
"""Stem of the shipped files: ``ai_judge.weights.h5`` and ``ai_judge.json``."""

_FOLD = np.array([p + 12 * max(0, -(-(LOW_PITCH - p) // 12)) - 12 * max(0, -(-(p - LOW_PITCH - N_PITCHES + 1) // 12))
                  for p in range(128)]) - LOW_PITCH
"""Column in the model's pitch range for each MIDI pitch (out-of-range ones folded by octaves)."""


def merged_rolls(multitrack: pypianoroll.Multitrack) -> tuple[np.ndarray, np.ndarray]:
    """Every pitched track merged: (sounding, note starts), each (n_steps, 128) bool.

    Drum tracks are left out. A note start is a step where a pitch begins to
    sound or changes velocity (how :mod:`composerlab.music.pianoroll` keeps repeated
    notes apart).
    """
    tracks = [t.pianoroll for t in multitrack.tracks if not t.is_drum]
    n_steps = max((r.shape[0] for r in tracks), default=0)
    sounding = np.zeros((n_steps, 128), dtype=bool)
    starts = np.zeros((n_steps, 128), dtype=bool)
    for roll in tracks:
        roll = np.asarray(roll)
        on = roll > 0
        previous = np.zeros_like(roll)
        previous[1:] = roll[:-1]
        sounding[: roll.shape[0]] |= on
        starts[: roll.shape[0]] |= on & (previous != roll)
    return sounding, starts


def fold_pitches(roll: np.ndarray) -> np.ndarray:
    """A (n_steps, 128) roll narrowed to the model's (n_steps, 84) range, folding outliers by octaves."""
    out = roll[:, LOW_PITCH:LOW_PITCH + N_PITCHES].copy()
    outside = [p for p in np.flatnonzero(roll.any(axis=0)) if not LOW_PITCH <= p < LOW_PITCH + N_PITCHES]
    for pitch in outside:
        out[:, _FOLD[pitch]] |= roll[:, pitch]
    return out


def window_starts(n_steps: int, bar_steps: int, hop_bars: int = 1) -> list[int]:
    """Start steps of the 8-bar windows of a piece ``n_steps`` long.

    Every ``hop_bars`` bars while a whole window fits, then one last window
    that ends with the piece; a piece shorter than 8 bars gets one window.
    """
    window = WINDOW_BARS * bar_steps
    n_bars = max(1, -(-n_steps // bar_steps))
    if n_bars <= WINDOW_BARS:
        return [0]
    starts = list(range(0, (n_bars - WINDOW_BARS) * bar_steps + 1, hop_bars * bar_steps))
    last = (n_bars - WINDOW_BARS) * bar_steps
    if starts[-1] != last:
        starts.append(last)
    return [s for s in starts if s < n_steps and s + window > 0]


def encode_windows(sounding: np.ndarray, starts: np.ndarray, bar_steps: int, hop_bars: int = 1,
                   max_windows: int | None = None) -> np.ndarray:
    """The model input for every 8-bar window of a merged roll.

    Parameters
    ----------
    sounding, starts : np.ndarray
        (n_steps, 128) bool, from :func:`merged_rolls`.
    bar_steps : int
        Steps per bar in the piece's time signature.
    hop_bars : int
        Bars between window starts.
    max_windows : int, optional
        Keep at most this many windows, evenly spread over the piece.

    Returns
    -------
    np.ndarray
        (n_windows, 128, 84, 2) uint8 of 0/1.
    """
    # Trailing silence is not music: windows are placed over the notes only.
    sounding_steps = np.flatnonzero(sounding.any(axis=1))
    n_steps = int(sounding_steps[-1]) + 1 if sounding_steps.size else 1
    offsets = window_starts(n_steps, bar_steps, hop_bars)
    if max_windows is not None and len(offsets) > max_windows:
        keep = np.linspace(0, len(offsets) - 1, max_windows).round().astype(int)
        offsets = [offsets[i] for i in keep]
    length = min(WINDOW_BARS * bar_steps, WINDOW_STEPS)
    folded_on = fold_pitches(sounding[:n_steps])
    folded_start = fold_pitches(starts[:n_steps])
    out = np.zeros((len(offsets), WINDOW_STEPS, N_PITCHES, 2), dtype=np.uint8)
    for i, offset in enumerate(offsets):
        piece = slice(offset, min(offset + length, n_steps))
        width = piece.stop - piece.start
        out[i, :width, :, 0] = folded_on[piece]
        out[i, :width, :, 1] = folded_start[piece]
    return out


def pitch_histogram(starts: np.ndarray) -> np.ndarray:
    """How many notes start on each MIDI pitch: (128,) float."""
    return starts.sum(axis=0).astype(float)


def ks_distance(histogram: np.ndarray, reference: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between two pitch histograms (0 = same, 1 = disjoint)."""
    total = histogram.sum()
    if total <= 0:
        return 1.0
    cdf = np.cumsum(histogram) / total
    ref = np.cumsum(reference) / reference.sum()
    return float(np.max(np.abs(cdf - ref)))


def build_network(seed: int = 0):
    """The judge's CNN (Keras 3): (128, 84, 2) window in, one logit out (about 25k parameters)."""
    quiet_tensorflow()
    import keras  # loads TensorFlow: deferred to the first network built
    from keras import layers

    init = keras.initializers.GlorotUniform(seed=seed)
    inputs = keras.Input((WINDOW_STEPS, N_PITCHES, 2), name="window")
    x = layers.Conv2D(16, (3, 5), padding="same", activation="relu", kernel_initializer=init, name="conv1")(inputs)
    x = layers.MaxPooling2D((2, 2), name="pool1")(x)
    x = layers.Conv2D(32, (3, 5), padding="same", activation="relu", kernel_initializer=init, name="conv2")(x)
    x = layers.MaxPooling2D((2, 2), name="pool2")(x)
    x = layers.Conv2D(48, (3, 3), padding="same", activation="relu", kernel_initializer=init, name="conv3")(x)
    # Pooling over time and pitch: where in the window, and in which key, does not matter.
    x = layers.Concatenate(name="pooled")([layers.GlobalAveragePooling2D()(x), layers.GlobalMaxPooling2D()(x)])
    x = layers.Dense(32, activation="relu", kernel_initializer=init, name="dense")(x)
    x = layers.Dropout(0.3, seed=seed, name="dropout")(x)  # active in training only
    outputs = layers.Dense(1, kernel_initializer=init, name="logit")(x)
    return keras.Model(inputs, outputs, name="ai_judge")


@dataclass
class JudgeModel:
    """The trained judge: the network, its calibration and Bach's pitch distribution.

    Attributes
    ----------
    network : keras.Model
        Window -> logit.
    temperature : float
        Calibrated logit = logit / temperature.
    bach_pitches : np.ndarray
        (128,) note counts per MIDI pitch over the training chorales.
    card : dict
        Training facts (data, split, accuracy, time) for the model card.
    """

    network: object
    temperature: float
    bach_pitches: np.ndarray
    card: dict = field(default_factory=dict)
    _predict: object = field(default=None, repr=False)

    def probabilities(self, windows: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """P(Bach) for each window of a (n, 128, 84, 2) array, calibrated; the same input gives the same output."""
        if len(windows) == 0:
            return np.zeros(0)
        logits = self.logits(windows, batch_size)
        return 1.0 / (1.0 + np.exp(-logits / self.temperature))

    def logits(self, windows: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Uncalibrated logits, computed in fixed-size batches (padding the last) so results never depend on batching."""
        tf = quiet_tensorflow()

        if self._predict is None:
            def forward(x):
                return self.network(x, training=False)

            self._predict = tf.function(forward, autograph=False)
        out = []
        for begin in range(0, len(windows), batch_size):
            chunk = windows[begin:begin + batch_size].astype(np.float32)
            n = len(chunk)
            if n < batch_size:
                chunk = np.concatenate([chunk, np.zeros((batch_size - n, *chunk.shape[1:]), np.float32)])
            out.append(self._predict(tf.constant(chunk)).numpy()[:n, 0])
        return np.concatenate(out).astype(np.float64)

    def pitch_similarity(self, histogram: np.ndarray) -> float:
        """1 - KS distance between a piece's pitch histogram and Bach's (1 = Bach's register and spread)."""
        return 1.0 - ks_distance(histogram, self.bach_pitches)

    def save(self, path: str | Path | None = None) -> Path:
        """Write ``<stem>.weights.h5`` and ``<stem>.json`` (calibration, pitch distribution, card)."""
        stem = Path(path) if path is not None else models_dir() / MODEL_NAME
        stem = stem.with_name(stem.name.split(".")[0])
        stem.parent.mkdir(parents=True, exist_ok=True)
        self.network.save_weights(str(stem.with_name(stem.name + ".weights.h5")))
        meta = {
            "format": 1,
            "window_steps": WINDOW_STEPS,
            "low_pitch": LOW_PITCH,
            "n_pitches": N_PITCHES,
            "temperature": float(self.temperature),
            "bach_pitches": [int(v) for v in self.bach_pitches],
            "card": self.card,
        }
        stem.with_name(stem.name + ".json").write_text(json.dumps(meta, indent=1))
        return stem.with_name(stem.name + ".weights.h5")


def load_judge(path: str | Path | None = None) -> JudgeModel:
    """Load a judge saved by :meth:`JudgeModel.save` (default: the shipped one in data/models).

    Raises
    ------
    FileNotFoundError
        With the command that trains one, when the files are missing.
    """
    stem = Path(path) if path is not None else models_dir() / MODEL_NAME
    stem = stem.with_name(stem.name.split(".")[0])
    weights, meta_path = stem.with_name(stem.name + ".weights.h5"), stem.with_name(stem.name + ".json")
    missing = [p for p in (weights, meta_path) if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"the AI judge model is missing ({', '.join(str(p) for p in missing)}); train it with "
            "'composerlab train-judge' or run facilitator/train_ai_judge.ipynb")
    meta = json.loads(meta_path.read_text())
    network = build_network()
    network.load_weights(str(weights))
    return JudgeModel(network, float(meta["temperature"]), np.asarray(meta["bach_pitches"], dtype=float),
                      meta.get("card", {}))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the log loss of ``sigmoid(logits / T)`` (Platt-style calibration)."""
    labels = labels.astype(float)

    def loss(log_t: float) -> float:
        z = logits / np.exp(log_t)
        return float(np.mean(np.logaddexp(0, z) - labels * z))

    best = minimize_scalar(loss, bounds=(-3, 3), method="bounded")
    return float(np.exp(best.x))


class _Batches:
    """Shuffled, augmented training batches: transposition and cut-short windows."""

    def __init__(self, windows, labels, batch_size, seed, transpose=6, cut_prob=0.15):
        quiet_tensorflow()
        import keras  # loads TensorFlow: deferred to the first network built

        class _Dataset(keras.utils.PyDataset):
            def __len__(inner):
                return -(-len(labels) // batch_size)

            def __getitem__(inner, index):
                return self.batch(index)

            def on_epoch_end(inner):
                self.epoch += 1

        self.windows, self.labels = windows, labels
        self.batch_size, self.seed = batch_size, seed
        self.transpose, self.cut_prob = transpose, cut_prob
        self.epoch = 0
        self.dataset = _Dataset()

    def batch(self, index):
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(len(self.labels))
        picked = order[index * self.batch_size:(index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        x = self.windows[picked].astype(np.float32)
        for i in range(len(x)):
            shift = int(rng.integers(-self.transpose, self.transpose + 1))
            if shift:
                x[i] = np.roll(x[i], shift, axis=1)
                if shift > 0:
                    x[i, :, :shift] = 0
                else:
                    x[i, :, shift:] = 0
            if rng.random() < self.cut_prob:
                x[i, 16 * int(rng.integers(2, 8)):] = 0
        return x, self.labels[picked].astype(np.float32)


def train_network(train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray],
                  epochs: int = 12, batch_size: int = 64, seed: int = 0, verbose: int = 2):
    """Train the CNN; return (network, temperature, history dict, seconds).

    ``train`` and ``validation`` are (windows, labels) with labels 1 for Bach.
    The weights of the epoch with the best validation loss are kept; the
    temperature is then fitted on the validation windows.
    """
    quiet_tensorflow()
    import keras  # loads TensorFlow: deferred to the first network built

    keras.utils.set_random_seed(seed)
    network = build_network(seed)
    network.compile(optimizer=keras.optimizers.Adam(2e-3),
                    loss=keras.losses.BinaryCrossentropy(from_logits=True),
                    metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    batches = _Batches(*train, batch_size=batch_size, seed=seed)
    val_x, val_y = validation[0].astype(np.float32), validation[1].astype(np.float32)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True)
    began = time.perf_counter()
    history = network.fit(batches.dataset, validation_data=(val_x, val_y), epochs=epochs,
                          callbacks=[stop], verbose=verbose)
    seconds = time.perf_counter() - began
    judge = JudgeModel(network, 1.0, np.ones(128))
    temperature = fit_temperature(judge.logits(validation[0]), validation[1])
    return network, temperature, history.history, seconds
