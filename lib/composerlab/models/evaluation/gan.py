"""How close the chorale GAN's parts come to Bach's own: the validation chorales' sopranos accompanied.

Used by lab 04, ``bench/bench_gan.py`` and the Bach model's card.
"""
from __future__ import annotations

import numpy as np

from composerlab.models.corpora.chorales import load_chorales
from composerlab.models.corpora.split import is_validation
from composerlab.models.gan.data import from_model_range
from composerlab.models.gan.generate import accompaniment, load_model, voicing_weights
from composerlab.music.key import estimate_key
from composerlab.music.metrics import evaluate, in_scale_ratio, means
from composerlab.music.pianoroll import DEFAULT_BARS, STEPS_PER_BAR


def validation_report(model: str = "bach", limit: int | None = None, bars: int = DEFAULT_BARS, seed: int = 0,
                      in_key: bool = False, decoding: str = "raw") -> dict:
    """Accompany the soprano of every validation chorale and measure data against generated.

    Each chorale's first ``bars`` bars are used, as they are (no octave moved, every step measured);
    the GAN's alto, tenor and bass replace Bach's, written as :func:`~composerlab.models.gan.generate.compose`
    writes them (:func:`~composerlab.models.gan.generate.accompaniment`). Returns ``{"data": means,
    "generated": means, "in_key_melodies": n, "in_key_ratio_in_key_melodies": value, "chorales": n}``
    where in-key melodies are sopranos with every note in their own key. ``in_key`` applies the key rule
    of ``compose`` (off: the raw model). ``decoding``: ``"raw"`` (default: the model alone, each voice's
    likeliest pitch) or ``"chords"`` (``compose``'s chord decoding).
    """
    gan = load_model(model)
    weights = voicing_weights(gan, None, in_key) if decoding == "chords" else None
    pieces = [c for c in load_chorales(limit) if is_validation(c.name)]
    data, generated, in_key_rows = [], [], []
    for piece in pieces:
        real = piece.roll[:, : bars * STEPS_PER_BAR]
        voices = accompaniment(gan, real[0] > 0, seed, in_key, decoding, weights)
        fake = np.zeros_like(real)
        fake[0] = real[0]
        fake[1:] = from_model_range(voices, gan.config.lowest_pitch)
        key = estimate_key(real[0])
        data.append(evaluate(real, key))
        generated.append(evaluate(fake, key))
        if in_scale_ratio(real[0], key) == 1.0:
            in_key_rows.append(in_scale_ratio(fake[1:], key))
    return {"data": means(data), "generated": means(generated), "chorales": len(pieces),
            "in_key_melodies": len(in_key_rows),
            "in_key_ratio_in_key_melodies": float(np.mean(in_key_rows)) if in_key_rows else float("nan")}
