"""Parsers of config values: each takes (value, key) and returns the typed value or raises ``ConfigError``
naming the key, the expected form and range, and what it got."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from bot.chat.language import parse_language_argument
from feeds.volume import VolumeError, parse_zone

Parser = Callable[[object, str], object]

DAY = 86400
MAX_INTERVAL = 30 * DAY
MAX_ID = 2**63 - 1
"""Telegram ids fit in 64 bits (the database column)."""
MAX_HEADER = 512

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


class ConfigError(Exception):
    """The configuration is unusable; the message names the key and the problem."""


def shown(value: object, limit: int = 40) -> str:
    """A value as an error message quotes it: its repr, shortened."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 feed``, ``2 feeds``, ``0 feeds`` (terminal lines in English; the chat uses its catalogs)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def describe_seconds(seconds: int) -> str:
    """``86400`` -> ``"1 day"``, ``7200`` -> ``"2 hours"``, ``90`` -> ``"90 seconds"``."""
    for size, unit in ((DAY, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            return counted(seconds // size, unit)
    raise AssertionError("unreachable: every whole number of seconds is a multiple of 1")


def parse_duration(value: object, key: str, *, low: int = 1, high: int = MAX_INTERVAL) -> int:
    """Integer seconds, or a string like ``"90s"``, ``"5m"``, ``"1h"``; from ``low`` to ``high`` seconds."""
    seconds: float
    if isinstance(value, bool):
        raise ConfigError(f'{key}: expected seconds or a duration like "5m", got {shown(value)}')
    if isinstance(value, int | float):
        seconds = value
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        unit = m.group(2).lower() if m.group(2) else None
        seconds = float(m.group(1)) * _UNIT_SECONDS[unit]
    else:
        raise ConfigError(f'{key}: expected seconds or a duration like "5m", got {shown(value)}')
    if not low <= seconds <= high:  # NaN compares false: refused too
        raise ConfigError(
            f"{key}: must be from {describe_seconds(low)} to {describe_seconds(high)}, got {shown(value)}"
        )
    return int(seconds)


def string(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {shown(value)}")
    return value.strip()


def optional_string(value: object, key: str) -> str | None:
    """A string; ``""`` means unset."""
    if value == "":
        return None
    return string(value, key)


def whole(low: int, high: int) -> Parser:
    """A parser of whole numbers from ``low`` to ``high``."""

    def parse(value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{key}: expected a whole number from {low} to {high}, got {shown(value)}")
        return value

    return parse


def positive(high: float) -> Parser:
    """A parser of numbers greater than 0 and at most ``high`` (NaN and infinity refused)."""

    def parse(value: object, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high:
            raise ConfigError(
                f"{key}: expected a number greater than 0 and at most {high:g}, got {shown(value)}"
            )
        return float(value)

    return parse


def duration(low: int, high: int) -> Parser:
    """A parser of durations (see ``parse_duration``) from ``low`` to ``high`` seconds."""
    return lambda value, key: parse_duration(value, key, low=low, high=high)


def hours(high: int) -> Parser:
    """A parser of durations up to ``high`` seconds, as whole hours (at least 1)."""
    return lambda value, key: max(1, parse_duration(value, key, high=high) // 3600)


def boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return value


def one_of(*choices: str) -> Parser:
    """A parser of one of ``choices`` (exact strings)."""
    expected = " or ".join(f'"{choice}"' for choice in choices)

    def parse(value: object, key: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ConfigError(f"{key}: expected {expected}, got {value!r}")
        return value

    return parse


def id_set(value: object, key: str) -> frozenset[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and -MAX_ID <= v <= MAX_ID for v in value
    ):
        raise ConfigError(
            f"{key}: expected a list of Telegram ids (whole numbers from {-MAX_ID} to {MAX_ID}), "
            f"got {shown(value)}"
        )
    return frozenset(value)


def port_set(value: object, key: str) -> frozenset[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65535 for v in value
    ):
        raise ConfigError(f"{key}: expected a list of port numbers from 1 to 65535, got {value!r}")
    return frozenset(value)


def http_url(value: object, key: str) -> str:
    url = string(value, key)
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad IPv6 literal or port
        valid = False
    if not valid or any(char.isspace() or not char.isprintable() for char in url):
        raise ConfigError(f"{key}: expected an http(s) URL, got {shown(url)}")
    return url


def header_value(value: object, key: str) -> str:
    """A string sent as an HTTP header: printable, one line, at most ``MAX_HEADER`` characters."""
    text = string(value, key)
    if len(text) > MAX_HEADER or not text.isprintable():
        raise ConfigError(
            f"{key}: expected one line of at most {MAX_HEADER} printable characters "
            f"(no line breaks or control characters), got {shown(text)}"
        )
    return text


def listen(value: object, key: str) -> tuple[str, int]:
    """``"host:port"`` (``"[::1]:9108"`` for IPv6); port 0 picks a free one (tests)."""
    text = string(value, key)
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f'{key}: expected "host:port" with a port 0-65535, got {text!r}')
    return host, int(port)


def networks(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f'{key}: expected a non-empty list of networks like "127.0.0.0/8", got {value!r}')
    found = []
    for entry in value:
        try:
            found.append(str(ipaddress.ip_network(str(entry), strict=False)))
        except ValueError:
            raise ConfigError(f'{key}: expected networks like "10.0.0.0/8" or "::1", got {entry!r}') from None
    return tuple(found)


def language(value: object, key: str) -> str:
    """One of the languages the bot speaks, as ``/lang`` takes it."""
    found = parse_language_argument(value) if isinstance(value, str) else None
    if found is None:
        raise ConfigError(f'{key}: expected "en", "zh-hans" or "zh-hant", got {value!r}')
    return found


def zone(value: object, key: str) -> str:
    """An IANA time zone name."""
    try:
        return parse_zone(string(value, key)).key
    except VolumeError as exc:
        raise ConfigError(f"{key}: {exc}") from None
