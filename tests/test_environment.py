"""README, requirements and environment.yml stay in step."""
import re

from notebook_params import ROOT


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        match = re.match(r"^-?\s*([A-Za-z0-9_.\-]+)\s*(~=|==|>=)\s*([0-9.]+)\s*(;.*)?$", line)
        if match:
            pins[(match.group(1).lower(), (match.group(4) or "").strip())] = match.group(2) + match.group(3)
    return pins


def test_environment_yml_mirrors_the_pip_requirements():
    pip_pins = _pins((ROOT / "requirements.txt").read_text().splitlines()
                     + (ROOT / "requirements-test.txt").read_text().splitlines())
    conda_pins = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert len(pip_pins) >= 15
    assert conda_pins == pip_pins


def test_every_requirement_says_what_needs_it():
    for name in ("requirements.txt", "requirements-test.txt"):
        for line in (ROOT / name).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                assert "~=" in line and "#" in line, f"{name}: '{line}' needs a ~= pin and a comment"


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && composerlab demo' in readme
    assert 'pip install -e ".[test]" && python -m pytest' in readme
    assert 'pip install -e ".[test]"' in ci and "python -m pytest" in ci


def test_gitignore_hides_no_source_folder():
    import subprocess

    for path in ("lib/composerlab/__init__.py", "labs/00_welcome.ipynb", "data/README.md", "tests/test_midi.py"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0
        assert not ignored, f".gitignore hides {path}"
