"""Every parser of user text stays linear on the worst inputs a chat can send (a 4,096-character message
of whitespace, separators or brackets): none may take more than a few milliseconds. The old /trend and
/quiet patterns backtracked quadratically (0.6 s and 0.4 s on 4,000 characters)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from bot.chat.insight import split_trend_args
from feeds.discover import discover_feeds
from feeds.query import parse_query
from feeds.volume_parse import parse_digest_times, parse_mute, parse_quiet, parse_zone

N = 4000
INPUTS = {
    "spaces": "a" + " " * N + "b",
    "no-break spaces": "a" + "\u00a0" * N + "b",
    "ideographic spaces": "a" + "\u3000" * N + "b",
    "tabs and NEL": "a" + "\t\x85" * (N // 2) + "9",
    "spaces then a number": " " * N + "9",
    "pipes": "a |" * (N // 3),
    "dashes in spaces": "a" + " " * N + "-" + " " * N,
    "digits": "1" * N,
    "brackets": "(" * N,
    "quotes": '"' * N,
    "zone-like": "Asia/" * (N // 5),
    "offset-like": "utc" + " " * N + "+",
}
PARSERS: dict[str, Callable[[str], object]] = {
    "/trend arguments": split_trend_args,
    "queries": parse_query,
    "/quiet": parse_quiet,
    "/digest": parse_digest_times,
    "/mute": parse_mute,
    "/tz": parse_zone,
}
BUDGET_SECONDS = 0.05


@pytest.mark.parametrize("parser", list(PARSERS.values()), ids=list(PARSERS))
def test_no_parser_backtracks_on_long_input(parser: Callable[[str], object]) -> None:
    parse_zone("UTC")  # the zone table is read once, not measured
    slow = {}
    for name, text in INPUTS.items():
        started = time.perf_counter()
        with contextlib.suppress(ValueError):
            parser(text)
        elapsed = time.perf_counter() - started
        if elapsed > BUDGET_SECONDS:
            slow[name] = round(elapsed, 3)
    assert slow == {}


def test_trend_arguments_keep_their_meaning() -> None:
    assert split_trend_args("binzhou 90") == (["binzhou"], 90)
    assert split_trend_args("a | b\u00a030") == (["a", "b"], 30)
    assert split_trend_args("12") == (["12"], None)
    assert split_trend_args("a  |  b   7 ") == (["a", "b"], 7)


def test_quiet_hours_keep_their_meaning() -> None:
    assert str(parse_quiet(" 22:00 – 07:00 ")) == "22:00-07:00"


def test_stored_queries_hold_no_line_breaks() -> None:
    for brk in ("\x85", "\u2028", "\u2029", "\n", "\t", "\r\n"):
        assert parse_query(f"solar{brk}wind").text == "solar wind"


def test_discovered_titles_lose_bidi_and_invisible_controls() -> None:
    page = (
        "<html><head><link rel='alternate' type='application/rss+xml' "
        "title='Harbor \u202eeriW\u202c\u200b News' href='/f.xml'></head></html>"
    )
    [found] = discover_feeds(page, "http://wire.example/")
    assert found.title == "Harbor eriW News"
