"""Log redaction and formats: the filter on real records and tracebacks, JSON lines, key=value parsing."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.ops.logs import REDACTED, Redactor, parse_event, setup_logging

TOKEN = "7012345678:AAHxQ-ExampleTokenPart_abcdefghijklmno"
SHORT_TOKEN = "123456:TEST"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root handler of ``setup_logging`` writing into a buffer; removed afterwards."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = setup_logging(logging.DEBUG, "text", [TOKEN, SHORT_TOKEN, None], stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {TOKEN} here", f"token {REDACTED} here"),
        (f"POST http://127.0.0.1:80/bot{TOKEN}/getMe", f"POST http://127.0.0.1:80/bot{REDACTED}/getMe"),
        (f"/bot{SHORT_TOKEN}/getUpdates", f"/bot{REDACTED}/getUpdates"),
        ("/bot123456%3ATEST/getUpdates", f"/bot{REDACTED}/getUpdates"),
        ("/bot99:otherTOKEN/sendMessage", f"/bot{REDACTED}/sendMessage"),
        ("an unknown 5555555:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", f"an unknown {REDACTED}"),
        ("postgresql+psycopg://ww:hunter2@db:5432/x", "postgresql+psycopg://ww:***@db:5432/x"),
        ("http://host:8080/path@x and bottle/", "http://host:8080/path@x and bottle/"),
    ],
    ids=[
        "known",
        "url",
        "short-known",
        "percent-encoded",
        "unknown-bot-path",
        "token-shape",
        "url-password",
        "innocent",
    ],
)
def test_redactor(text: str, expected: str) -> None:
    assert Redactor([TOKEN, SHORT_TOKEN])(text) == expected


@pytest.fixture(autouse=True)
def _loggers_at_default_levels() -> Iterator[None]:
    """The CLI quiets some libraries' loggers in-process (other tests run ``main()``): undo it here."""
    names = ("httpx", "apscheduler", "telegram.ext.Application", "bot.entry.roles", "bot.pipeline.ingest")
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_message_args_and_traceback_are_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("httpx")
    log.debug("HTTP Request: %s %s", "POST", f"http://127.0.0.1/bot{TOKEN}/getMe")
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getUpdates")
    except ConnectionError:
        logging.getLogger("telegram.ext.Updater").exception("network_loop_failed token=%s", TOKEN)
    output = captured.getvalue()
    assert TOKEN not in output and SHORT_TOKEN not in output
    assert "Traceback (most recent call last)" in output and "ConnectionError" in output
    assert output.count(REDACTED) >= 3


def test_records_with_exc_text_already_set_and_bad_format_strings(captured: io.StringIO) -> None:
    record = logging.LogRecord("aiohttp.client", logging.DEBUG, __file__, 1, "oops %d", (TOKEN,), None)
    record.exc_text = f"Traceback: bot{TOKEN}"
    logging.getLogger().handle(record)
    assert TOKEN not in captured.getvalue()


def test_warnings_go_through_the_handler(captured: io.StringIO) -> None:
    import warnings

    warnings.warn(f"deprecated call with {TOKEN}", UserWarning, stacklevel=1)
    assert "deprecated call" in captured.getvalue() and TOKEN not in captured.getvalue()


def test_json_lines() -> None:
    stream = io.StringIO()
    handler = setup_logging(logging.INFO, "json", [TOKEN], stream=stream)
    try:
        logging.getLogger("bot.pipeline.ingest").info(
            "feed_polled feed=%s entries=%d new=%d", "Wire A", 12, 3
        )
        logging.getLogger("httpx").info("HTTP Request: POST http://x/bot%s/getMe", TOKEN)
        try:
            raise ZeroDivisionError("division by zero")
        except ZeroDivisionError:
            logging.getLogger("bot.entry.roles").exception("tick_failed level=%s", "high")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.captureWarnings(False)
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (
        first["event"] == "feed_polled"
        and first["logger"] == "bot.pipeline.ingest"
        and first["level"] == "INFO"
    )
    assert (first["feed"], first["entries"], first["new"]) == ("Wire A", 12, 3)
    assert first["time"].endswith("+00:00")
    assert second["event"] == f"HTTP Request: POST http://x/bot{REDACTED}/getMe"
    assert third["field_level"] == "high" and "ZeroDivisionError" in third["exc"]


@pytest.mark.parametrize(
    ("message", "event", "fields"),
    [
        ("wirewatch_started", "wirewatch_started", {}),
        ("feed_polled feed=Wire A entries=3", "feed_polled", {"feed": "Wire A", "entries": 3}),
        ("tick_done seconds=0.25 error=", "tick_done", {"seconds": 0.25, "error": ""}),
        ("HTTP Request: GET http://x/?a=b", "HTTP Request: GET http://x/?a=b", {}),
        ("Calling Bot API endpoint `getMe`", "Calling Bot API endpoint `getMe`", {}),
        ("some_event free text x=1", "some_event free text x=1", {}),
    ],
    ids=[
        "bare-event",
        "fields-with-spaces",
        "numbers-and-empty",
        "library-line",
        "library-prose",
        "prose-first",
    ],
)
def test_parse_event(message: str, event: str, fields: dict[str, object]) -> None:
    assert parse_event(message) == (event, fields)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log format"):
        setup_logging(logging.INFO, "xml")
