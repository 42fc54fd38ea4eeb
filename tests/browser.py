"""Real-server fixtures: uvicorn on a free loopback port, and Debian's Chromium (one per test session:
Playwright's sync API allows one running instance, so every browser test uses this ``browser``).

The browser is the system's ``chromium`` (Debian: ``apt-get install chromium``) driven by Playwright's
Python package through ``executable_path``; nothing is downloaded. Where Chromium is missing the
browser tests skip with the reason, except in CI (``CI=true``), where they fail: CI must run them.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from eventkit import EventClient, OnUvicorn

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "out" / "event_screenshots"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The system Chromium (``COMPOSERLAB_CHROMIUM`` overrides), or None."""
    if os.environ.get("COMPOSERLAB_CHROMIUM"):
        return os.environ["COMPOSERLAB_CHROMIUM"]
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        reason = "no system Chromium (apt-get install chromium) for the browser tests"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must run them (.ci/run installs it)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(  # --no-sandbox: CI runs as root; autoplay: the studio's audio test
            executable_path=path, headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required"])
        yield launched
        launched.close()


class LiveEvent(OnUvicorn, EventClient):
    """An event served by a real uvicorn on 127.0.0.1 (a thread), plus the in-process helpers."""

    def __init__(self, folder: Path, **limits):
        super().__init__(folder, **limits)
        self.serve()


@pytest.fixture
def live_event(tmp_path):
    kit = LiveEvent(tmp_path)
    yield kit
    kit.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
