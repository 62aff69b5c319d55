"""The layers of ARCHITECTURE.md hold: import-linter's contracts pass, and catch a violation."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.wire.paths import RESULT_PATH, SUBMIT_PATH

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mock_server"
TOP_LEVEL_LIMIT = 8


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("domain/timing.py", "from mock_server.web import app", "Each layer imports only"),
        ("wire/paths.py", "from mock_server.domain import jobs", "Each layer imports only"),
        ("domain/jobs.py", "import socket", "The domain does no HTTP"),
        ("testing/controller.py", "import flask", "Only the web layer imports Flask"),
    ],
)
def test_a_deliberate_violation_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    shutil.copytree(PACKAGE, tmp_path / "mock_server", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "mock_server" / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert f"mock_server.{module.removesuffix('.py').replace('/', '.')}" in broken


def test_at_most_eight_modules_sit_directly_in_the_package() -> None:
    modules = [path.name for path in PACKAGE.glob("*.py") if not path.name.startswith("__")]
    assert len(modules) <= TOP_LEVEL_LIMIT, modules


@pytest.mark.parametrize("path", [SUBMIT_PATH, RESULT_PATH])
def test_each_api_path_is_written_in_exactly_one_module_outside_the_tests(path: str) -> None:
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    sources += [*(ROOT / "scripts").rglob("*.py"), *(ROOT / "contract_tests").rglob("*.py")]
    writing = [source for source in sources if path in source.read_text(encoding="utf-8")]
    assert [str(source.relative_to(ROOT)) for source in writing] == ["mock_server/wire/paths.py"]


def public_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if not path.name.startswith("_") and "__pycache__" not in path.parts
    )


@pytest.mark.parametrize("path", public_modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_every_public_module_declares_its_public_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets)
    ]
    assert len(declared) == 1, f"{path.relative_to(ROOT)} must assign __all__ exactly once"
    names = ast.literal_eval(declared[0].value)
    defined = {name for node in tree.body for name in _names_bound(node)}
    missing = sorted(set(names) - defined)
    assert not missing, f"{path.relative_to(ROOT)} lists names it does not define: {missing}"
    assert len(names) == len(set(names)), f"{path.relative_to(ROOT)} lists a name twice"


def _names_bound(node: ast.stmt) -> list[str]:
    """The names a top-level statement binds: definitions, assignments and imports."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [
            name.id
            for target in node.targets
            for name in (target.elts if isinstance(target, ast.Tuple) else [target])
            if isinstance(name, ast.Name)
        ]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, ast.If):  # `if TYPE_CHECKING:` and the like
        return [name for child in [*node.body, *node.orelse] for name in _names_bound(child)]
    if isinstance(node, ast.Try):
        return [name for child in [*node.body, *node.handlers] for name in _names_bound(child)]
    return []


@pytest.mark.parametrize("module", ["mock_server.testing.pytest_plugin", "mock_server.settings"])
def test_a_light_module_loads_without_flask_or_the_media_encoders(module: str) -> None:
    """pytest loads the plugin in every run of a project that installed the package."""
    probe = (
        f"import sys, {module}; "
        "print(sorted(m for m in ('flask', 'jsonschema', 'mock_server.media.h264') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_the_package_still_offers_each_public_name() -> None:
    import mock_server

    for name in mock_server.__all__:
        assert getattr(mock_server, name).__name__ == name


def layer_rows() -> dict[str, set[str]]:
    """Each subpackage of the layer table in ARCHITECTURE.md, with the modules its row names."""
    rows: dict[str, set[str]] = {}
    text = (ROOT / "ARCHITECTURE.md").read_text()
    section = text.split("## The layers of `mock_server/`")[1].split("\n## ")[0]
    for line in section.splitlines():
        cells = re.split(r"(?<!\\)\|", line)
        if len(cells) < 4 or not re.fullmatch(r"\s*`\w+/`.*", cells[1]):
            continue
        folders = re.findall(r"`(\w+)/`", cells[1])
        modules = cells[2].split(r"\|") if len(folders) > 1 else [cells[2]]
        for folder, named in zip(folders, modules, strict=True):
            rows[folder] = set(re.findall(r"`(\w+\.py)`", named))
    return rows


def test_the_layer_table_names_every_module_of_every_subpackage_and_no_other() -> None:
    subpackages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    rows = layer_rows()
    assert set(rows) == subpackages
    for folder, named in rows.items():
        present = {path.name for path in (PACKAGE / folder).glob("*.py")} - {"__init__.py"}
        assert named == present, folder
