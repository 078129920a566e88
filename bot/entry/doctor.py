"""``wirewatch doctor``: check config, database, token, feeds and clock; a ✓/✗ table with a hint per problem.

Each check is a small function returning ``Check`` values. Nothing is written anywhere (no migration, no
feed state). No secret reaches the output: every text that comes from a library passes ``redact`` (the
token, and passwords in URLs; python-telegram-bot's ``InvalidToken`` message quotes the token itself).
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.chat.charts import find_cjk_font
from bot.chat.feed_report import ago, cells, pad
from bot.entry.runtime import fetch_limits
from bot.entry.translation import make_provider
from bot.offload import off_loop
from bot.settings import ConfigError, Settings, counted, defaults_notice, load_settings
from bot.tg.probe import TokenProbe, probe_token
from bot.translate.service import probe
from feeds.fetch import Fetcher, FetchResult
from feeds.models import FeedSpec, FeedState
from feeds.parse import FeedParseError, parse_feed
from storage.inspect import DatabaseStatus, inspect_database

Clock = Callable[[], datetime]
MAX_SKEW_SECONDS = 60.0
_URL_PASSWORD = re.compile(r"(?P<user>://[^:/@\s]*):[^@/\s]+@")


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    hint: str = ""


def redact(text: str, secrets: Sequence[str | None]) -> str:
    """``text`` without the secrets (and without passwords in URLs)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            _, _, tail = secret.partition(":")
            if len(tail) >= 8:
                text = text.replace(tail, "***")
    return _URL_PASSWORD.sub(r"\g<user>:***@", text)


def check_config(path: str | None, env: Mapping[str, str]) -> tuple[Check, Settings | None]:
    """Load every key of the config file (and the environment overrides)."""
    try:
        settings = load_settings(path, env)
    except ConfigError as exc:
        secret = env.get("WIREWATCH_TELEGRAM_TOKEN")
        hint = "fix that key (config.example.toml shows every setting with its default)"
        return Check("config", False, redact(str(exc), [secret]), hint), None
    detail = (
        defaults_notice(settings, path, env) or f"{settings.source}: {counted(len(settings.feeds), 'feed')}"
    )
    return Check("config", True, detail), settings


def check_database(settings: Settings) -> tuple[list[Check], DatabaseStatus | None]:
    """Reach the database read-only: size, and whether its schema is this version's."""
    url = settings.database.url
    shown = redact(make_url(url).render_as_string(hide_password=True), [])
    try:
        status = inspect_database(url)
    except FileNotFoundError:
        hint = "check database.url; `wirewatch poll --once` creates and migrates a new database"
        return [Check("database", False, f"{shown}: file does not exist", hint)], None
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        hint = "is the database server running and reachable? check database.url / $WIREWATCH_DATABASE_URL"
        return [Check("database", False, f"{shown}: {redact(reason, [url])}", hint)], None
    checks = [Check("database", True, f"{shown}, {status.size_bytes / 1e6:.1f} MB")]
    if status.version == status.latest:
        checks.append(Check("migrations", True, f"schema v{status.version} (current)"))
    elif status.version < status.latest:
        hint = "start Wirewatch once (`wirewatch poll --once` or `run`): it migrates at start"
        checks.append(
            Check("migrations", False, f"schema v{status.version}, this version needs v{status.latest}", hint)
        )
    else:
        hint = "the database was migrated by a newer Wirewatch: upgrade this installation"
        checks.append(
            Check("migrations", False, f"schema v{status.version} is newer than v{status.latest}", hint)
        )
    return checks, status


async def check_telegram(settings: Settings) -> list[Check]:
    """getMe and getWebhookInfo with the configured token and endpoint."""
    token = settings.telegram.token
    if not token:
        hint = "set $WIREWATCH_TELEGRAM_TOKEN (or telegram.token) to the token from @BotFather"
        return [Check("telegram token", False, "not set (required by `wirewatch run`)", hint)]
    probe = await probe_token(token, settings.telegram.api_base_url)
    if probe.refused:
        hint = "copy the token again from @BotFather (/mybots → API Token) into $WIREWATCH_TELEGRAM_TOKEN"
        return [Check("telegram token", False, "Telegram refuses this token", hint)]
    if probe.error is not None:
        detail = f"{settings.telegram.api_base_url} unreachable: {probe.error}"
        hint = "check the network or proxy, and telegram.api_base_url"
        return [Check("telegram token", False, redact(detail, [token]), hint)]
    checks = [Check("telegram token", True, f"@{probe.username} (id {probe.bot_id})")]
    checks.append(check_webhook(settings.telegram.webhook_url, probe, [token]))
    return checks


