"""The models of Composer Lab (TensorFlow / Keras 3), on three floors.

- bottom: ``runtime`` (TensorFlow without its log, one BLAS thread, installing a run),
  ``parameters`` (a model's parameters, checked one way), ``corpora/`` (the music the
  models learn from, read once and cached);
- middle: one folder per model, holding what the model is: ``gan/``, ``arcnn/``,
  ``transformer/``, ``judge/`` (data, network, training, generate);
- top: ``evaluation/`` and ``cards/`` (what we learn about each model, and the runs that
  write its card), ``catalog`` (every model by its ``--model`` name, chains) and ``library``
  (the studio's saved compositions).

A module imports its own floor or the ones below. Importing this package does not
import TensorFlow; a network imports it (:func:`quiet_tensorflow`) when it is built.
"""
from composerlab.models.runtime import one_blas_thread, quiet_tensorflow

__all__ = ["one_blas_thread", "quiet_tensorflow"]
