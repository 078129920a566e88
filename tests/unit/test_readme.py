"""The docs stay true: every command, make target, chat command, config key, benchmark and source path that
README.md, docs/ARCHITECTURE.md and docs/PERFORMANCE.md show exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.chat.groups import COMMAND_NAMES
from bot.entry.cli import main
from bot.settings import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {
    name: (ROOT / name).read_text(encoding="utf-8")
    for name in ("README.md", "docs/ARCHITECTURE.md", "docs/PERFORMANCE.md")
}
ALL_DOCS = "\n".join(DOCS.values())
# the history table names paths that are gone on purpose
HISTORY = re.compile(r"^## What moved where.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def cli_commands() -> list[str]:
    found = re.findall(r"`wirewatch ([a-z]+)[^`]*`", ALL_DOCS)
    return sorted(set(found))


def test_readme_names_cli_commands() -> None:
    assert {"run", "poll", "feeds", "recent", "match", "console", "demo"} <= set(cli_commands())


@pytest.mark.parametrize("command", cli_commands())
def test_every_cli_command_in_the_readme_exists(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"wirewatch {command}" in capsys.readouterr().out


@pytest.mark.parametrize("option", ["--once", "--limit", "--days", "--title", "--explain", "--config"])
def test_every_option_in_the_readme_exists(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert option in README
    helps = ""
    for command in ("poll", "recent", "match"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        helps += capsys.readouterr().out
    assert option in helps


@pytest.mark.parametrize("target", sorted(set(re.findall(r"\bmake ([a-z][a-z0-9-]*)", ALL_DOCS))))
def test_every_make_target_in_the_readme_exists(target: str) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"make {target} is not a target"


def test_every_config_key_in_the_docs_exists() -> None:
    keys = re.findall(r"^\| `([a-z_]+)\.([a-z_]+)`", README, re.MULTILINE)
    assert len(keys) > 10
    keys += re.findall(
        r"`(polling|delivery|telegram|chat|storage|workers|metrics|logging|database)\.([a-z_]+)`", ALL_DOCS
    )
    for section, key in keys:
        assert key in SECTIONS[section][1], f"{section}.{key} is in the README but not a setting"


def test_every_chat_command_in_the_readme_exists() -> None:
    # /newbot is BotFather's; /metrics, /healthz, /readyz are the ops server's HTTP paths
    names = set(re.findall(r"`/([a-z]+)", README)) - {"newbot", "metrics", "healthz", "readyz"}
    assert {"subscribe", "unsubscribe", "list", "recent", "pause", "resume", "feeds", "help"} <= names
    assert names <= set(COMMAND_NAMES), names - set(COMMAND_NAMES)


@pytest.mark.parametrize("module", sorted(set(re.findall(r"python -m benchmarks\.([a-z_]+)", ALL_DOCS))))
def test_every_benchmark_in_the_docs_exists(module: str) -> None:
    assert (ROOT / "benchmarks" / f"{module}.py").is_file(), f"benchmarks/{module}.py is named but missing"


def test_every_source_path_in_the_docs_exists() -> None:
    text = HISTORY.sub("", ALL_DOCS)
    paths = set(re.findall(r"`((?:bot|feeds|storage|tests|benchmarks|docs)/[\w/.*-]+)`", text))
    assert len(paths) > 20
    missing = sorted(path for path in paths if not any(ROOT.glob(path.rstrip("/"))))
    assert missing == []


def test_performance_lists_every_benchmark() -> None:
    from benchmarks.__main__ import benchmark_modules

    listed = set(re.findall(r"python -m benchmarks\.([a-z_]+)", DOCS["docs/PERFORMANCE.md"]))
    assert benchmark_modules() <= listed
