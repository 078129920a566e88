"""Logs are data, not text: a chat cannot forge a log line. Control characters in any value are escaped by
the text formatter (one record, one line; a traceback's lines indented) and JSON lines stay JSON."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.chat.service import ChatContext, ChatService
from bot.ops.logs import escape_controls, setup_logging
from bot.pipeline.match import MatchService
from feeds.models import ChatKind
from storage.store import Store

FORGED = "m:1\nfake_log_line level=ERROR"
CHAT = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)


@pytest.fixture(params=["text", "json"])
def log_stream(request: pytest.FixtureRequest) -> Iterator[tuple[str, io.StringIO]]:
    stream = io.StringIO()
    handler = setup_logging(logging.INFO, request.param, stream=stream)
    try:
        yield request.param, stream
    finally:
        logging.getLogger().removeHandler(handler)


def records(fmt: str, stream: io.StringIO) -> list[str]:
    """The lines written; each must be one whole record (JSON: an object)."""
    lines = stream.getvalue().splitlines()
    if fmt == "json":
        assert all(isinstance(json.loads(line), dict) for line in lines)
    return lines


async def test_forged_button_data_is_one_escaped_log_line(
    store: Store, log_stream: tuple[str, io.StringIO]
) -> None:
    fmt, stream = log_stream
    service = ChatService(store, MatchService(store))
    answer = await service.callback(CHAT, FORGED)
    assert "no longer valid" in answer.notice
    lines = [line for line in records(fmt, stream) if "button_stale" in line]
    assert len(lines) == 1
    assert not any(line.startswith("fake_log_line") for line in stream.getvalue().splitlines())
    if fmt == "text":
        assert (
            " INFO bot.chat.alert_actions button_stale chat=1001 data=m:1\\nfake_log_line level=ERROR"
            in lines[0]
        )
    else:
        record = json.loads(lines[0])
        assert (record["level"], record["data"]) == ("INFO", "m:1\nfake_log_line")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a\nb", "a\\nb"),
        ("a\rb", "a\\rb"),
        ("a\r\nb", "a\\r\\nb"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\x00b\x7fc", "a\\x00b\\x7fc"),
        ("next\x85line", "next\\x85line"),
        ("line\u2028sep\u2029par", "line\\u2028sep\\u2029par"),
        ("\u202eevil\u2066", "\\u202eevil\\u2066"),
        ("tab\there", "tab\\there"),
        ("plain 中文 ✓", "plain 中文 ✓"),
    ],
    ids=["lf", "cr", "crlf", "esc", "nul-del", "nel", "separators", "bidi", "tab", "plain"],
)
def test_every_control_character_is_escaped(
    raw: str, escaped: str, log_stream: tuple[str, io.StringIO]
) -> None:
    fmt, stream = log_stream
    assert escape_controls(raw) == escaped
    logging.getLogger("wirewatch.test").warning("query_seen text=%s", raw)
    (line,) = records(fmt, stream)
    if fmt == "text":
        assert line.endswith(f"query_seen text={escaped}")
    else:
        assert json.loads(line)["text"] == raw.strip()


def test_a_traceback_keeps_its_lines_indented(log_stream: tuple[str, io.StringIO]) -> None:
    fmt, stream = log_stream
    try:
        raise ValueError("bad\nfake_log_line level=ERROR\x1b[0m")
    except ValueError:
        logging.getLogger("wirewatch.test").exception("handler_failed update=%s", 7)
    lines = records(fmt, stream)
    if fmt == "json":
        assert len(lines) == 1 and "fake_log_line" in json.loads(lines[0])["exc"]
        return
    first, *rest = lines
    assert first.endswith("ERROR wirewatch.test handler_failed update=7")
    assert rest and all(line.startswith("    ") for line in rest)
    assert "    fake_log_line level=ERROR\\x1b[0m" in rest
