"""Slides from source: Markdown decks in ``slides/`` built to self-contained HTML and PDF.

Layer 5, beside ``cli``: a deck draws its figures with every part below
(music samples, the GAN's training history, ``widgets.plots``) and is filled
in from an event's results. ``composerlab slides build`` drives it.

- :mod:`~composerlab.slides.deck`: the source format, parsed into slides;
- :mod:`~composerlab.slides.figures`: the figures a deck names;
- :mod:`~composerlab.slides.results`: an event's details and results (JSON);
- :mod:`~composerlab.slides.html`: one self-contained HTML file per deck;
- :mod:`~composerlab.slides.pdf`: printing it with headless Chromium;
- :mod:`~composerlab.slides.build`: every deck, both formats.
"""
from composerlab.slides.build import Built, build_decks, slides_dir
from composerlab.slides.deck import Deck, DeckError, Slide, parse_deck, read_deck
from composerlab.slides.results import Results, ResultsError, load_results, results_from_dict

__all__ = ["Built", "Deck", "DeckError", "Results", "ResultsError", "Slide", "build_decks", "load_results",
           "parse_deck", "read_deck", "results_from_dict", "slides_dir"]
