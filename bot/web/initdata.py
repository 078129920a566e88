"""Telegram Mini App init data, validated as Telegram documents it (core.telegram.org/bots/webapps):
``secret = HMAC_SHA256(key="WebAppData", msg=bot_token)``; the hex HMAC of the sorted ``key=value`` lines
of every field but ``hash`` must equal ``hash`` (compared in constant time); ``auth_date`` must be fresh.
The raw string is checked before anything in it is trusted."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_INIT_DATA = 4096


class InitDataError(Exception):
    """Init data that is missing, forged or stale (the reason is for logs, never the token)."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """Who opened the page: Telegram's user id and language; the private chat with the bot has the same id."""

    id: int
    language_code: str | None
    first_name: str


def data_check_string(fields: dict[str, str]) -> str:
    """Every field but ``hash``, as ``key=value`` lines sorted by key."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], token: str) -> str:
    """The hex ``hash`` Telegram puts on these fields for this bot token."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def validate_init_data(raw: str, token: str, max_age: timedelta, now: datetime) -> WebAppUser:
    """The user of genuine, fresh init data; ``InitDataError`` otherwise."""
    if not raw or len(raw) > MAX_INIT_DATA:
        raise InitDataError("missing or too long")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, max_num_fields=32)
    except ValueError as exc:
        raise InitDataError("not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:
        raise InitDataError("no hash or a repeated field")
    if not hmac.compare_digest(sign(fields, token), fields["hash"]):
        raise InitDataError("bad hash")
    auth_date = fields.get("auth_date", "")
    if not auth_date.isdecimal():
        raise InitDataError("no auth_date")
    age = now.timestamp() - int(auth_date)
    if age > max_age.total_seconds() or age < -300:
        raise InitDataError("stale auth_date")
    return _user(fields.get("user", ""))


def _user(text: str) -> WebAppUser:
    try:
        user = json.loads(text)
        ident = user["id"]
    except (ValueError, TypeError, KeyError) as exc:
        raise InitDataError("no user") from exc
    if not isinstance(ident, int) or isinstance(ident, bool) or ident <= 0:
        raise InitDataError("bad user id")
    language = user.get("language_code")
    return WebAppUser(ident, language if isinstance(language, str) else None, str(user.get("first_name", "")))