async def check_translator(settings: Settings) -> list[Check]:
    """One tiny translation by the ``[translate]`` provider (nothing without one)."""
    translate = settings.translate
    if translate.provider is None:
        return []
    provider = make_provider(translate)
    if provider is None:
        hint = "set $WIREWATCH_TRANSLATE_API_KEY (or translate.api_key)"
        return [Check("translator", False, f"{translate.provider}: no API key", hint)]
    failure = await probe(provider, translate.timeout_seconds)
    if failure is not None:
        hint = "check translate.url and the key; quota: wait for the provider's next period"
        return [Check("translator", False, f"{provider.name}: {failure}", hint)]
    return [Check("translator", True, f"{provider.name} answered")]


def check_webhook(configured: str | None, probe: TokenProbe, secrets: Sequence[str | None]) -> Check:
    """The webhook Telegram has against the mode the config asks for (long polling, or that webhook)."""
    name, pending = "telegram webhook", f"{probe.pending_updates} updates waiting"
    registered = probe.webhook_url
    where = redact(registered or "", secrets)
    if configured is None:
        if registered is None:
            return Check(name, True, f"none (long polling), {pending}")
        hint = (
            "another program (or Wirewatch in webhook mode) receives the updates; `wirewatch run` without "
            "telegram.webhook_url removes it and long-polls, or set telegram.webhook_url to serve it"
        )
        return Check(name, False, f"set to {where}", hint)
    if registered is None:
        detail = f"webhook mode, not registered yet (`wirewatch run` registers it), {pending}"
        return Check(name, True, detail)
    if registered != configured:
        hint = "another deployment registered its URL; `wirewatch run` registers telegram.webhook_url again"
        return Check(name, False, f"set to {where}, the config says {redact(configured, secrets)}", hint)
    if probe.webhook_error:
        hint = (
            "is `wirewatch run` serving it? check the reverse proxy and TLS, telegram.webhook_listen, and "
            "that every bot process has the same webhook_secret"
        )
        detail = f"set to {where}; Telegram's last delivery failed: {redact(probe.webhook_error, secrets)}"
        return Check(name, False, detail, hint)
    return Check(name, True, f"webhook mode, set to {where}, {pending}")


def _feed_hint(result: FetchResult) -> str:
    code = result.http_status or 0
    if code in (404, 410):
        return "the feed is gone: find its new address on the publisher's site and update [[feeds]] url"
    if code in (401, 403):
        return "the server refuses us: check the URL and polling.user_agent"
    if code >= 500:
        return "the publisher's server fails: try again later; Wirewatch retries with backoff"
    if "timeout" in (result.error or ""):
        return "no answer in time: check network and DNS, or raise polling.total_timeout"
    return "open the URL in a browser from this machine: network, DNS and TLS must work"


async def check_feed(
    fetcher: Fetcher, spec: FeedSpec, state: FeedState | None, clock: Clock
) -> tuple[Check, float | None]:
    """One conditional GET; returns the check and the clock skew seen in the answer's ``Date``."""
    etag, modified = (state.etag, state.last_modified) if state else (None, None)
    result = await fetcher.fetch(spec.url, etag, modified)
    now = clock()
    skew = _skew(result, now)
    last = f"last success {ago(state.last_success_at, now)}" if state else "not polled yet"
    name = f"feed {spec.name}"
    if result.status == "error":
        detail = f"{redact(result.error or 'failed', [])}; {last}"
        return Check(name, False, detail, _feed_hint(result)), skew
    if result.status == "not_modified":
        return Check(name, True, f"304 not modified; {last}"), skew
    try:
        entries = parse_feed(result.body, result.headers, result.final_url)
    except FeedParseError as exc:
        hint = "the URL serves no RSS or Atom feed: find the feed link on the publisher's site"
        return Check(name, False, f"200 but not a feed: {exc}; {last}", hint), skew
    return Check(name, True, f"200, {counted(len(entries), 'item')}; {last}"), skew


