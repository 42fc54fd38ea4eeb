"""The Transformer's baseline: an n-gram model on the same REMI tokens, the same tunes, the same split.

It counts, with interpolated absolute discounting (an unseen context still gets a probability), on
n-grams packed into integers with numpy (nltk's ``lm`` counts in Python: far too slow for millions of
tokens); its perplexity is the bar the Transformer must clear. Introduced in lab 06.
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from composerlab.models.transformer.data import MAX_SHIFT_DOWN, MAX_SHIFT_UP, token_data
from composerlab.models.transformer.tokens import HIGHEST_PITCH, LOWEST_PITCH, tokenizer


def _codes(stream: np.ndarray, n: int, base: int) -> np.ndarray:
    """Every n-gram of ``stream`` as one integer (the first token the most significant)."""
    out = np.zeros(len(stream) - n + 1, dtype=np.int64)
    for i in range(n):
        out = out * base + stream[i: len(stream) - n + 1 + i]
    return out


class NGramModel:
    """Counts of every order from 1 to ``order``, interpolated with discount ``discount``."""

    def __init__(self, order: int = 5, discount: float = 0.75):
        if order < 1:
            raise ValueError(f"order must be at least 1, got {order}")
        self.order, self.discount = order, discount
        self.vocab = len(tokenizer())
        self.tables = {}

    def fit(self, streams: list[np.ndarray]) -> "NGramModel":
        """Count the n-grams of ``streams`` (token arrays, each one or more tunes)."""
        for n in range(1, self.order + 1):
            codes = np.concatenate([_codes(s.astype(np.int64), n, self.vocab) for s in streams if len(s) >= n])
            grams, counts = np.unique(codes, return_counts=True)
            contexts = grams // self.vocab
            ctx, first = np.unique(contexts, return_index=True)
            totals = np.add.reduceat(counts, first)
            kinds = np.diff(np.append(first, len(grams)))  # distinct next tokens after each context
            self.tables[n] = (grams, counts, ctx, totals, kinds)
        return self

    def probabilities(self, stream: np.ndarray) -> np.ndarray:
        """P(token | the tokens before it) for every token of ``stream`` after the first ``order - 1``."""
        stream = stream.astype(np.int64)
        start = self.order - 1
        p = np.full(len(stream) - start, 1.0 / self.vocab)
        for n in range(1, self.order + 1):
            grams, counts, ctx, totals, kinds = self.tables[n]
            codes = _codes(stream, n, self.vocab)[start - (n - 1):]
            contexts = codes // self.vocab
            c_hw = _lookup(grams, counts, codes)
            c_h = _lookup(ctx, totals, contexts)
            k_h = _lookup(ctx, kinds, contexts)
            seen = c_h > 0
            safe = np.maximum(c_h, 1)
            p = np.where(seen, np.maximum(c_hw - self.discount, 0) / safe + self.discount * k_h / safe * p, p)
        return p

    def loss(self, stream: np.ndarray) -> float:
        """Mean negative log-likelihood (nats per token) of ``stream``."""
        return float(-np.log(self.probabilities(stream)).mean())


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    at = np.clip(np.searchsorted(keys, query), 0, max(len(keys) - 1, 0))
    found = keys[at] == query if len(keys) else np.zeros(len(query), bool)
    return np.where(found, values[at], 0).astype(np.float64)


def transpositions(stream: np.ndarray) -> list[np.ndarray]:
    """``stream`` cut into tunes (at ``BOS``), each at every shift from -5 to +6 that keeps it in range."""
    tok = tokenizer()
    out = []
    for tune in np.split(stream, np.flatnonzero(stream == tok.bos)[1:]):
        is_pitch = tok.kinds[tune] == "Pitch"
        if not is_pitch.any():
            continue
        pitches = tok.values[tune[is_pitch]]
        for shift in range(-MAX_SHIFT_DOWN, MAX_SHIFT_UP + 1):
            if LOWEST_PITCH <= pitches.min() + shift and pitches.max() + shift <= HIGHEST_PITCH:
                out.append(tune + is_pitch * shift)
    return out


def evaluate_orders(train: np.ndarray, validation: np.ndarray, orders=(3, 5, 7, 9, 12)) -> dict:
    """Validation loss and perplexity for each order; the best is the baseline the card reports."""
    streams = transpositions(train)
    report = {}
    for order in orders:
        model = NGramModel(order).fit(streams)
        loss = model.loss(validation)
        report[order] = {"validation_loss": loss, "perplexity": float(np.exp(loss))}
    return report


def main(argv=None) -> int:
    """``python -m composerlab.models.transformer.ngram``: the baseline's validation perplexity."""
    parser = argparse.ArgumentParser(description="Score n-gram baselines on the Transformer's validation tunes.")
    parser.add_argument("--books", type=int, default=None)
    args = parser.parse_args(argv)
    data = token_data(books=args.books, build_books=False)
    print(json.dumps(evaluate_orders(data.train, data.validation), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
