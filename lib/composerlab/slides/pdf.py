"""Print a built deck to PDF with a headless Chromium: one slide per page.

Chromium is the browser Debian ships (``apt install chromium``) or any
Chrome/Chromium on the PATH; nothing is downloaded. The page size (1280 x 720
px, 16:9) comes from the deck's CSS ``@page`` rule.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class BrowserNotFound(RuntimeError):
    """No Chromium to print with; the message says how to get one."""


def find_chromium() -> str:
    """The path of a Chromium/Chrome: ``$COMPOSERLAB_CHROMIUM`` if set, else the first of :data:`BROWSERS` on the PATH."""
    given = os.environ.get("COMPOSERLAB_CHROMIUM")
    if given:
        if not Path(given).exists():
            raise BrowserNotFound(f"COMPOSERLAB_CHROMIUM={given}: no such file")
        return given
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFound("no Chromium found to print the PDF: install it (Debian/Ubuntu: "
                          "sudo apt install chromium) or set COMPOSERLAB_CHROMIUM, or build with --no-pdf")


def print_pdf(html_path: str | Path, pdf_path: str | Path, timeout: float = 120) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; returns the PDF's path."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="composerlab-chromium-") as profile:
        command = [find_chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                   "--disable-extensions", "--disable-background-networking", "--disable-sync",
                   "--no-pdf-header-footer", f"--user-data-dir={profile}",
                   f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"Chromium could not print {html_path.name} (exit {done.returncode}): {' | '.join(tail)}")
    return pdf_path
