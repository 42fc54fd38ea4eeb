"""The music core: the 16th-note grid, MIDI in and out, notation, melodies, keys, harmony and metrics.

- ``pianoroll.py``: the grid (4 steps per beat), notes <-> piano rolls, ``Multitrack`` construction.
- ``midi.py``: reading MIDI with checks and plain-words errors; writing MIDI with tempo and meter.
- ``notation.py``: MusicXML, ABC and the music21 corpus onto the grid.
- ``melody.py``: ``read_music``, ``melody``, ``clip_bars``, ``transpose``, ``set_tempo``, ``describe``.
- ``samples.py``: public-domain sample melodies written as note data.
- ``key.py``: musical key: the Krumhansl-Schmuckler estimate, keys by name, each key's scale.
- ``harmony.py``: harmony on the beats: consonance, chord fit, parallels.
- ``metrics.py``: music metrics (polyphony, pitch classes, in-scale ratio, tonal distance, ...).

The bottom layer: imports nothing of ours but ``composerlab.errors`` and ``composerlab.paths``.
"""
