"""The package rules of DESIGN.md, enforced: walk every module's imports and check the arrows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.pipeline.ports import IngestStore, MatchStore, OutboxStore
from storage.store import Store

ROOT = Path(__file__).resolve().parents[2]

# package (folder) -> module prefixes it must never import
FORBIDDEN: dict[str, set[str]] = {
    "feeds": {"telegram", "sqlalchemy", "bot", "storage", "apscheduler", "matplotlib", "prometheus_client"},
    "storage": {"telegram", "bot", "apscheduler"},
    "bot/pipeline": {"telegram", "bot.tg", "bot.entry", "bot.chat.service"},
    "bot/chat": {"telegram", "bot.tg", "bot.entry", "bot.pipeline"},
    "bot/tg": {"bot.entry"},
}
# only these packages may import python-telegram-bot
TELEGRAM_HOMES = ("bot/tg",)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (absolute imports only), as dotted names, plus each of their parents."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {".".join(name.split(".")[:n]) for name in names for n in range(1, name.count(".") + 2)}


def imported_top_levels(path: Path) -> set[str]:
    """Top-level package names a module imports."""
    return {name for name in imported_modules(path) if "." not in name}


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_follow_the_design(package: str) -> None:
    violations = []
    for path in modules_of(package):
        bad = imported_modules(path) & FORBIDDEN[package]
        if bad:
            violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert modules_of(package), f"package {package} has no modules"
    assert violations == []


def test_only_the_telegram_adapter_imports_telegram() -> None:
    importers = [
        str(path.relative_to(ROOT))
        for path in modules_of("bot")
        if "telegram" in imported_top_levels(path)
        and not str(path.relative_to(ROOT)).startswith(TELEGRAM_HOMES)
    ]
    assert importers == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import telegram\nfrom sqlalchemy.orm import Session\nfrom . import sibling\n")
    assert imported_top_levels(module) == {"telegram", "sqlalchemy"}
    module.write_text("from bot.tg.frontend import TelegramFrontend\n")
    assert "bot.tg" in imported_modules(module)


@pytest.mark.parametrize("port", [IngestStore, MatchStore, OutboxStore], ids=lambda p: p.__name__)
def test_the_store_implements_every_stage_port(port: type) -> None:
    missing = [name for name in dir(port) if not name.startswith("_") and not hasattr(Store, name)]
    assert missing == []
