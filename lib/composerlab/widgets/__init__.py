"""What a learner sees and touches in a notebook: the player, the piano-roll plots, and the Music Studio.

- ``player.py``: the ipywidgets player (play/stop, mute, instrument per track, compare).
- ``plots.py``: piano-roll plots, one colour per track.
- ``keyboard.py``: the virtual keyboard (anywidget; mouse, touch, computer keys, Web MIDI; record).
- ``editor.py``: the piano-roll melody editor (anywidget; click, drag, undo, transpose, tempo).
- ``chain.py``: the model chain, each model with its parameters by kind, from the catalog.
- ``submit.py``: sending a composition to the event server's submission API.
- ``studio.py``: the studio that puts them together (lab 08, ``composerlab studio``).
- ``static/``: the keyboard's and editor's ES modules and CSS.

May import ``composerlab.music``, ``composerlab.sound`` and ``composerlab.models``; never ``event``, ``quiz`` or ``cli``.
"""
