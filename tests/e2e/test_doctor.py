"""``wirewatch doctor`` against real parts: fake Telegram, a loopback feed server, SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.entry.doctor import redact, run_doctor
from feeds.models import FeedSpec
from storage.store import Store
from tests.e2e.test_cli import FEED, wirewatch
from tests.fake_telegram import FakeTelegram, WebhookRegistration
from tests.feed_server import FeedServer

BAD_TOKEN = "987654:SECRET-doctor-token-never-shown"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.accepted_tokens = {FakeTelegram.token}
        yield fake


@pytest.fixture
def setup(tmp_path: Path, feed_server: FeedServer, telegram: FakeTelegram) -> dict[str, str]:
    """The parts of a good config: a migrated SQLite database, a working feed, the fake Telegram."""
    feed_server.add("/good.xml", FEED, etag='"v1"')
    feed_server.add("/broken.xml", b"oops", status=500)
    feed_server.add("/page.html", b"<html><body>not a feed</body></html>", content_type="text/html")
    db = f"sqlite:///{tmp_path / 'doctor.db'}"
    Store.open(db).close()
    return {
        "db": db,
        "token": FakeTelegram.token,
        "api": telegram.base_url,
        "feed": f'[[feeds]]\nname = "Good Wire"\nurl = "{feed_server.url("/good.xml")}"\n',
    }


def write_config(tmp_path: Path, setup: dict[str, str], **changes: str) -> str:
    parts = {**setup, **changes}
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{parts["db"]}"\n'
        f'[telegram]\ntoken = "{parts["token"]}"\napi_base_url = "{parts["api"]}"\n'
        f"{parts.get('telegram_extra', '')}\n{parts['feed']}"
    )
    return str(path)


def doctor(config: str, clock: datetime | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = run_doctor(config, env={}, clock=(lambda: clock) if clock else None, out=out)
    return code, out.getvalue()


def rows(output: str) -> dict[str, str]:
    """Check name → its line (and hint line), from the table."""
    found: dict[str, str] = {}
    last = ""
    for line in output.splitlines():
        if line[:1] in "✓✗" and line.strip():
            last = line[2:].split("  ")[0].strip()
            found[last] = line
        elif "→" in line and last:
            found[last] += "\n" + line
    return found


def test_a_good_setup_passes(tmp_path: Path, setup: dict[str, str]) -> None:
    code, output = doctor(write_config(tmp_path, setup))
    table = rows(output)
    assert code == 0, output
    assert list(table) == [
        "config",
        "database",
        "migrations",
        "telegram token",
        "telegram webhook",
        "feed Good Wire",
        "clock",
        "chart font",
    ]
    assert all(line.startswith("✓") for line in table.values())
    assert "@wirewatch_test_bot" in table["telegram token"]
    assert "200, 2 items; not polled yet" in table["feed Good Wire"]
    assert "Noto Sans CJK" in table["chart font"]  # .ci/run installs fonts-noto-cjk
    assert "All 8 checks passed." in output


PROBLEMS = [
    pytest.param(
        {"token": BAD_TOKEN}, "telegram token", "Telegram refuses this token", "@BotFather", id="bad-token"
    ),
    pytest.param({"token": ""}, "telegram token", "not set", "WIREWATCH_TELEGRAM_TOKEN", id="no-token"),
    pytest.param(
        {"db": "postgresql+psycopg://postgres:hunter2pass@127.0.0.1:1/x"},
        "database",
        "127.0.0.1:1",
        "is the database server running",
        id="database-unreachable",
    ),
    pytest.param(
        {"db": "sqlite:////nonexistent-dir/wirewatch.db"},
        "database",
        "file does not exist",
        "poll --once",
        id="database-missing",
    ),
    pytest.param(
        {"feed": "BROKEN"}, "feed Broken Wire", "HTTP 500", "publisher's server fails", id="feed-500"
    ),
    pytest.param({"feed": "PAGE"}, "feed Web Page", "not a feed", "no RSS or Atom", id="feed-not-a-feed"),
    pytest.param({"api": "http://127.0.0.1:1/bot"}, "telegram token", "unreachable", "network", id="tg-down"),
]


@pytest.mark.parametrize(("changes", "check", "detail", "hint"), PROBLEMS)
def test_each_problem_fails_with_its_hint(
    tmp_path: Path,
    setup: dict[str, str],
    feed_server: FeedServer,
    changes: dict[str, str],
    check: str,
    detail: str,
    hint: str,
) -> None:
    feeds = {
        "BROKEN": f'[[feeds]]\nname = "Broken Wire"\nurl = "{feed_server.url("/broken.xml")}"\n',
        "PAGE": f'[[feeds]]\nname = "Web Page"\nurl = "{feed_server.url("/page.html")}"\n',
    }
    if "feed" in changes:
        changes = {"feed": setup["feed"] + feeds[changes["feed"]]}
    code, output = doctor(write_config(tmp_path, setup, **changes))
    table = rows(output)
    assert code == 1, output
    assert table[check].startswith("✗") and detail in table[check] and hint in table[check], output
    assert [name for name, line in table.items() if line.startswith("✗")] == [check], output
    assert BAD_TOKEN not in output and "hunter2pass" not in output and "SECRET" not in output


def test_a_bad_config_is_one_failed_row(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[polling]\ninterval = "soon"\n')
    code, output = doctor(str(path))
    assert code == 1
    assert (
        output.startswith("✗ config  polling.interval: expected seconds") and "config.example.toml" in output
    )


@pytest.mark.parametrize(
    ("offset", "ok"),
    [(timedelta(0), True), (timedelta(minutes=10), False), (timedelta(minutes=-10), False)],
    ids=["in-sync", "ahead", "behind"],
)
def test_clock_skew_against_the_feeds_date_headers(
    tmp_path: Path, setup: dict[str, str], offset: timedelta, ok: bool
) -> None:
    code, output = doctor(write_config(tmp_path, setup), clock=datetime.now(UTC) + offset)
    line = rows(output)["clock"]
    assert line.startswith("✓" if ok else "✗"), output
    assert ("timedatectl" in line) is not ok
    assert code == (0 if ok else 1)


def test_feed_state_comes_from_the_database(
    tmp_path: Path, setup: dict[str, str], feed_server: FeedServer
) -> None:
    store = Store.open(setup["db"])
    try:
        (feed,) = store.sync_feeds(
            [FeedSpec("Good Wire", feed_server.url("/good.xml"), 60)], datetime.now(UTC)
        )
        at = datetime.now(UTC) - timedelta(hours=2)
        store.record_fetch_success(feed.id, at=at, next_poll_at=at, etag='"v1"', last_modified=None)
    finally:
        store.close()
    code, output = doctor(write_config(tmp_path, setup))
    assert code == 0
    assert "304 not modified; last success 2h ago" in rows(output)["feed Good Wire"]
    assert feed_server.requests_for("/good.xml")[-1].headers["if-none-match"] == '"v1"'


def test_the_cli_never_shows_the_token(tmp_path: Path, setup: dict[str, str]) -> None:
    done = wirewatch("doctor", "--config", write_config(tmp_path, setup, token=BAD_TOKEN))
    assert done.returncode == 1
    assert "✗ telegram token" in done.stdout
    assert "SECRET" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The token `987654:SECRET-doctor-token-never-shown` was rejected", "The token `***` was rejected"),
        ("GET /bot987654:SECRET-doctor-token-never-shown/getMe", "GET /bot***/getMe"),
        ("only SECRET-doctor-token-never-shown here", "only *** here"),
        ("postgresql://wire:pa55@db:5432/x failed", "postgresql://wire:***@db:5432/x failed"),
    ],
    ids=["ptb-message", "url-path", "secret-part", "url-password"],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text, [BAD_TOKEN]) == expected


HOOK = "https://bot.example.com/tg/hook"
WEBHOOK_STATES = [
    # (id, webhook_url in the config, URL Telegram has, Telegram's last error, ok, in the line)
    ("polling, none set", None, None, None, True, "none (long polling)"),
    ("polling, one set", None, HOOK, None, False, "without telegram.webhook_url removes it"),
    ("webhook, not yet set", HOOK, None, None, True, "not registered yet"),
    ("webhook, set", HOOK, HOOK, None, True, f"webhook mode, set to {HOOK}"),
    ("webhook, another set", HOOK, "https://old.example.com/x", None, False, "the config says"),
    ("webhook, failing", HOOK, HOOK, "Wrong response from the webhook: 403 Forbidden", False, "403 Forbid"),
]


@pytest.mark.parametrize(
    ("configured", "registered", "error", "ok", "shown"),
    [c[1:] for c in WEBHOOK_STATES],
    ids=[c[0] for c in WEBHOOK_STATES],
)
def test_the_webhook_row_follows_the_configured_mode(
    tmp_path: Path,
    setup: dict[str, str],
    telegram: FakeTelegram,
    configured: str | None,
    registered: str | None,
    error: str | None,
    ok: bool,
    shown: str,
) -> None:
    if registered is not None:
        telegram.webhook = WebhookRegistration(registered, "hook-secret-never-shown", None, False)
    telegram.webhook_error = error
    extra = f'webhook_url = "{configured}"\nwebhook_secret = "hook-secret-never-shown"' if configured else ""
    code, output = doctor(write_config(tmp_path, setup, telegram_extra=extra))
    line = rows(output)["telegram webhook"]
    assert line.startswith("✓" if ok else "✗") and shown in line, output
    assert code == (0 if ok else 1), output
    assert "hook-secret-never-shown" not in output
