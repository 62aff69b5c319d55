"""A user's project: the package installed from its wheel, not editable, runs the user's tests.

The wheel is built from this checkout and installed into a fresh virtual environment (no system
site-packages; pip takes the dependencies from the index and its cache, as for any user). First
without httpx and aiohttp: the requests example of the README passes. Then with the `inprocess`
extra: every README example (requests, httpx, httpx async, aiohttp) and
`tests/user_project/` (unrouted calls fail with `NotRouted`, sockets forbidden) pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_plugin_readme_example import EXPECTED_PASSES, readme_examples

ROOT = Path(__file__).resolve().parent.parent
USER_PROJECT = Path(__file__).resolve().parent / "user_project"
USER_PROJECT_TESTS = 20

pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path) -> str:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(built_wheel: Path) -> Path:
    return built_wheel


def pip_install(python: Path, *requirements: str | Path) -> None:
    install = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile"]
    run(*install, *requirements, cwd=ROOT)


def write_user_tests(project: Path, names: list[str]) -> None:
    examples = readme_examples()
    for name in names:
        path = project / f"test_{name.replace('-', '_')}_client.py"
        path.write_text(examples[name], encoding="utf-8")


def test_a_users_tests_pass_against_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    run(sys.executable, "-m", "venv", "--without-pip", tmp_path / "venv", cwd=tmp_path)
    python = tmp_path / "venv" / "bin" / "python"
    project = tmp_path / "project"
    project.mkdir()
    pip_install(python, wheel, "pytest")
    where = run(python, "-c", "import mock_server; print(mock_server.__file__)", cwd=project)
    assert where.startswith(str(tmp_path / "venv")), where
    missing = "import importlib.util as u; print(u.find_spec('httpx'), u.find_spec('aiohttp'))"
    assert run(python, "-c", missing, cwd=project).split() == ["None", "None"]

    write_user_tests(project, ["plugin"])
    without = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", project, cwd=project)
    assert f"{EXPECTED_PASSES['plugin']} passed" in without, without

    pip_install(python, f"{wheel}[inprocess]")
    write_user_tests(project, [name for name in EXPECTED_PASSES if name != "plugin"])
    (project / "test_nothing_leaves_the_process.py").write_bytes(
        (USER_PROJECT / "test_nothing_leaves_the_process.py").read_bytes()
    )
    every = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", project, cwd=project)
    assert f"{sum(EXPECTED_PASSES.values()) + USER_PROJECT_TESTS} passed" in every, every
