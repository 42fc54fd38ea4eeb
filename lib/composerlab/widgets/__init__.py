"""What a learner sees and touches in a notebook: the player, the piano-roll plots, and the Music Studio.

- ``player.py``: the ipywidgets player (play/stop, mute, instrument per track, compare).
- ``plots.py``: piano-roll plots, one colour per track.
- ``keyboard.py``: the virtual keyboard (anywidget; mouse, touch, computer keys, Web MIDI; record).
- ``editor.py``: the piano-roll melody editor (anywidget; click, drag, undo, transpose, tempo).
- ``roll.py``: the studio's listening view (anywidget; input or output as a playable roll with a
  playhead, mute and instrument per track).
- ``download.py``: download buttons that save a file from the kernel in one click (anywidget).
- ``chain.py``: the model chain, each model with its parameters by kind, from the catalog.
- ``submit.py``: sending a composition to the event server's submission API.
- ``studio.py``: the studio that puts them together (lab 08, ``composerlab studio``); ``keep.py``
  its Keep card (library, downloads, submit); ``looks.py`` the shared buttons, cards and plain counts.
- ``assets.py`` and ``static/``: the anywidgets' ES modules and CSS, the studio's style, the track colours.

May import ``composerlab.music``, ``composerlab.sound`` and ``composerlab.models``; never ``event``, ``quiz`` or ``cli``.
"""
