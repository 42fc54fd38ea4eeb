"""The Bach chorale GAN: a melody in, alto, tenor and bass out (labs 02-04).

- ``data.py``: the four-voice chorales of the music21 corpus as windows, the split by chorale, transposition.
- ``network.py``: the U-Net generator, the critic, WGAN-GP updates, save and load.
- ``keys.py``: key conditioning: a melody's pitch-class profile and its key's scale, as tensors.
- ``training.py``: the loop with live progress, metrics, samples and checkpoints.
- ``generate.py``: ``compose()``: any melody accompanied in four parts; the validation report.

Card: ``data/models/bach_gan.md``.
"""
