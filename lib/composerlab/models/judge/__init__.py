"""The AI judge: how Bach-like a composition is, for a whole submissions folder at once.

- ``data.py``: corpus pieces (Bach chorales against other corpus music and spoiled chorales), the split by piece, windows.
- ``network.py``: the calibrated CNN, the pitch distribution, save and load.
- ``scoring.py``: judging a piece or a folder; ranking.
- ``report.py``: the ranked CSV and the self-contained HTML report.
- ``cases.py``: made-up pieces that try to fool the judge, and a rehearsal folder.
- ``training.py``: training, calibration, the test figures and the model card.

Card: ``data/models/ai_judge.md``.
"""
