"""The README's pytest examples run, as a user would run them, and pass.

One example per client library (requests, httpx, httpx's async client, aiohttp), each a whole
test file between `<!-- NAME-example:start -->` and `<!-- NAME-example:end -->`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE = re.compile(
    r"<!-- (?P<name>[\w-]+)-example:start -->\n```python\n(?P<code>.*?)```\n"
    r"<!-- (?P=name)-example:end -->",
    re.DOTALL,
)
EXPECTED_PASSES = {"plugin": 7, "httpx": 2, "httpx-async": 2, "aiohttp": 3}


def readme_examples() -> dict[str, str]:
    """Each example of the README, by name ("plugin" is the requests one)."""
    text = README.read_text(encoding="utf-8")
    return {match["name"]: match["code"] for match in EXAMPLE.finditer(text)}


def test_the_readme_has_an_example_for_each_client_library() -> None:
    assert sorted(readme_examples()) == sorted(EXPECTED_PASSES)


@pytest.mark.parametrize("name", sorted(EXPECTED_PASSES))
def test_the_readme_example_passes_in_a_fresh_project(tmp_path: Path, name: str) -> None:
    (tmp_path / "test_video_client.py").write_text(readme_examples()[name], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{EXPECTED_PASSES[name]} passed" in result.stdout, result.stdout


@pytest.mark.parametrize("name", sorted(EXPECTED_PASSES))
def test_the_readme_example_is_lint_clean(tmp_path: Path, name: str) -> None:
    path = tmp_path / "test_video_client.py"
    path.write_text(readme_examples()[name], encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--line-length",
            "100",
            "--select",
            "E,F,W,I",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
