"""The Transformer that extends a melody (lab 06), and its n-gram baseline."""
