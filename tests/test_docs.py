"""The README tells the truth about settings and about how CI runs the tests."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from mock_server.settings import settings_fields
from mock_server.web.control_routes import RESTART_ONLY

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def script(name: str) -> ModuleType:
    """Import a developer tool from `scripts/` (they are not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_settings_table_matches_the_code() -> None:
    assert script("readme_tables").with_settings_table(README) == README, (
        "README settings table is stale: run `python scripts/readme_tables.py README.md`"
    )


def test_every_guess_setting_is_named_in_the_fidelity_section() -> None:
    fidelity = README.split("## Fidelity and limitations", 1)[1].split("\n## ", 1)[0]
    for spec in settings_fields():
        if spec.guess:
            assert spec.flag in fidelity, f"{spec.flag} is a guess but not in the fidelity section"


def test_the_readme_names_every_setting_that_needs_a_restart() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `configure(**settings)`"))
    named = set(re.findall(r"`(\w+)`", row.split("(not ", 1)[1]))
    assert named == set(RESTART_ONLY)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if "pytest" in line).strip()
    assert command in README
