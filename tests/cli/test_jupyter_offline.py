"""``composerlab setup``: JupyterLab started as the README says reads no news, checks no update, asks no other host."""
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from eventkit import free_port, stop_process, wait_until_answers

from composerlab.cli import main
from composerlab.cli.jupyter import LAB_SETTINGS, settings_dir

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "jupyter_screenshots"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_setup_writes_both_files_and_keeps_other_server_settings(tmp_path, capsys):
    config = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"ServerApp": {"port": 8890}, "LabApp": {"collaborative": False}}))
    for _ in range(2):  # twice: the same files
        assert main(["setup", "--prefix", str(tmp_path)]) == 0
    assert json.loads(config.read_text()) == {"ServerApp": {"port": 8890}, "LabApp": {
        "collaborative": False, "news_url": None, "extension_manager": "readonly",
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate"}}
    overrides = settings_dir(tmp_path) / "overrides.d" / "composerlab.json"
    assert json.loads(overrides.read_text()) == LAB_SETTINGS
    assert str(overrides) in capsys.readouterr().out


def test_setup_names_a_broken_server_config(tmp_path, capsys):
    config = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    config.parent.mkdir(parents=True)
    config.write_text("{not json")
    assert main(["setup", "--prefix", str(tmp_path)]) == 2
    assert f"{config} is not valid JSON" in capsys.readouterr().err
    assert config.read_text() == "{not json"  # left as it was


def _get(url: str, token: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


@pytest.fixture
def jupyter_lab(tmp_path):
    """``jupyter lab labs/`` from the repository root, on 127.0.0.1, after ``composerlab setup`` (this environment).

    The learner's own folders are replaced by empty ones (their settings would win), and
    JUPYTER_CONFIG_DIR points at an empty folder: the settings live in the environment.
    """
    assert main(["setup"]) == 0
    port, token = free_port(), "composerlab-test-token"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "run"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    command = [sys.executable, "-m", "jupyterlab", "labs/", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log = open(tmp_path / "lab.log", "wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_answers(lambda: _get(f"{url}/api/status", token), process, log=tmp_path / "lab.log")
    yield url, token, tmp_path / "lab.log"
    stop_process(process)
    log.close()


@pytest.mark.slow
def test_jupyter_lab_fetches_no_news_checks_no_update_and_its_page_asks_only_this_computer(jupyter_lab, browser):
    url, token, log = jupyter_lab
    answer = json.loads(_get(f"{url}/lab/api/settings/{NOTIFICATION}", token))
    defaults = {name: spec.get("default") for name, spec in answer["schema"]["properties"].items()}
    effective = {**defaults, **answer["settings"]}
    assert effective["fetchNews"] == "false" and effective["checkForUpdates"] is False
    assert json.loads(_get(f"{url}/lab/api/news", token)) == {"news": []}
    assert json.loads(_get(f"{url}/lab/api/update", token))["notification"] is None
    assert '"news": {"disabled": true}' in _get(f"{url}/lab", token)
    assert "Extension Manager is 'readonly'" in log.read_text()

    outside: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport={"width": 1300, "height": 800})
    context.route("**/*", guard)
    page = context.new_page()
    # The file browser of labs/ (no notebook opened: nothing could autosave a tracked file).
    page.goto(f"{url}/lab?token={token}", timeout=120_000)
    page.wait_for_selector(".jp-DirListing-item:has-text('08_studio.ipynb')", timeout=180_000)
    page.wait_for_timeout(5000)  # the news prompt and the update check come a moment after start-up
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lab_started.png"))
    toasts = page.locator(".Toastify__toast").all_inner_texts()
    context.close()
    assert not any("news" in t.lower() for t in toasts), toasts
    assert outside == [], f"JupyterLab asked other hosts: {outside}"
