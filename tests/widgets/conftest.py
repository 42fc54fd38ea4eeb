"""Browser fixtures for the studio's page tests: Debian's Chromium through Playwright, and the page itself.

The browser is the session's (``tests/browser.py``): the system ``chromium`` driven by Playwright's
Python package with ``executable_path``; without it the tests skip, except with ``CI=true``, where they fail.
"""
from __future__ import annotations

import pytest
from studio_pages import serve_studio, stop_studio


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's Chromium (tests/conftest.py): Playwright's sync API allows one running instance."""
    return browser


@pytest.fixture(scope="module")
def studio_server(tmp_path_factory):
    """``composerlab studio``'s Voila server on a free loopback port, its culling as shipped."""
    server = serve_studio(tmp_path_factory.mktemp("studio"))
    yield server
    stop_studio(server)


@pytest.fixture(scope="module")
def studio_page(studio_server):
    """(url, library folder) of the module's studio server."""
    return studio_server.url, studio_server.library
