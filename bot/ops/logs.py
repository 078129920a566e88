"""Logging setup of the CLI: human-readable or JSON lines, and secrets redacted from every record.

The ``RedactingFilter`` sits on the root handler, so it sees every record that is written, also those of
python-telegram-bot, httpx and aiohttp (whose DEBUG lines hold request URLs with ``bot<token>`` in them):
it redacts the formatted message, its arguments and the exception text (tracebacks) before any formatter
runs, and the formatters redact their output once more.

Logs are data, not text: a value may hold anything a chat sent (button data, a query). The text formatter
escapes control characters (``\n``, ``\r``, ``\x1b``, NEL, U+2028, bidi controls …) in every field, so one
record is one line; a traceback keeps its lines, each indented, so no line of it reads as a record of its
own. The JSON formatter's lines are JSON (``json.dumps`` escapes C0 controls) with the separators Unicode
knows beyond those (NEL, U+2028, U+2029) escaped as well.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import quote

REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
FORMATS = ("text", "json")

# a Bot API token anywhere (digits, colon, 30+ token characters), and the ``/bot<token>/`` path form
_TOKEN_SHAPE = re.compile(r"\b\d{3,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
_BOT_PATH = re.compile(r"(/bot)\d+(?::|%3[Aa])[^/\s\"'?#]+")
_EVENT = re.compile(r"[a-z][a-z0-9_.]*")
_FIELD = re.compile(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_.]*)=")
_RESERVED = frozenset({"time", "level", "logger", "event", "exc", "stack"})
# C0 and C1 controls, DEL, the line and paragraph separators, bidi embeddings, overrides and isolates
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_JSON_BREAKS = re.compile("[\x85\u2028\u2029]")
TRACEBACK_INDENT = "    "


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``, ``\\u2028``)."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


class Redactor:
    """Replaces known secrets and token-shaped strings with ``[redacted]``; masks URL passwords (``***``)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= 4:
                forms.update({secret, quote(secret, safe=""), quote(secret, safe="").lower()})
        ordered = sorted(forms, key=len, reverse=True)
        self._known = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._known is not None:
            text = self._known.sub(REDACTED, text)
        text = _BOT_PATH.sub(rf"\1{REDACTED}", text)
        text = _TOKEN_SHAPE.sub(REDACTED, text)
        from feeds.urls import mask_urls_in  # here, not at the top: `wirewatch match` starts without yarl

        return mask_urls_in(text)


class RedactingFilter(logging.Filter):
    """Redacts a record in place: the message with its args, the exception text and the stack."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class TextFormatter(logging.Formatter):
    """The human-readable line (the default): control characters escaped, redacted once more; a traceback
    or stack follows on indented lines."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        lines = [escape_controls(self.formatMessage(record))]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for block in (record.exc_text, record.stack_info):
            if block:
                lines.extend(
                    TRACEBACK_INDENT + escape_controls(line) for line in block.rstrip("\n").split("\n")
                )
        return self.redact("\n".join(lines))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, the key=value context as fields, exc."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        event, fields = parse_event(self.redact(record.getMessage()))
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": event,
        }
        out.update({key if key not in _RESERVED else f"field_{key}": value for key, value in fields.items()})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = self.redact(record.exc_text)
        if record.stack_info:
            out["stack"] = self.redact(record.stack_info)
        return _JSON_BREAKS.sub(_escape_json, json.dumps(out, ensure_ascii=False, default=str))


def _escape_json(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def parse_event(message: str) -> tuple[str, dict[str, object]]:
    """``"feed_polled feed=Wire A new=2"`` → ``("feed_polled", {"feed": "Wire A", "new": 2})``.

    Only messages in Wirewatch's style (an event name first) are split; others are the event whole."""
    first = message.split(" ", 1)[0]
    matches = list(_FIELD.finditer(message))
    if not _EVENT.fullmatch(first) or not matches or message[: matches[0].start()].strip() != first:
        return message, {}
    fields: dict[str, object] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(message)
        fields[match.group(1)] = _value(message[match.end() : end].strip())
    return first, fields


def _value(text: str) -> object:
    if re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


_installed: logging.Handler | None = None
_redact = Redactor()


def setup_logging(
    level: int, fmt: str = "text", secrets: Iterable[str | None] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Install the one root handler (replacing an earlier one of ours) with redaction and the format."""
    global _installed, _redact
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, got {fmt!r}")
    _redact = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(_redact) if fmt == "json" else TextFormatter(_redact))
    handler.addFilter(RedactingFilter(_redact))
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # warnings go through the handler too, redacted
    _installed = handler
    return handler


def redact(text: str) -> str:
    """Redact with the secrets of the installed setup (for messages printed outside logging)."""
    return _redact(text)
