"""``wirewatch console --lang`` and ``wirewatch demo --lang``, run as a user runs them (real processes)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.test_cli import wirewatch
from tests.e2e.test_console import Terminal
from tests.feed_server import FeedServer
from tests.releases import RELEASE, rss

DEMO = [
    pytest.param(
        "zh-hans",
        ["=== 1. 一个聊天添加订阅 ===", "已订阅 #1：Binzhou", "另见于：", "匹配：Binzhou", "*订阅（2）*"],
        "演示结束：已送达 5 条提醒和 1 份摘要",
        id="zh-hans",
    ),
    pytest.param(
        "ZH_Hant",
        [
            "=== 1. 一個聊天新增訂閱 ===",
            "已訂閱 #1：Binzhou",
            "另見於：",
            "符合：Binzhou",
            "── 傳給主控台聊天 ──",
        ],
        "示範結束：已送達 5 則提醒和 1 份摘要",
        id="zh-hant",
    ),
    pytest.param(
        "en",
        ["=== 1. A chat subscribes ===", "Subscribed #1: Binzhou", "also on:"],
        "Demo finished: 5 alerts",
        id="en",
    ),
]


@pytest.mark.parametrize(("lang", "shown", "finished"), DEMO)
def test_demo_in_a_language(tmp_path: Path, lang: str, shown: list[str], finished: str) -> None:
    done = wirewatch("demo", "--lang", lang, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for text in shown:
        assert text in done.stdout, text
    assert finished in done.stdout.splitlines()[-1]
    assert "滨州黄河绿色铝产业园开园" in done.stdout, "content must never be translated"


@pytest.mark.parametrize("command", ["demo", "console"])
def test_an_unknown_language_is_one_clear_error(tmp_path: Path, command: str) -> None:
    done = wirewatch(command, "--lang", "fr", cwd=tmp_path)
    assert done.returncode == 2
    assert "expected en, zh-hans or zh-hant, got 'fr'" in done.stderr
    assert "Traceback" not in done.stderr


def wait_for_polls(feeds: FeedServer, path: str, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while len(feeds.requests_for(path)) < count:
        assert time.monotonic() < deadline, f"{path} was polled fewer than {count} times"
        time.sleep(0.05)


def test_console_in_simplified_chinese_with_live_alerts(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add("/a.xml", rss([("a-1", "Unrelated biotech news", "A drug met its endpoint.")]))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "console.db"}"\n[polling]\ntick = 1\n'
        f'[[feeds]]\nname = "Wire A"\nurl = "{feed_server.url("/a.xml")}"\ninterval = 1\n'
    )
    terminal = Terminal(config, "--lang", "zh-hans")
    try:
        terminal.expect("Wirewatch 控制台：1 个信息源")
        terminal.expect("输入 /help 查看命令")
        terminal.type("/help")
        terminal.expect("查询语法")
        terminal.type("/subscribe Binzhou OR")
        terminal.expect("这个查询无法使用：“OR”两边都需要有词。")
        terminal.type("/subscribe Binzhou")
        terminal.expect("已订阅 #1：Binzhou")
        wait_for_polls(feed_server, "/a.xml", 2)  # a feed's first poll never alerts: publish after it
        feed_server.add("/a.xml", rss([("a-1", "Unrelated", "x"), ("a-2", *RELEASE)]))
        screen = terminal.expect("匹配：Binzhou")
        assert "── 发给您（提醒）──" in screen and f"*{RELEASE[0]}" in screen
        terminal.type("/lang en")
        terminal.expect("This chat's language is now English.")
        terminal.type("/quit")
        assert terminal.proc.wait(timeout=15) == 0
    finally:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
            terminal.proc.wait()
    # the choice is the console chat's own: a later console without --lang keeps what /lang chose last
    again = wirewatch("console", "--config", str(config), stdin="/list\n/quit\n", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Wirewatch console: 1 feed," in again.stdout and "Subscriptions (1)" in again.stdout
