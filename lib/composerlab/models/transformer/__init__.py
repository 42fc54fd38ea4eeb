"""The melody Transformer: your melody continued for N bars (lab 06).

``data`` (sopranos and folk tunes as token streams), ``tokens`` (REMI), ``network`` (the decoder and its
key/value cache), ``training`` (the loop, validation loss), ``generate`` (``extend()``, sampling),
``ngram`` (the baseline). Card: ``data/models/transformer.md``.
"""
