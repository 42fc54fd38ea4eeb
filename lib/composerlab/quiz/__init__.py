"""The Kahoot-style quiz: question banks, scoring, the live game on the event's server, the self-paced mode.

``bank`` reads and checks the Markdown banks in ``facilitator/quiz/`` (``problems``: what
can be wrong, by line); ``scoring``
holds the points rule and the ranking; ``game`` is the live game as an in-memory
state machine; ``store`` and ``server`` keep it in the event's database and
serve it (``api``, ``pages``), plugged into the event's app by ``web.install``;
``host`` and ``hostview`` drive it from Python and a notebook; ``selfpaced`` is a
learner's quiz in a notebook. Introduced with the quiz notebook.
"""