def _skew(result: FetchResult, now: datetime) -> float | None:
    """Our clock minus the server's ``Date`` (seconds), if it sent one."""
    try:
        server = parsedate_to_datetime(result.headers["date"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return (now - (server if server.tzinfo else server.replace(tzinfo=UTC))).total_seconds()


def check_clock(skews: Sequence[float]) -> Check:
    """The median skew against the feeds' ``Date`` headers."""
    if not skews:
        return Check("clock", True, "not measured: no feed answered with a Date header")
    skew = statistics.median(skews)
    detail = f"{skew:+.0f}s against {len(skews)} feed servers' clocks"
    if abs(skew) <= MAX_SKEW_SECONDS:
        return Check("clock", True, detail)
    hint = "this machine's clock is off: enable time sync (e.g. `timedatectl set-ntp true`)"
    return Check("clock", False, detail, hint)


def check_chart_font(find_font: Callable[[], str | None]) -> Check:
    """A CJK font for charts of Chinese, Japanese and Korean queries (else their lines are lettered)."""
    found = find_font()
    if found is not None:
        return Check("chart font", True, f"{found} (CJK)")
    hint = "install a CJK font: `sudo apt-get install fonts-noto-cjk` (Debian, Ubuntu), then restart"
    return Check(
        "chart font", False, "no CJK font: charts of 滨州 are lettered A, B…, their words English", hint
    )


async def run_checks(path: str | None, env: Mapping[str, str], clock: Clock) -> tuple[list[Check], list[str]]:
    """Every check in order, and the secrets the output must not show (after a bad config, nothing runs)."""
    config, settings = check_config(path, env)
    secrets = [env["WIREWATCH_TELEGRAM_TOKEN"]] if env.get("WIREWATCH_TELEGRAM_TOKEN") else []
    if settings is None:
        return [config], secrets
    secrets += [s for s in (settings.telegram.token, make_url(settings.database.url).password) if s]
    secrets += [settings.translate.api_key] if settings.translate.api_key else []
    database, status = await off_loop(check_database, settings)
    telegram = await check_telegram(settings)
    translator = await check_translator(settings)
    states = {f.name: f for f in status.feeds} if status else {}
    async with Fetcher(fetch_limits(settings)) as fetcher:
        feeds = await asyncio.gather(
            *(check_feed(fetcher, spec, states.get(spec.name), clock) for spec in settings.feeds)
        )
    skews = [skew for _, skew in feeds if skew is not None]
    font = await off_loop(check_chart_font, find_cjk_font)
    feed_checks = [check for check, _ in feeds]
    checks = [config, *database, *telegram, *translator, *feed_checks, check_clock(skews), font]
    return checks, secrets


def render(checks: Sequence[Check]) -> str:
    """The table: a ✓ or ✗, the name, the detail; the hint below each problem."""
    width = max(cells(c.name) for c in checks)  # feed names may be Chinese: two cells a character
    lines = []
    for check in checks:
        lines.append(f"{'✓' if check.ok else '✗'} {pad(check.name, width)}  {check.detail}")
        if not check.ok and check.hint:
            lines.append(f"  {' ' * width}  → {check.hint}")
    failed = sum(1 for c in checks if not c.ok)
    lines.append("")
    lines.append(
        f"{failed} of {len(checks)} checks failed." if failed else f"All {len(checks)} checks passed."
    )
    return "\n".join(lines)


def run_doctor(
    path: str | None,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    out: TextIO | None = None,
) -> int:
    """Run every check, print the table; 0 when all pass, 1 otherwise."""
    env = os.environ if env is None else env
    checks, secrets = asyncio.run(run_checks(path, env, clock or (lambda: datetime.now(UTC))))
    print(redact(render(checks), secrets), file=out or sys.stdout)
    return 0 if all(c.ok for c in checks) else 1
