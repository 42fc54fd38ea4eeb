"""``composerlab studio``: the studio as a standalone web page, served by Voila, with nothing from the internet.

Voila runs ``studio_page.ipynb`` (one cell: the :class:`~composerlab.widgets.studio.Studio`)
and shows only its output, so a learner who never opens a notebook gets the same
studio as lab 08. Voila's "lab" template links Font Awesome from a CDN although its
own bundle already carries the same fonts; the page uses a template made at
start-up from the installed one with those two links taken out (it is derived, not
copied into the kit, so it follows the installed Voila), and ``tests/widgets``
checks in a browser that the page asks nothing of any other host.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import webbrowser
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "studio_page.ipynb"
TEMPLATE = "composerlab"


def make_template(root: Path) -> Path:
    """Write the offline Voila template under ``root`` (a Jupyter data folder); return ``root``."""
    import voila

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


def voila_command(port: int, data_root: Path) -> tuple[list[str], dict]:
    """The command line and environment that serve the studio page on ``127.0.0.1:port``."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(make_template(data_root)), env.get("JUPYTER_PATH")]))
    command = [sys.executable, "-m", "voila", str(PAGE), f"--port={port}", "--no-browser",
               "--Voila.ip=127.0.0.1", f"--template={TEMPLATE}", "--theme=light",
               "--VoilaConfiguration.show_tracebacks=False"]
    return command, env


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
