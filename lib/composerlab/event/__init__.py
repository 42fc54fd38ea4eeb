"""The event server: submissions, human judging in rounds, a live leaderboard, the AI judge and awards.

``app`` builds the FastAPI app, ``store`` owns the database and the files
(every write; ``database`` holds the engine and the one-transaction-per-write discipline), ``rules`` holds the competition's rules as pure functions,
``api`` the JSON routes, ``pages`` the HTML views (``templates/``,
``static/``). Start one with ``composerlab event new DIR`` and
``composerlab serve DIR``, or from ``facilitator/run_event.ipynb``.
"""
