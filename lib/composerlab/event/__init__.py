"""The event server: submissions, human judging in rounds, a live leaderboard, the AI judge and awards.

``app`` builds the FastAPI app and owns what lives while it serves; ``store`` owns the event's rows and
files (every write); ``rules`` holds the competition's rules as pure functions; ``api`` and ``pages`` are
the JSON routes and the HTML views; ``forms``, ``checking`` and ``uploads`` are the upload path. Start one
with ``composerlab event new DIR`` and ``composerlab serve DIR``, or from ``facilitator/run_event.ipynb``.
"""
