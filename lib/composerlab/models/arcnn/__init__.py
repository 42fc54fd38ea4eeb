"""The AR-CNN: a convolutional network that edits a piano roll one note at a time (lab 05).

``data.py`` (chorale voices merged into one roll, and the corruption it
learns to undo), ``network.py`` (the U-Net, save and load), ``training.py``
(the loop, progress, validation), ``generate.py`` (the edit loop with its
four parameters and the record of what it added and removed).
"""
