"""The tests' own layout: each test module sits in a ``tests/`` folder beside the code it tests
(e2e/ excepted), is collected (its folders are packages under a ``testpaths`` entry), and
imports no other test module and no ``conftest.py`` (fixtures come from pytest; shared helpers
from plain modules such as portal/testing.py or a ``tests/helpers.py``)."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIPPED = {".venv", ".data", ".git", "node_modules", "e2e-artifacts", "__pycache__"}


def _python_files() -> Iterator[Path]:
    def walk(folder: Path) -> Iterator[Path]:
        for entry in sorted(folder.iterdir()):
            if entry.is_dir():
                if entry.name not in SKIPPED and not entry.name.startswith("."):
                    yield from walk(entry)
            elif entry.suffix == ".py":
                yield entry

    yield from walk(ROOT)


def _test_modules() -> list[Path]:
    return [path for path in _python_files() if path.name.startswith("test_")]


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in ``path``, relative ones made absolute; for ``from x
    import y`` both ``x`` and ``x.y`` (``y`` may be a module)."""
    package = _module_of(path).split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if module:
                yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}" if module else alias.name


def _is_test_module(module: str) -> bool:
    return module.rsplit(".", 1)[-1].startswith("test_")


def _is_conftest(module: str) -> bool:
    return module.rsplit(".", 1)[-1] == "conftest"


def test_the_layout_checks_see_the_whole_suite() -> None:
    # The checks below walk the files; if they found nothing they would pass for nothing.
    modules = _test_modules()
    assert len(modules) > 40, len(modules)
    assert ROOT / "portal" / "tests" / "test_test_layout.py" in modules


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _test_modules()
        for line, module in _imported(path)
        if _is_test_module(module) or _is_conftest(module)
    ]
    assert offences == [], "\n".join(offences)


def test_nothing_imports_a_conftest() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _python_files()
        for line, module in _imported(path)
        if _is_conftest(module)
    ]
    assert offences == [], "\n".join(offences)


def test_every_test_module_sits_in_a_tests_folder_except_the_browser_journeys() -> None:
    outside = [
        str(path.relative_to(ROOT))
        for path in _test_modules()
        if path.parent.name != "tests" and path.relative_to(ROOT).parts[0] != "e2e"
    ]
    assert outside == [], outside


def test_every_test_folder_is_a_package_under_a_testpath() -> None:
    # Many modules share a name (test_views.py in several rooms): each must be importable under
    # its package's own name, and pytest collects only what lies under ``testpaths``.
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    testpaths = pytest_options["testpaths"]
    for path in _test_modules():
        relative = path.relative_to(ROOT)
        assert relative.parts[0] in testpaths, f"{relative} is not under testpaths {testpaths}"
        for folder in relative.parents:
            if folder != Path("."):
                assert (ROOT / folder / "__init__.py").exists(), f"{folder}/ has no __init__.py ({relative})"
