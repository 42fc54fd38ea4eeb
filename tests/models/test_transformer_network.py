"""The melody Transformer's network: the cached decoder gives the full pass's logits; save and load."""

import numpy as np
import pytest
from composerlab.models.transformer.network import TransformerConfig, build, load
from composerlab.models.transformer.tokens import tokenizer


@pytest.fixture(scope="module")
def net():
    return build(TransformerConfig(vocab_size=len(tokenizer()), context=48, layers=2, width=32, heads=4, ffn=64,
                                   seed=3))


@pytest.fixture(scope="module")
def tokens():
    return np.random.default_rng(0).integers(3, len(tokenizer()), size=(2, 40)).astype(np.int32)


def test_cached_steps_give_the_logits_of_the_full_pass(net, tokens):
    full = net.logits(tokens)
    decoder = net.decoder()
    cache = decoder.new_cache(batch=2)
    prefill = decoder.run(tokens[:, :12], cache, 0)
    np.testing.assert_allclose(prefill, full[:, :12], atol=1e-4)
    for t in range(12, tokens.shape[1]):
        step = decoder.run(tokens[:, t: t + 1], cache, t)[:, 0]
        np.testing.assert_allclose(step, full[:, t], atol=1e-4)
    assert np.abs(full[:, 20] - full[:, 30]).max() > 1e-3  # different positions really differ


def test_a_position_never_sees_later_tokens(net, tokens):
    changed = tokens.copy()
    changed[:, 25:] = (changed[:, 25:] + 7) % len(tokenizer())
    a, b = net.logits(tokens), net.logits(changed)
    np.testing.assert_allclose(a[:, :25], b[:, :25], atol=1e-5)
    assert np.abs(a[:, 25:] - b[:, 25:]).max() > 1e-3
    weights = net.attention(tokens[0], layer=0)
    assert weights.shape == (4, 40, 40)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.abs(np.triu(weights, k=1)).max() < 1e-6


def test_the_context_is_a_hard_limit(net, tokens):
    decoder = net.decoder()
    cache = decoder.new_cache()
    with pytest.raises(ValueError, match="past the context of 48"):
        decoder.run(np.zeros((1, 49), np.int32), cache, 0)


def test_saved_network_loads_with_the_same_logits(net, tokens, tmp_path):
    net.save(tmp_path / "tiny")
    again = load(tmp_path / "tiny")
    assert again.config == net.config
    np.testing.assert_allclose(again.logits(tokens), net.logits(tokens), atol=1e-6)
    with pytest.raises(FileNotFoundError, match="composerlab.models.transformer.training"):
        load(tmp_path / "missing")
