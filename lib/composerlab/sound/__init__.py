"""Sound: rendering any composition to audio with a General MIDI SoundFont (WAV, MP3), offline.

- ``audio.py``: ``render``, ``write_audio``, ``wav_bytes``, per-track instruments.

May import ``composerlab.music`` (and ``errors``, ``paths``); nothing above it.
"""
