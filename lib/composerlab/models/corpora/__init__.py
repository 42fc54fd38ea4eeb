"""The bottom floor of the models: the music they learn from, parsed from music21's corpus once and cached.

- ``cache.py``: the one cache (versioned files of arrays, written atomically);
- ``split.py``: the split by piece every model shares;
- ``chorales.py``: the Bach chorales, four voices each;
- ``folk.py``: folk tunes from the ABC books;
- ``pieces.py``: any music file as a melody and up to three parts (your own folder, the genre corpora);
- ``genres.py``: the genres (palestrina, monteverdi, quartet): their corpora, sound and training recipe.
"""
