"""``composerlab studio``: the studio as a standalone web page, served by Voila, with nothing from the internet.

Voila runs ``studio_page.ipynb`` (one cell: the :class:`~composerlab.widgets.studio.Studio`) and shows
only its output, so a learner who never opens a notebook gets the same studio as lab 08. Set here, each
with Voila's or Jupyter's own means:

- **Offline.** Voila's "lab" template links Font Awesome from a CDN although its bundle carries the same
  fonts; the page uses a template derived at start-up from the installed one without those links.
- **A kernel ends with its page.** Voila's page sends a shutdown request on close or reload with the
  ``_xsrf`` cookie as its token, but its page handler never has tornado set that cookie (a 403, and a
  kernel of about 1 GB kept per reload). Voila's ``prelaunch_hook`` reads the token, which sets the
  cookie: the shutdown goes through and XSRF protection stays on.
- **Idle kernels are culled** by Jupyter's ``MappingKernelManager.cull_idle_timeout``: a page lost
  without its shutdown (a crashed browser, a sleeping laptop) frees its kernel after :data:`CULL_IDLE_S`
  seconds without a connection. A page left open is never culled.

``python -m composerlab.cli.studio_page ARGS`` runs Voila so configured (Voila takes the hook only as a
Python object, not on its command line).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import webbrowser
from pathlib import Path

from traitlets.config import Config

PAGE = Path(__file__).resolve().parent / "studio_page.ipynb"
TEMPLATE = "composerlab"
CULL_IDLE_S = 600
"""Seconds a kernel with no page connected may stay idle before Jupyter's culler shuts it down."""
CULL_INTERVAL_S = 60
"""How often the culler looks."""


def make_template(root: Path) -> Path:
    """Write the offline Voila template under ``root`` (a Jupyter data folder); return ``root``."""
    import voila  # the page's server: only the command that serves it needs it

    lab_index = None
    for base in [Path(sys.prefix) / "share" / "jupyter", Path(voila.__file__).resolve().parents[3] / "share" / "jupyter"]:
        candidate = base / "voila" / "templates" / "lab" / "index.html.j2"
        if candidate.is_file():
            lab_index = candidate
            break
    if lab_index is None:
        raise FileNotFoundError("Voila's lab template is missing: reinstall voila (pip install -r requirements.txt)")
    lines = lab_index.read_text(encoding="utf-8").splitlines(keepends=True)
    offline = "".join(line for line in lines if "cdn.jsdelivr.net" not in line)
    folder = root / "voila" / "templates" / TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html.j2").write_text(offline, encoding="utf-8")
    (folder / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    return root


def voila_command(port: int, data_root: Path, cull_idle_s: int = CULL_IDLE_S,
                  cull_interval_s: int = CULL_INTERVAL_S) -> tuple[list[str], dict]:
    """The command line and environment that serve the studio page on ``127.0.0.1:port``."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(make_template(data_root)), env.get("JUPYTER_PATH")]))
    command = [sys.executable, "-m", "composerlab.cli.studio_page", str(PAGE), f"--port={port}", "--no-browser",
               "--Voila.ip=127.0.0.1", f"--template={TEMPLATE}", "--theme=light",
               "--VoilaConfiguration.show_tracebacks=False",
               f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
               f"--MappingKernelManager.cull_interval={cull_interval_s}",
               "--MappingKernelManager.cull_connected=False"]
    return command, env


def give_the_page_its_xsrf_cookie(request_handler, notebook, cwd):
    """Voila's prelaunch hook: reading ``xsrf_token`` makes tornado set the ``_xsrf`` cookie on the page,
    which Voila's page sends back with its shutdown request when it is closed or reloaded."""
    request_handler.xsrf_token  # noqa: B018 - the property sets the cookie as it is read
    return notebook


def run_voila(argv: list[str]) -> None:
    """Run Voila with ``argv`` and the studio's hook (see the module notes)."""
    from voila.app import Voila  # the page's server: only this command needs it

    config = Config()
    config.VoilaConfiguration.prelaunch_hook = give_the_page_its_xsrf_cookie
    Voila.launch_instance(argv=argv, config=config)


def serve(port: int = 8866, open_browser: bool = True, library: str | None = None,
          server: str | None = None) -> int:
    """Serve the studio until Ctrl+C; saves go to ``library`` (default ``out/library``)."""
    from composerlab.paths import cache_dir

    command, env = voila_command(port, cache_dir() / "voila")
    if library:
        env["COMPOSERLAB_LIBRARY"] = str(Path(library).resolve())
    if server:
        env["COMPOSERLAB_EVENT_URL"] = server
    url = f"http://127.0.0.1:{port}/"
    print(f"The Music Studio: open {url} in your browser (Ctrl+C stops it)")
    process = subprocess.Popen(command, env=env)
    # Stopped with Ctrl+C or by a terminate signal, the page's server stops with us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if open_browser:
        webbrowser.open(url)
    try:
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    run_voila(sys.argv[1:])
