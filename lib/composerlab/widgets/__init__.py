"""What a learner sees and touches in a notebook: the player and the piano-roll plots (later the keyboard, the editor and the studio).

- ``player.py``: the ipywidgets player (play/stop, mute, instrument per track, compare).
- ``plots.py``: piano-roll plots, one colour per track.

May import ``composerlab.music``, ``composerlab.sound`` and ``composerlab.models``; never ``event``, ``quiz`` or ``cli``.
"""
