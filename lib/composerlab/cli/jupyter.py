"""``composerlab setup``: this environment's JupyterLab works offline: no news feed, no update check.

Out of the box JupyterLab asks each learner whether to fetch the Jupyter news
(and then reads a feed on the internet), checks for a newer JupyterLab, and lists
extensions from PyPI. The kit must not reach out, so this writes two small
settings into the environment itself (``sys.prefix``), where every ``jupyter lab``
started from it reads them, whatever the folder it starts in and whatever
``JUPYTER_CONFIG_DIR`` says; a data file in ``pyproject.toml`` would not do, since
an editable install (``pip install -e .``) installs none:

- ``{sys.prefix}/etc/jupyter/jupyter_server_config.json``, key ``LabApp``: no news
  URL, the update check that never checks, the read-only extension manager (other
  keys of that file are kept);
- ``{JupyterLab's app dir}/settings/overrides.d/composerlab.json``: the defaults of
  ``@jupyterlab/apputils-extension:notification``: ``fetchNews`` "false" (so no
  prompt) and ``checkForUpdates`` false. A learner's own settings still win.

``composerlab demo`` (the README's first-run command) runs this step too.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

SERVER_SETTINGS = {"LabApp": {"news_url": None,
                              "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                              "extension_manager": "readonly"}}
"""Merged into the environment's ``jupyter_server_config.json``."""
LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
"""JupyterLab's setting defaults, as ``overrides.d/composerlab.json``."""


def settings_dir(prefix: str | Path | None = None) -> Path:
    """JupyterLab's application settings folder for the environment at ``prefix`` (default: this one)."""
    if prefix is None:
        from jupyterlab.commands import get_app_dir  # honours JUPYTERLAB_DIR, as ``jupyter lab`` does

        return Path(get_app_dir()) / "settings"
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings"


def write_offline_settings(prefix: str | Path | None = None) -> list[Path]:
    """Write (or update) both settings files for the environment at ``prefix``; return their paths."""
    config = Path(prefix if prefix is not None else sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.json"
    current = {}
    if config.is_file():
        try:
            current = json.loads(config.read_text(encoding="utf-8") or "{}")
        except ValueError as err:
            raise ValueError(f"{config} is not valid JSON ({err}); fix or remove it, then run "
                             "'composerlab setup' again") from None
    for section, values in SERVER_SETTINGS.items():
        current.setdefault(section, {}).update(values)
    overrides = settings_dir(prefix) / "overrides.d" / "composerlab.json"
    written = []
    for path, data in ((config, current), (overrides, LAB_SETTINGS)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _cmd_setup(args) -> int:
    try:
        paths = write_offline_settings(args.prefix)
    except (OSError, ValueError) as err:
        print(f"composerlab: {err}", file=sys.stderr)
        return 2
    print("JupyterLab set to work offline (no news, no update check, no extension catalogue):")
    for path in paths:
        print(f"  wrote {path}")
    return 0


def add_command(subparsers) -> None:
    """Add ``setup``."""
    p = subparsers.add_parser("setup", help="set this environment's JupyterLab to work offline (no news, no update check)")
    p.add_argument("--prefix", default=None, help="another environment's folder (default: this one, sys.prefix)")
    p.set_defaults(run=_cmd_setup)
