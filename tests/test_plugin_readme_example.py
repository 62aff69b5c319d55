"""The README's pytest example runs, as a user would run it, and passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE = re.compile(
    r"<!-- plugin-example:start -->\n```python\n(.*?)```\n<!-- plugin-example:end -->", re.DOTALL
)
EXPECTED_PASSES = 7


def readme_example() -> str:
    match = EXAMPLE.search(README.read_text(encoding="utf-8"))
    assert match, "README.md lost its plugin example markers"
    return match.group(1)


def test_the_readme_example_passes_in_a_fresh_project(tmp_path: Path) -> None:
    (tmp_path / "test_video_client.py").write_text(readme_example(), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{EXPECTED_PASSES} passed" in result.stdout, result.stdout


def test_the_readme_example_is_lint_clean(tmp_path: Path) -> None:
    path = tmp_path / "test_video_client.py"
    path.write_text(readme_example(), encoding="utf-8")
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
