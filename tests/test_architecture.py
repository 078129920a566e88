"""The package rules of DESIGN.md, enforced: walk every module's imports and check the arrows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN: dict[str, set[str]] = {
    "feeds": {"telegram", "sqlalchemy", "bot", "storage", "apscheduler"},
    "storage": {"telegram", "bot", "apscheduler"},
}


def imported_top_levels(path: Path) -> set[str]:
    """Top-level package names a module imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_follow_the_design(package: str) -> None:
    violations = []
    for path in modules_of(package):
        bad = imported_top_levels(path) & FORBIDDEN[package]
        if bad:
            violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert modules_of(package), f"package {package} has no modules"
    assert violations == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import telegram\nfrom sqlalchemy.orm import Session\nfrom . import sibling\n")
    assert imported_top_levels(module) == {"telegram", "sqlalchemy"}
