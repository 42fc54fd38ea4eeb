"""The learned harmoniser: an orderless infilling network over four voices, sampled by blocked Gibbs.

Like Coconet (Huang et al. 2017, "Counterpoint by Convolution"): trained to fill in any hidden
part of the alto, tenor and bass of Bach chorales, then asked to write all three under a melody
by resampling a shrinking share of its own notes. ``data`` (the chorales with meter and
fermatas), ``network`` (the Keras network and its numpy forward pass), ``training``, ``generate``.
"""
