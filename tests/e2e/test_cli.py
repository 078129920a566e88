"""The command line, run as a user runs it: a real process, a real config file, a loopback feed server."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from bot.entry.match_command import PROMPT
from tests.feed_server import FeedServer

ROOT = Path(__file__).resolve().parents[2]
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Binzhou opens aluminum park</title><link>https://wire.example.com/1</link><guid>g1</guid>
<description>BINZHOU, China, Nov. 26, 2026 /Xinhua-AsiaNet/ -- The city opened a park.</description></item>
<item><title>Coalition talks resume</title><link>https://wire.example.com/2</link><guid>g2</guid>
<description>Parties met in the capital.</description></item>
</channel></rss>"""


def wirewatch(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=cwd or ROOT,
    )


@pytest.fixture
def config(tmp_path: Path, feed_server: FeedServer) -> Path:
    feed_server.add("/good.xml", FEED)
    feed_server.add("/broken.xml", b"oops", status=500)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n'
        f'[[feeds]]\nname = "Good Wire"\nurl = "{feed_server.url("/good.xml")}"\n'
        f'[[feeds]]\nname = "Broken Wire"\nurl = "{feed_server.url("/broken.xml")}"\n'
    )
    return path


def test_poll_once_reports_each_feed_and_exits_0_despite_failures(config: Path) -> None:
    done = wirewatch("poll", "--once", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "Good Wire: ok (2 new" in done.stdout
    assert "Broken Wire: error" in done.stdout
    assert "FEED" in done.stdout and "STATUS" in done.stdout and "NEW" in done.stdout
    assert "2 feeds, 1 failed, 2 new items" in done.stdout
    again = wirewatch("poll", "--once", "--config", str(config))
    assert "0 new items" in again.stdout


def test_feeds_shows_health(config: Path) -> None:
    wirewatch("poll", "--once", "--config", str(config))
    done = wirewatch("feeds", "--config", str(config))
    assert done.returncode == 0
    lines = {line.split("  ")[0]: line for line in done.stdout.splitlines()}
    assert "ok" in lines["Good Wire"]
    assert "failing" in lines["Broken Wire"] and "500" in lines["Broken Wire"]


def test_recent_with_and_without_query(config: Path) -> None:
    wirewatch("poll", "--once", "--config", str(config))
    everything = wirewatch("recent", "--config", str(config))
    assert "Binzhou opens aluminum park" in everything.stdout and "Coalition talks" in everything.stdout
    only = wirewatch("recent", "binzhou", "--limit", "5", "--days", "30", "--config", str(config))
    assert "Binzhou opens" in only.stdout and "Coalition" not in only.stdout
    assert "No items matching" in wirewatch("recent", "coal", "--config", str(config)).stdout
    bad = wirewatch("recent", '"unclosed', "--config", str(config))
    assert bad.returncode == 2 and "unclosed quote" in bad.stderr


@pytest.mark.parametrize(
    ("args", "body", "code"),
    [
        (["coal"], "The coal-fired plant closes.", 0),
        (["coal"], "The coalition holds.", 1),
        (["滨州"], "山东省滨州市坚持工业立市", 0),
        (["Binzhou", "--title", "Binzhou news"], "nothing here", 0),
        (["title:Binzhou"], "Binzhou in the body only", 1),
        (["Shandong -aluminum"], "Shandong aluminum exports rise", 1),
        (['"Weiqiao'], "anything", 2),
        (["-sports"], "anything", 2),
        (["coal", "-sports"], "coal news, sports", 1),
        (["coal", "-sports"], "coal news", 0),
    ],
    ids=[
        "word",
        "not-inside-word",
        "cjk",
        "title-arg",
        "title-field",
        "exclusion",
        "unclosed",
        "only-negative",
        "unquoted-exclusion-hit",
        "unquoted-exclusion-miss",
    ],
)
def test_match_exit_codes(args: list[str], body: str, code: int) -> None:
    done = wirewatch("match", *args, stdin=body)
    assert done.returncode == code, done.stderr
    if code == 2:
        assert done.stderr.startswith("wirewatch: bad query: ") and "Traceback" not in done.stderr
        assert done.stdout == ""
    else:
        assert done.stdout == ("match\n" if code == 0 else "no match\n")


def test_match_explain_says_what_matched_where() -> None:
    done = wirewatch("match", "coal OR gas", "--explain", stdin="Coal-fired plant")
    assert done.returncode == 0
    assert done.stdout.splitlines()[1] == "match"
    assert "matched 'coal' in body at 0-4" in done.stdout


def test_match_prompts_on_a_terminal_only() -> None:
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    with subprocess.Popen(
        [sys.executable, "-m", "bot.entry.cli", "match", "coal"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        text=True,
    ) as process:
        os.close(terminal)
        os.write(controller, b"coal mine\n\x04")
        out, err = process.communicate(timeout=60)
    os.close(controller)
    assert (process.returncode, out) == (0, "match\n")
    assert err.strip() == PROMPT
    assert wirewatch("match", "coal", stdin="coal").stderr == ""  # a pipe gets no prompt


def test_match_imports_no_database_network_or_telegram_library() -> None:
    """What keeps ``wirewatch match`` starting fast: nothing heavy is imported (README: ≤ 0.8 s)."""
    probe = (
        "import sys; from bot.entry.cli import main; code = main(['match', 'coal']); "
        "heavy = ('aiohttp', 'yarl', 'sqlalchemy', 'telegram', 'babel'); "
        "print(code, sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], input="coal", capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[polling]\ninterval = 'soon'\n")
    done = wirewatch("feeds", "--config", str(path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "wirewatch: config error: polling.interval: expected seconds or a duration like \"5m\", got 'soon'"
    ]


def test_unreachable_database_is_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "postgresql+psycopg://nobody@127.0.0.1:9/none"\n')
    done = wirewatch("poll", "--once", "--config", str(path))
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("wirewatch: database unavailable:") and "Traceback" not in done.stderr


def test_unsupported_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "mysql://root@127.0.0.1/test"\n')
    done = wirewatch("feeds", "--config", str(path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("wirewatch: config error: database.url: unsupported database 'mysql'")


def test_trend_writes_the_chart_and_prints_the_caption(config: Path, tmp_path: Path) -> None:
    wirewatch("poll", "--once", "--config", str(config))
    out = tmp_path / "binzhou.png"
    done = wirewatch("trend", "binzhou", "-coalition", "--days", "7", "-o", str(out), "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert f"chart: {out}" in done.stdout and "last 7 days" in done.stdout and "1 story" in done.stdout
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) < 200_000
    nothing = wirewatch("trend", "zzzunknown", "--config", str(config))
    assert nothing.returncode == 0 and "no chart" in nothing.stdout
    assert wirewatch("trend", "binzhou", "--days", "400", "--config", str(config)).returncode == 2
    assert wirewatch("trend", '"unclosed', "--config", str(config)).returncode == 2


@pytest.mark.parametrize(
    ("args", "stdin"), [(["poll", "--once"], ""), (["console"], "/quit\n"), (["doctor"], "")], ids=str
)
def test_without_a_config_file_one_line_says_defaults_are_used(
    tmp_path: Path, args: list[str], stdin: str
) -> None:
    done = wirewatch(*args, stdin=stdin, cwd=tmp_path)
    notice = "no config file at ./config.toml: using defaults, 0 feeds"
    assert "Traceback" not in done.stderr
    assert (done.stdout + done.stderr).count(notice) == 1, done.stdout + done.stderr


def test_a_config_file_brings_no_defaults_line(config: Path) -> None:
    done = wirewatch("feeds", "--config", str(config))
    assert "using defaults" not in done.stdout + done.stderr
