"""A small decoder-only Transformer (Keras 3) with a cache of past keys and values.

Training runs it on whole windows at once (causal self-attention). Generation fills the cache with the
prompt, then steps one token at a time, attending over the cached keys and values, so n new tokens
cost n small steps, not n passes over the whole sequence (:class:`CachedDecoder`, in numpy). Attention
is written out because ``keras.layers.MultiHeadAttention`` has no key/value cache. Introduced in lab 06.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from composerlab.models.runtime import quiet_tensorflow
from composerlab.paths import models_dir


@dataclass
class TransformerConfig:
    """Sizes of the network; the defaults are the shipped model's."""

    vocab_size: int = 89
    context: int = 256
    layers: int = 4
    width: int = 128
    heads: int = 4
    ffn: int = 384
    dropout: float = 0.0
    seed: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _keras():
    quiet_tensorflow()
    import keras  # loads TensorFlow: deferred to the first network built

    return keras


def build(config: TransformerConfig, reseed: bool = True):
    """A :class:`MelodyTransformer` with fresh weights (seeded by ``config.seed`` unless ``reseed`` is False)."""
    keras = _keras()
    from keras import ops  # loads TensorFlow: deferred to the first network built

    if reseed:
        keras.utils.set_random_seed(config.seed)

    class Block(keras.layers.Layer):
        """Pre-norm decoder block: causal self-attention, then a feed-forward layer."""

        def __init__(self, cfg, **kwargs):
            super().__init__(**kwargs)
            self.heads, self.head_width = cfg.heads, cfg.width // cfg.heads
            self.norm1 = keras.layers.LayerNormalization(epsilon=1e-5)
            self.qkv = keras.layers.Dense(3 * cfg.width)
            self.proj = keras.layers.Dense(cfg.width)
            self.norm2 = keras.layers.LayerNormalization(epsilon=1e-5)
            # tanh GELU, so the numpy decoder can compute it without scipy's erf
            self.ff1 = keras.layers.Dense(cfg.ffn, activation=lambda x: keras.activations.gelu(x, approximate=True))
            self.ff2 = keras.layers.Dense(cfg.width)
            self.drop = keras.layers.Dropout(cfg.dropout)

        def _split(self, x):
            b, t = ops.shape(x)[0], ops.shape(x)[1]
            x = ops.reshape(x, (b, t, 3, self.heads, self.head_width))
            x = ops.transpose(x, (2, 0, 3, 1, 4))  # (3, batch, heads, time, head_width)
            return x[0], x[1], x[2]

        def _attend(self, q, k, v, bias):
            scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / np.sqrt(self.head_width) + bias
            weights = ops.softmax(scores, axis=-1)
            out = ops.matmul(weights, v)  # (batch, heads, time, head_width)
            b, t = ops.shape(out)[0], ops.shape(out)[2]
            return ops.reshape(ops.transpose(out, (0, 2, 1, 3)), (b, t, -1)), weights

        def _finish(self, x, attended, training):
            x = x + self.drop(self.proj(attended), training=training)
            return x + self.drop(self.ff2(self.ff1(self.norm2(x))), training=training)

        def call(self, x, bias, training=False):
            q, k, v = self._split(self.qkv(self.norm1(x)))
            attended, weights = self._attend(q, k, v, bias)
            return self._finish(x, attended, training), k, v, weights

    class Network(keras.Model):
        """Token ids (batch, time) -> next-token logits (batch, time, vocab)."""

        def __init__(self, cfg):
            super().__init__(name="melody_transformer")
            self.token_embedding = keras.layers.Embedding(cfg.vocab_size, cfg.width)
            self.position_embedding = keras.layers.Embedding(cfg.context, cfg.width)
            self.blocks = [Block(cfg, name=f"block_{i}") for i in range(cfg.layers)]
            self.final_norm = keras.layers.LayerNormalization(epsilon=1e-5)
            self.head = keras.layers.Dense(cfg.vocab_size)
            self.embed_drop = keras.layers.Dropout(cfg.dropout)

        def forward(self, tokens, training=False):
            """(logits, keys per layer, values per layer, attention weights per layer)."""
            t = ops.shape(tokens)[1]
            x = self.token_embedding(tokens) + self.position_embedding(ops.arange(t))[None]
            x = self.embed_drop(x, training=training)
            bias = (1.0 - ops.tril(ops.ones((t, t))))[None, None] * -1e9
            keys, values, weights = [], [], []
            for block in self.blocks:
                x, k, v, w = block(x, bias, training=training)
                keys.append(k)
                values.append(v)
                weights.append(w)
            return self.head(self.final_norm(x)), keys, values, weights

        def call(self, tokens, training=False):
            return self.forward(tokens, training=training)[0]

    model = Network(config)
    model(np.zeros((1, 2), dtype=np.int32))  # create the weights
    return MelodyTransformer(config, model)


