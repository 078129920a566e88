"""Wire datelines parsed out of the head of a body."""

from __future__ import annotations

import pytest

from feeds.dateline import split_dateline
from feeds.models import Dateline

REST = "Acme Corp. today announced a new widget."

CASES = [
    (
        "asianet slash wire",
        "BINZHOU, China, Jan. 27, 2026 /Xinhua-AsiaNet/ -- ",
        Dateline("Binzhou, China", "Jan. 27, 2026", "Xinhua-AsiaNet"),
    ),
    (
        "doubled place and en dash",
        "BINZHOU, ChinaBINZHOU, China, Jan. 27, 2026 /Xinhua-AsiaNet/–",
        Dateline("Binzhou, China", "Jan. 27, 2026", "Xinhua-AsiaNet"),
    ),
    (
        "em dash",
        "BINZHOU, China, Jan. 27, 2026 /Xinhua-AsiaNet/ — ",
        Dateline("Binzhou, China", "Jan. 27, 2026", "Xinhua-AsiaNet"),
    ),
    (
        "prnewswire",
        "NEW YORK, March 3, 2026 /PRNewswire/ -- ",
        Dateline("New York", "March 3, 2026", "PRNewswire"),
    ),
    (
        "prnewswire asianet",
        "SHANGHAI, March 3, 2026 /PRNewswire-AsiaNet/ --",
        Dateline("Shanghai", "March 3, 2026", "PRNewswire-AsiaNet"),
    ),
    (
        "globe newswire",
        "LONDON, March 03, 2026 (GLOBE NEWSWIRE) -- ",
        Dateline("London", "March 03, 2026", "GLOBE NEWSWIRE"),
    ),
    (
        "business wire",
        "SAN FRANCISCO--(BUSINESS WIRE)--Mar 3, 2026--",
        Dateline("San Francisco", "Mar 3, 2026", "BUSINESS WIRE"),
    ),
    (
        "business wire no date",
        "SAN FRANCISCO--(BUSINESS WIRE)--",
        Dateline("San Francisco", None, "BUSINESS WIRE"),
    ),
    ("xinhua no year", "BEIJING, March 3 (Xinhua) -- ", Dateline("Beijing", "March 3", "Xinhua")),
    ("no wire", "TOKYO, Mar. 3, 2026 -- ", Dateline("Tokyo", "Mar. 3, 2026", None)),
    ("no wire no dash space", "TOKYO, Mar. 3, 2026 - ", Dateline("Tokyo", "Mar. 3, 2026", None)),
    (
        "wire without dash",
        "NEW YORK, March 3, 2026 /PRNewswire/ ",
        Dateline("New York", "March 3, 2026", "PRNewswire"),
    ),
    (
        "state abbreviation",
        "WASHINGTON, D.C., March 3, 2026 /PRNewswire/ -- ",
        Dateline("Washington, D.C.", "March 3, 2026", "PRNewswire"),
    ),
    (
        "city and state",
        "ST. LOUIS, Mo., Sept. 9, 2025 /PRNewswire/ -- ",
        Dateline("St. Louis, Mo.", "Sept. 9, 2025", "PRNewswire"),
    ),
    ("weekday", "PARIS, Tuesday, March 3, 2026 -- ", Dateline("Paris", "Tuesday, March 3, 2026", None)),
    (
        "mixed case place kept",
        "Dubai, UAE, March 3, 2026 /WAM/ -- ",
        Dateline("Dubai, UAE", "March 3, 2026", "WAM"),
    ),
    ("ap style", "NEW YORK (AP) — ", Dateline("New York", None, "AP")),
    ("xinhua chinese", "新华社北京3月3日电", Dateline("北京", "3月3日", "新华社")),
    ("xinhua chinese reporter", "新华社北京3月3日电（记者 张三）", Dateline("北京", "3月3日", "新华社")),
    ("chinanews no place", "中新网3月3日电 ", Dateline(None, "3月3日", "中新网")),
]


@pytest.mark.parametrize(("head", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_dateline_is_parsed_and_removed(head: str, expected: Dateline) -> None:
    assert split_dateline(head + REST) == (expected, REST)


UNTOUCHED = [
    ("plain sentence", "Acme Corp today announced a new widget - the best yet."),
    ("company with comma", "Acme, Inc. said on March 3, 2026 -- the day after -- that it grew."),
    ("date later in text", "Shares of Acme rose sharply after the results published on March 3, 2026 -- "),
    ("lowercase start", "today, March 3, 2026 -- Acme said"),
    ("quote start", "“We are proud,” said the CEO on March 3, 2026 -- at the event."),
    ("chinese without dateline", "某公司今日宣布推出新产品。"),
    ("empty", ""),
    ("ticker in parentheses", "Acme Corp. (NYSE: ACME) today announced a widget -- the best."),
    ("parenthesis without dash", "Acme Corp. (Acme) today announced a widget."),
    ("slashes without dash", "ACME /Widgets/ are on sale now."),
    ("too far into the text", "A" + " word" * 60 + ", March 3, 2026 /PRNewswire/ -- rest"),
    ("doubled word no dateline", "NEW NEW things are coming, said Acme."),
]


@pytest.mark.parametrize("body", [c[1] for c in UNTOUCHED], ids=[c[0] for c in UNTOUCHED])
def test_body_without_dateline_is_left_alone(body: str) -> None:
    assert split_dateline(body) == (Dateline(), body)
