"""Fixtures every test folder shares: the one headless Chromium of the session (see ``browser.py``)."""
from browser import browser  # noqa: F401  (the fixture)
