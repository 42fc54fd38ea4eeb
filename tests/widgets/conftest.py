"""Browser fixtures for the studio's page tests: Debian's Chromium through Playwright, and the page itself.

The browser is the system ``chromium`` (``apt-get install chromium``) driven by Playwright's Python
package with ``executable_path``; nothing is downloaded. Without Chromium the browser tests skip
with the reason, except in CI (``CI=true``), where they fail: CI must run them.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest


def chromium_path() -> str | None:
    if os.environ.get("COMPOSERLAB_CHROMIUM"):
        return os.environ["COMPOSERLAB_CHROMIUM"]
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's Chromium (tests/conftest.py): Playwright's sync API allows one running instance."""
    return browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
