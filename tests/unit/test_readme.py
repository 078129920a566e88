"""The README stays true: every command, make target, chat command and config key it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.chat.groups import COMMAND_NAMES
from bot.entry.cli import main
from bot.settings import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def cli_commands() -> list[str]:
    found = re.findall(r"`wirewatch ([a-z]+)[^`]*`", README)
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


@pytest.mark.parametrize("target", sorted(set(re.findall(r"\bmake ([a-z][a-z0-9-]*)", README))))
def test_every_make_target_in_the_readme_exists(target: str) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"make {target} is not a target"


def test_every_config_key_in_the_readme_exists() -> None:
    keys = re.findall(r"^\| `([a-z_]+)\.([a-z_]+)`", README, re.MULTILINE)
    assert len(keys) > 10
    for section, key in keys:
        assert key in SECTIONS[section][1], f"{section}.{key} is in the README but not a setting"


def test_every_chat_command_in_the_readme_exists() -> None:
    # /newbot is BotFather's; /metrics, /healthz, /readyz are the ops server's HTTP paths
    names = set(re.findall(r"`/([a-z]+)", README)) - {"newbot", "metrics", "healthz", "readyz"}
    assert {"subscribe", "unsubscribe", "list", "recent", "pause", "resume", "feeds", "help"} <= names
    assert names <= set(COMMAND_NAMES), names - set(COMMAND_NAMES)
