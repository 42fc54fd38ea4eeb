"""Neural models of Composer Lab (TensorFlow / Keras 3), one module each.

``models.gan``: the Bach chorale GAN (labs 03-04). Importing this package does
not import TensorFlow; each model module imports it when a model is built.
"""