class MelodyTransformer:
    """The network, its cached generation steps, save and load.

    Attributes
    ----------
    config : TransformerConfig
    model : keras.Model
        Token ids (batch, time) -> next-token logits (batch, time, vocab); what training fits.
    """

    def __init__(self, config: TransformerConfig, model):
        self.config, self.model = config, model
        self._forward = model.forward

    def logits(self, tokens) -> np.ndarray:
        """Next-token logits at every position, without a cache: (batch, time, vocab)."""
        return np.asarray(self.model(np.asarray(tokens, dtype=np.int32), training=False))

    def attention(self, tokens, layer: int = -1) -> np.ndarray:
        """Attention weights of one layer for one sequence: (heads, time, time); row = the token that looks."""
        weights = self._forward(np.asarray(tokens, dtype=np.int32)[None])[3][layer]
        return np.asarray(weights)[0]

    def decoder(self) -> "CachedDecoder":
        """The cached decoder over this network's current weights (made again after training)."""
        return CachedDecoder(self)

    def count_params(self) -> int:
        return int(self.model.count_params())

    def save(self, stem: str | Path) -> Path:
        """Write ``<stem>.weights.h5`` and ``<stem>.json`` (the config); return the weights path."""
        stem = Path(stem)
        stem.parent.mkdir(parents=True, exist_ok=True)
        weights = Path(f"{stem}.weights.h5")
        if getattr(self.model, "optimizer", None) is not None:
            # A compiled model's file would carry the optimizer's state too (3x the size); a fresh copy has none.
            bare = build(self.config, reseed=False).model  # no reseeding in the middle of a training run
            bare.set_weights(self.model.get_weights())
            bare.save_weights(weights)
        else:
            self.model.save_weights(weights)
        Path(f"{stem}.json").write_text(self.config.to_json())
        return weights


def load(stem: str | Path) -> MelodyTransformer:
    """A network saved by :meth:`MelodyTransformer.save`.

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the command that trains it.
    """
    stem = Path(str(stem).removesuffix(".weights.h5"))
    weights, config_file = Path(f"{stem}.weights.h5"), Path(f"{stem}.json")
    for path in (weights, config_file):
        if not path.exists():
            shipped = stem.resolve() == (models_dir() / "transformer").resolve()
            how = "--install" if shipped else f"--out {stem}"  # the shipped files change only by --install
            raise FileNotFoundError(f"{path} is missing; train it with "
                                    f"'python -m composerlab.models.transformer.training {how}'")
    config = TransformerConfig(**json.loads(config_file.read_text()))
    net = build(config)
    net.model.load_weights(weights)
    return net


def _layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x * x * x)))  # x * x * x: faster than x ** 3


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class CachedDecoder:
    """Generation with a cache of past keys and values, in numpy, over the Keras weights.

    Each new token computes its own query, key and value in every layer and
    attends over the cached keys and values, so a step costs the same whatever
    the length so far: generation time grows linearly. The step is written in
    numpy rather than run through Keras because on a CPU a Keras call costs
    several milliseconds of overhead for a step that is a few small matrix
    products (measured by ``bench/bench_transformer.py``); the weights are the
    Keras model's, and a test checks that both give the same logits.
    """

    def __init__(self, net: MelodyTransformer):
        m, cfg = net.model, net.config
        self.config = cfg
        self.heads, self.head_width = cfg.heads, cfg.width // cfg.heads

        def arrays(layer):
            return [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]

        self.token_table = arrays(m.token_embedding)[0]
        self.position_table = arrays(m.position_embedding)[0]
        self.blocks = [dict(zip(("g1", "b1"), arrays(b.norm1))) | dict(zip(("wqkv", "bqkv"), arrays(b.qkv)))
                       | dict(zip(("wo", "bo"), arrays(b.proj))) | dict(zip(("g2", "b2"), arrays(b.norm2)))
                       | dict(zip(("w1", "c1"), arrays(b.ff1))) | dict(zip(("w2", "c2"), arrays(b.ff2)))
                       for b in m.blocks]
        self.final = arrays(m.final_norm)
        self.head = arrays(m.head)

    def new_cache(self, batch: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Empty (keys, values), each (layers, batch, heads, context, head width)."""
        shape = (self.config.layers, batch, self.heads, self.config.context, self.head_width)
        return np.zeros(shape, np.float32), np.zeros(shape, np.float32)

    def run(self, tokens, cache, start: int) -> np.ndarray:
        """Feed ``tokens`` (batch, n) at positions ``start``.. ``start + n - 1``; fill ``cache``; return their logits.

        With ``start = 0`` and the whole prompt this is the prefill; with one
        token it is one generation step.
        """
        tokens = np.asarray(tokens)
        batch, n = tokens.shape
        end = start + n
        if end > self.config.context:
            raise ValueError(f"position {end - 1} is past the context of {self.config.context} tokens")
        keys, values = cache
        x = self.token_table[tokens] + self.position_table[start:end][None]
        # A token sees itself and every earlier one: causal mask over [0, end).
        visible = np.arange(end)[None, :] <= np.arange(start, end)[:, None]
        bias = np.where(visible, 0.0, -1e9).astype(np.float32)
        for i, w in enumerate(self.blocks):
            h = _layer_norm(x, w["g1"], w["b1"]) @ w["wqkv"] + w["bqkv"]
            h = h.reshape(batch, n, 3, self.heads, self.head_width).transpose(2, 0, 3, 1, 4)
            keys[i, :, :, start:end], values[i, :, :, start:end] = h[1], h[2]
            scores = h[0] @ keys[i, :, :, :end].transpose(0, 1, 3, 2) / np.sqrt(self.head_width) + bias
            attended = (_softmax(scores) @ values[i, :, :, :end]).transpose(0, 2, 1, 3).reshape(batch, n, -1)
            x = x + attended @ w["wo"] + w["bo"]
            x = x + _gelu(_layer_norm(x, w["g2"], w["b2"]) @ w["w1"] + w["c1"]) @ w["w2"] + w["c2"]
        return _layer_norm(x, *self.final) @ self.head[0] + self.head[1]
