"""The split of every corpus into training and validation pieces: a fixed hash of each piece's name.

Every model splits by piece with this rule, so a chorale the GAN never trained on is one the
AR-CNN and the Transformer never trained on either.
"""
from __future__ import annotations

import zlib

VALIDATION_SHARE = 0.1
"""About this share of the pieces goes to validation."""


def is_validation(name: str, share: float = VALIDATION_SHARE) -> bool:
    """Whether the piece called ``name`` belongs to the validation split: a fixed hash of its name, never chance."""
    return zlib.crc32(name.encode()) % 1000 < share * 1000
