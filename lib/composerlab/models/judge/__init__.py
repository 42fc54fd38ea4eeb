"""The AI judge: how Bach-like a composition is, for a whole submissions folder at once.

``data`` (corpus pieces, the split by piece, windows), ``network`` (the calibrated CNN, the pitch
distribution, save and load), ``scoring`` (judging a piece or a folder; ranking), ``report`` (the ranked
CSV and HTML page), ``cases`` (made-up pieces that try to fool it, a rehearsal folder), ``training``
(its test figures, installing a run; the run itself is :mod:`composerlab.models.cards.judge`).
Card: ``data/models/ai_judge.md``.
"""
