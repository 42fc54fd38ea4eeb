"""What the studio's browser tests share: its server (``composerlab studio``'s Voila, kernels counted), watching
a page (console errors, requests to other hosts, sounds started), the studio's answers, the computer keys of a
tune, and screenshots under ``out/studio_screenshots``."""
from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psutil
from eventkit import free_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "studio_screenshots"
LOCAL = {"127.0.0.1", "localhost", ""}

COUNT_SOUNDS = """(() => {
  window.__sounds = 0;
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (...args) { window.__sounds += 1; return start.apply(this, args); };
})();"""
"""Counts the Web Audio sources a page starts: one Play click must start one sound, not two."""

TWINKLE_KEYS = "qqttyyt"
"""Twinkle's first bar on the computer keys' top row: C4 C4 G4 G4 A4 A4 G4 (with C3 the lowest key shown)."""
TWINKLE_PITCHES = [60, 60, 67, 67, 69, 69, 67]


@dataclass
class Watch:
    """What a page did that a learner should never meet."""

    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def watch(context, page) -> Watch:
    """Record console errors, uncaught exceptions and requests to any other host than this computer."""
    seen = Watch()

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL:
            route.continue_()
        else:
            seen.outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda err: seen.errors.append(str(err)))
    return seen


def shot(page, name: str, whole: str | None = ".cl-studio") -> Path:
    """A screenshot of the element ``whole`` (all of it, scrolled or not), or of the viewport (None)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if whole:  # the page scrolls inside Voila's and JupyterLab's own boxes: make the window tall enough
        size = page.viewport_size
        height = page.evaluate("s => document.querySelector(s).scrollHeight", whole)
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 400)})
        page.locator(whole).first.screenshot(path=str(path))
        page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path))
    return path


def said(page, where: str) -> str:
    """What the studio says beside the buttons of ``where`` (input, models, listen, keep, submit)."""
    return page.locator(f".cl-say-{where}").inner_text()


def wait_said(page, where: str, text: str, timeout: float = 60_000) -> None:
    page.wait_for_function("([w, t]) => document.querySelector('.cl-say-' + w)?.innerText.includes(t)",
                           arg=[where, text], timeout=timeout)


def notes_on_keyboard(page) -> int:
    return int(page.locator(".cl-keyboard .cl-count").inner_text().split()[0])


def wait_notes(page, count: int, timeout: float = 20_000) -> None:
    """Wait until the keyboard holds ``count`` notes (each key press makes a round trip to the kernel)."""
    page.wait_for_function("n => document.querySelector('.cl-keyboard .cl-count').innerText === n + ' notes'",
                           arg=count, timeout=timeout)


def keyboard_has_focus(page) -> bool:
    return page.evaluate("() => document.querySelector('.cl-keyboard').contains(document.activeElement)")


def play_and_follow(page, seconds: float = 1.2) -> dict:
    """Press Play on the roll, let it sound for ``seconds``; return where the playhead went and the sounds started."""
    page.locator(".cl-roll-player .cl-play").click()
    page.wait_for_function("() => document.querySelector('.cl-roll-player').dataset.playing === 'true'")
    page.wait_for_timeout(int(seconds * 1000))
    state = page.evaluate("""() => {
        const el = document.querySelector('.cl-roll-player');
        const head = el.querySelector('.cl-playhead');
        return {position: +el.dataset.position, x: +head.getAttribute('x1'), peak: +el.dataset.peak,
                duration: +el.dataset.duration, sounds: window.__sounds, playing: el.dataset.playing};
    }""")
    page.locator(".cl-roll-player .cl-play").click()  # Stop
    page.wait_for_function("() => document.querySelector('.cl-roll-player').dataset.playing === 'false'")
    return state


@dataclass
class StudioServer:
    """``composerlab studio``'s Voila server on a loopback port."""

    url: str
    library: Path
    process: subprocess.Popen
    log: Path
    log_file: object = None

    def kernels(self) -> int:
        """Kernels alive: the ipykernel processes the server started (an ended one not yet reaped is not)."""
        alive = 0
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                alive += child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline())
            except psutil.Error:  # gone between the listing and the look
                continue
        return alive

    def wait_for_kernels(self, most: int, timeout: float = 30.0) -> int:
        """Wait until at most ``most`` kernels are alive (a shutdown takes a moment); return the count."""
        deadline = time.monotonic() + timeout
        while (count := self.kernels()) > most and time.monotonic() < deadline:
            time.sleep(0.25)
        return count


def serve_studio(folder: Path, **cull) -> StudioServer:
    """Start the studio's server as ``composerlab studio`` does (``cull``: its culling settings)."""
    from composerlab.cli.studio_page import voila_command

    port = free_port()
    command, env = voila_command(port, folder / "jupyter", **cull)
    env["COMPOSERLAB_LIBRARY"] = str(folder / "library")
    log = folder / "voila.log"
    log_file = open(log, "wb")  # noqa: SIM115 - closed by stop_studio
    process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return StudioServer(f"http://127.0.0.1:{port}/", folder / "library", process, log, log_file)
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.3)
    process.terminate()
    raise RuntimeError("the studio page did not start in 90 s")


def stop_studio(server: StudioServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
    server.log_file.close()
