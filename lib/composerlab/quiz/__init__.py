"""The Kahoot-style quiz: question banks, scoring, the live game engine, the self-paced mode.

``bank`` reads and checks the Markdown banks in ``facilitator/quiz/`` (``problems``: what
can be wrong, by line); ``scoring``
holds the points rule and the ranking; ``game`` is the live game as an in-memory
state machine that the event server persists; ``selfpaced`` is a learner's quiz
in a notebook. Introduced with the quiz notebook (issue 9).
"""
