"""``composerlab studio`` serves the studio page from loopback with an offline template."""
import json
import socket
import subprocess
import sys
import time
import urllib.request

from composerlab.cli.studio_page import make_template


def test_offline_template_drops_only_the_cdn_links(tmp_path):
    folder = make_template(tmp_path) / "voila" / "templates" / "composerlab"
    index = (folder / "index.html.j2").read_text()
    assert "cdn.jsdelivr.net" not in index and "{%- block notebook_css -%}" in index
    assert json.loads((folder / "conf.json").read_text()) == {"base_template": "lab"}


def test_studio_command_serves_the_page(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "composerlab", "studio", "--no-browser", "--port", str(port),
                                "--folder", str(tmp_path / "library")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page, deadline = None, time.monotonic() + 90
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    page = response.read().decode()
            except OSError:
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.5)
        assert page is not None, "the studio page did not answer in 90 s"
        assert "cl-studio" in page or "widget-view" in page or "application/vnd.jupyter.widget-view+json" in page
        assert "cdn.jsdelivr.net" not in page
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert f"open http://127.0.0.1:{port}/ in your browser" in output
