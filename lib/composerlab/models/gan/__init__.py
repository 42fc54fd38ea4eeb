"""The accompaniment GAN: a melody in, three parts under it out (labs 02-04, 07).

``data`` (chorale windows, the split, transposition), ``conditioning`` (the key as tensors), ``network``
(U-Net generator, critic, WGAN-GP, save and load), ``training`` (the loop, figures, samples, checkpoints),
``generate`` (``compose()``: any melody, whole and in any meter), ``voicing`` and ``chords`` (chord
decoding), ``custom`` (the same GAN on pieces of your choosing). Card: ``data/models/bach_gan.md``.
"""
