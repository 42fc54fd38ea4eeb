"""Lab 08 in JupyterLab, in headless Chromium: the studio inside a notebook, as a learner meets it.

JupyterLab serves a copy of the lab in a temporary folder (its autosave off, so that only a key
press could save it). The studio cell runs; the notebook is saved. Then a click on a piano key
gives the keyboard the focus, and a tune typed on the computer keys, with every letter that is a
notebook shortcut in command mode (``a`` ``b`` ``c`` ``v`` ``x`` ``z`` ``m`` ``s`` ``d d``), plays
notes and nothing else: the notebook keeps its cells, stays saved, and its file is untouched.
Generate with a two-model chain, play it and watch the playhead; the console has no error and
axe-core finds nothing serious in the studio.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from axe import audit
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from eventkit import free_port, stop_process, wait_until_answers
from studio_pages import COUNT_SOUNDS, keyboard_has_focus, play_and_follow, shot, wait_notes, wait_said, watch

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "labs" / "08_studio.ipynb"
TOKEN = "composerlab-lab08-test"
ODE = "ccvbbvcxzzxcxx"  # Ode to Joy on the bottom row (E E F G G F E D C C D E D D): c, v, b, x, z are shortcuts
SETTINGS = {  # the learner's JupyterLab settings for this run: no autosave, no news, no update check, and the
    # notebook's own kernel started without asking (on a loaded machine JupyterLab may open the notebook before
    # it has the kernel list, and then asks "Select Kernel" for it)
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a copy of lab 08 in its own folder; yields (url, notebook path)."""
    home = tmp_path_factory.mktemp("lab08")
    (home / "work").mkdir()
    notebook = home / "work" / "08_studio.ipynb"
    shutil.copy(LAB, notebook)
    for name, values in SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values))
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "run"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               COMPOSERLAB_LIBRARY=str(home / "library"))
    command = [sys.executable, "-m", "jupyterlab", str(home / "work"), "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log = open(home / "lab.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=home / "work", env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    status = urllib.request.Request(f"{url}/api/status", headers={"Authorization": f"token {TOKEN}"})
    wait_until_answers(lambda: urllib.request.urlopen(status, timeout=10).close(), process, log=home / "lab.log")
    yield url, notebook
    stop_process(process)
    log.close()


def run_cell(page, index: int, tries: int = 4) -> None:
    """Run cell ``index`` (Ctrl+Enter) until its prompt shows it ran: a key press right after the page
    loads can be lost while JupyterLab still sets the notebook up."""
    done = ("i => /\\[\\d+\\]/.test(document.querySelectorAll('.jp-Notebook .jp-Cell')[i]"
            ".querySelector('.jp-InputPrompt').innerText)")
    for _ in range(tries):
        dialog = page.locator(".jp-Dialog")
        assert not dialog.count(), f"JupyterLab asks: {dialog.first.inner_text()}"
        page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        try:
            page.wait_for_function(done, arg=index, timeout=15_000)
            break
        except PlaywrightTimeout:
            continue
    page.wait_for_function(done, arg=index, timeout=180_000)  # still queued behind the kernel's start


def cells(page) -> int:
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").count()


def saved(page) -> bool:
    """The notebook's tab shows no unsaved change."""
    return "jp-mod-dirty" not in (page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
                                  .get_attribute("class") or "")


@pytest.mark.slow
def test_keys_stay_in_the_studio_and_the_notebook_is_untouched(chromium, lab):
    url, notebook = lab
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(COUNT_SOUNDS)
    page = context.new_page()
    seen = watch(context, page)
    page.goto(f"{url}/lab/tree/08_studio.ipynb?token={TOKEN}", timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=180_000)

    # Run the parameters cell, then the studio's cell, each when the one before is done.
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    for index in (1, 3):
        run_cell(page, index)
    page.keyboard.press("Escape")  # command mode: where the notebook's one-letter shortcuts act
    # Attached, not yet visible: JupyterLab skips drawing cells out of view.
    page.wait_for_selector(".jp-Notebook .cl-studio .cl-editor svg .cl-note", state="attached", timeout=180_000)
    page.keyboard.press("Control+s")  # saved, with the studio's output
    page.wait_for_function("() => !document.querySelector('.lm-DockPanel-tabBar .lm-mod-current')"
                           ".classList.contains('jp-mod-dirty')", timeout=30_000)
    before = (cells(page), notebook.read_bytes(), notebook.stat().st_mtime_ns)
    shot(page, "21_lab08_opened", whole=None)

    # A key click gives the keyboard the focus; every letter typed then stays in it.
    page.locator(".jp-Notebook .cl-studio .lm-TabBar-tab", has_text="Keyboard").click()
    page.locator(".cl-keyboard [data-pitch='60']").click(position={"x": 18, "y": 110})
    assert keyboard_has_focus(page)
    wait_notes(page, 1)
    assert "Computer keys on" in page.locator(".cl-keyboard .cl-typing").inner_text()
    page.keyboard.type(ODE, delay=50)
    for key in ("a", "d", "d", "s", "m", "y"):  # more notebook shortcuts: d d plays D#3 twice, s C#3, m B3, y A4
        page.keyboard.press(key)
    wait_notes(page, 1 + len(ODE) + 5)  # "a" plays nothing: no note there, and no cell either
    page.wait_for_timeout(1000)  # time for a stray shortcut to act, were there one
    shot(page, "22_lab08_typed", whole=None)
    assert cells(page) == before[0] and saved(page)
    assert (notebook.read_bytes(), notebook.stat().st_mtime_ns) == before[1:]

    # Generate with a two-model chain, then play it: one sound, and the playhead follows it.
    page.keyboard.press("Escape")
    page.locator(".cl-take-keyboard").click()
    wait_said(page, "input", "your keyboard melody")
    page.locator(".cl-add-model").click()
    page.wait_for_function("() => document.querySelectorAll('.cl-model select').length === 2")
    page.locator(".cl-model select").nth(0).select_option(label="transformer (extend)")
    page.locator(".cl-model select").nth(1).select_option(label="quartet (accompany)")
    page.locator(".cl-generate:not([disabled])").click(timeout=180_000)
    wait_said(page, "models", "Generated with transformer -> quartet (seed 0)", timeout=120_000)
    page.wait_for_selector(".cl-roll-player[data-sound='ready']", timeout=60_000)
    played = play_and_follow(page)
    assert played["sounds"] == 1 and played["peak"] > 0.3 and played["position"] > 0.8, played
    assert played["x"] > 40 + 0.8 * 14, played
    shot(page, "23_lab08_generated")
    assert audit(page, context=".cl-studio") == []
    assert cells(page) == before[0]
    assert seen.errors == [], seen.errors
    assert seen.outside == [], seen.outside
    context.close()
