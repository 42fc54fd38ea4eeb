"""The AR-CNN: a convolutional network that edits a piano roll one note at a time (lab 05).

``data`` (chorale voices merged into one roll, and the corruption it learns to undo), ``network`` (the
U-Net, save and load), ``training`` (the loop, progress, validation), ``key_estimator`` (the key the
network reads), ``cells`` (the edit loop's budgets), ``generate`` (the edit loop with its four
parameters and the record of what it added and removed). Card: ``data/models/arcnn.md``.
"""
