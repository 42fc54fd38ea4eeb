"""Browser fixtures for the studio's page tests: Debian's Chromium through Playwright, and the page itself.

The browser is the session's (``tests/browser.py``): the system ``chromium`` driven by Playwright's
Python package with ``executable_path``; without it the tests skip, except with ``CI=true``, where they fail.
"""
from __future__ import annotations

import socket
import subprocess
import time

import pytest
from eventkit import free_port


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's Chromium (tests/conftest.py): Playwright's sync API allows one running instance."""
    return browser


@pytest.fixture(scope="module")
def studio_page(tmp_path_factory):
    """``composerlab studio``'s Voila server on a free loopback port; yields (url, library folder)."""
    from composerlab.cli.studio_page import voila_command

    folder = tmp_path_factory.mktemp("studio")
    port = free_port()
    command, env = voila_command(port, folder / "jupyter")
    env["COMPOSERLAB_LIBRARY"] = str(folder / "library")
    log = open(folder / "voila.log", "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            raise RuntimeError((folder / "voila.log").read_text())
        time.sleep(0.5)
    else:
        process.terminate()
        raise RuntimeError("the studio page did not start in 90 s")
    yield f"http://127.0.0.1:{port}/", folder / "library"
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
