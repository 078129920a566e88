"""The package rules of DESIGN.md, enforced: walk every module's imports and check the arrows."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot.chat.ports import ChatServiceStore, MembershipStore, SpikeChartStore
from bot.pipeline.ports import (
    IngestStore,
    MatchStore,
    OutboxStore,
    PauseStore,
    RetentionStore,
    SpikeCheckStore,
    SpikeOutboxStore,
)
from bot.translate.ports import TranslationStore
from storage.store import Store

ROOT = Path(__file__).resolve().parents[2]

# package (folder) -> module prefixes it must never import
FORBIDDEN: dict[str, set[str]] = {
    "feeds": {"telegram", "sqlalchemy", "bot", "storage", "apscheduler", "matplotlib", "prometheus_client"},
    "storage": {"telegram", "bot", "apscheduler"},
    "bot/pipeline": {"telegram", "storage", "bot.tg", "bot.entry", "bot.chat.service"},
    "bot/chat": {
        "telegram",
        "bot.tg",
        "bot.entry",
        "bot.pipeline",
        "bot.translate",
        "storage",
        "bot.chat.service",
    },
    "bot/translate": {"telegram", "storage", "bot.tg", "bot.entry", "bot.chat", "bot.pipeline"},
    "bot/tg": {"bot.entry", "storage"},
}
# the chat's router: the one module of bot/chat that may import it (every command group must not)
CHAT_ROUTER = "bot/chat/service.py"
# the packages in which no two modules may import each other, directly or round a loop
CYCLE_FREE = ("bot", "feeds", "storage")
# only these packages may import python-telegram-bot
TELEGRAM_HOMES = ("bot/tg",)
# only the composition root may import storage from bot
STORAGE_HOMES = ("bot/entry",)


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
        if str(path.relative_to(ROOT)) == CHAT_ROUTER:
            bad.discard("bot.chat.service")
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


def storage_importers(paths: list[Path], allowed: tuple[str, ...]) -> list[str]:
    """The modules among ``paths`` (relative to ``ROOT``) that import ``storage`` outside ``allowed``."""
    return [
        str(path.relative_to(ROOT))
        for path in paths
        if "storage" in imported_top_levels(path) and not str(path.relative_to(ROOT)).startswith(allowed)
    ]


def test_only_the_composition_root_imports_storage() -> None:
    assert storage_importers(modules_of("bot"), STORAGE_HOMES) == []


def test_the_storage_rule_sees_an_import_outside_the_root() -> None:
    stage = ROOT / "bot" / "pipeline" / "ingest.py"
    assert storage_importers([stage], STORAGE_HOMES) == []
    assert storage_importers([ROOT / "bot" / "entry" / "cli.py"], ()) == ["bot/entry/cli.py"]
    assert storage_importers([ROOT / "bot" / "entry" / "cli.py"], STORAGE_HOMES) == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import telegram\nfrom sqlalchemy.orm import Session\nfrom . import sibling\n")
    assert imported_top_levels(module) == {"telegram", "sqlalchemy"}
    module.write_text("from bot.tg.frontend import TelegramFrontend\n")
    assert "bot.tg" in imported_modules(module)


PORTS = [
    IngestStore,
    MatchStore,
    OutboxStore,
    PauseStore,
    SpikeCheckStore,
    SpikeOutboxStore,
    RetentionStore,
    ChatServiceStore,
    MembershipStore,
    SpikeChartStore,
    TranslationStore,
]


@pytest.mark.parametrize("port", PORTS, ids=lambda p: p.__name__)
def test_the_store_implements_every_stage_port(port: type) -> None:
    missing = [name for name in dir(port) if not name.startswith("_") and not hasattr(Store, name)]
    assert missing == []


def module_name(path: Path, root: Path) -> str:
    """``bot/chat/service.py`` -> ``bot.chat.service``; a package's ``__init__.py`` is the package."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, packages: Sequence[str]) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports: every import statement, also those under
    ``TYPE_CHECKING`` and inside functions, relative ones resolved; ``from a import b`` is module ``a.b``
    when that is a module, else ``a``."""
    paths = {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                    base = ".".join([*anchor, base] if base else anchor)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
                targets.add(base)
        graph[name] = {known for target in targets if (known := _known(target, paths)) and known != name}
    return graph


def _known(dotted: str, modules: Mapping[str, Path]) -> str | None:
    """The longest prefix of ``dotted`` that is one of ``modules``."""
    parts = dotted.split(".")
    return next(
        (".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in modules), None
    )


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other round a loop (Tarjan's strongly connected components
    of more than one module), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            if component:
                cycles.append(sorted([module, *component]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles() -> None:
    assert import_cycles(import_graph(ROOT, CYCLE_FREE)) == []


def test_the_cycle_check_sees_hidden_cycles(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n"
    )
    (package / "b.py").write_text("def late() -> None:\n    from . import c\n")
    (package / "c.py").write_text("import pkg.a\n")
    (package / "d.py").write_text("from pkg import a\n")
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.d"] == {"pkg", "pkg.a"}
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    (package / "c.py").write_text("import json\n")  # the loop broken: no cycle left
    assert import_cycles(import_graph(tmp_path, ["pkg"])) == []


@pytest.mark.parametrize("port", PORTS, ids=lambda p: p.__name__)
def test_every_port_method_states_its_contract(port: type) -> None:
    silent = [name for name, member in vars(port).items() if callable(member) and not name.startswith("_")]
    assert [name for name in silent if not (getattr(port, name).__doc__ or "").strip()] == []


LINE_LIMIT = 400
LONG_FILE_PACKAGES = ("bot", "feeds", "storage", "benchmarks")


def over_the_limit(paths: Sequence[Path], limit: int = LINE_LIMIT) -> list[str]:
    """Source files longer than ``limit`` lines whose first lines don't say why (``over 400 lines``)."""
    long = []
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > limit and "over 400 lines" not in "\n".join(lines[:20]).lower():
            long.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {len(lines)}")
    return long


def test_no_source_file_is_over_400_lines_without_saying_why() -> None:
    sources = [
        path
        for package in LONG_FILE_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    assert over_the_limit(sources) == []


def test_the_line_limit_check_sees_a_long_file(tmp_path: Path) -> None:
    silent, explained = tmp_path / "silent.py", tmp_path / "explained.py"
    silent.write_text("x = 1\n" * 401)
    explained.write_text('"""A table. (Over 400 lines: generated data.)"""\n' + "x = 1\n" * 401)
    assert [line.split(":")[0] for line in over_the_limit([silent, explained])] == [str(silent)]
