"""The Bach chorale GAN: a melody in, alto, tenor and bass out (labs 02-04, 07).

- ``data.py``: the four-voice chorales of the music21 corpus as windows, the split by chorale, transposition.
- ``network.py``: the U-Net generator, the critic, WGAN-GP updates, save and load.
- ``keys.py``: key conditioning: a melody's pitch-class profile and its key's scale, as tensors.
- ``training.py``: the loop with live progress, metrics, samples and checkpoints.
- ``generate.py``: ``compose()``: any melody, whole and in any meter, accompanied in four parts; the validation report.
- ``custom.py``: the same GAN trained on a folder of your own music (``composerlab train gan``, lab 07).
- ``card.py``: the model card written beside a model you trained.

Card: ``data/models/bach_gan.md``.
"""
