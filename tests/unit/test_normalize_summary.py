"""Summaries: first sentences, cut at sentence or word boundaries."""

from __future__ import annotations

import pytest

from feeds.summary import summarize

S1 = "Acme Inc. launched a widget for the U.S. market on Jan. 5 with No. 1 sales in mind."
S2 = "The widget ships in March!"
S3 = "Will it sell?"
FILLER = "More words follow here to make the text long enough to be cut somewhere. " * 10

CASES = [
    ("short body whole", f"{S1} {S2}", 400, f"{S1} {S2}"),
    ("lines joined", f"{S1}\n{S2}", 400, f"{S1} {S2}"),
    ("cut after whole sentences", f"{S1} {S2} {S3} {FILLER}", 120, f"{S1} {S2}"),
    ("abbreviations do not end sentences", f"{S1} {FILLER}", 100, S1),
    ("question mark ends", f"{S3} {S2} {FILLER}", 45, f"{S3} {S2}"),
    ("chinese sentence end", "公司今日宣布推出新产品。" * 3 + "新" * 100, 40, "公司今日宣布推出新产品。" * 3),
    ("chinese without end cut at character", "新" * 100, 20, "新" * 19 + "…"),
    ("long sentence cut at word", "word " * 100, 22, "word word word word…"),
    ("single initial no end", "John F. Kennedy Airport saw record traffic today. " + FILLER, 60, None),
    ("empty", "", 400, ""),
]


@pytest.mark.parametrize(("body", "max_chars", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_summarize(body: str, max_chars: int, expected: str | None) -> None:
    summary = summarize(body, max_chars)
    assert len(summary) <= max_chars
    if expected is not None:
        assert summary == expected
    else:
        assert summary == "John F. Kennedy Airport saw record traffic today."


def test_default_limit_is_about_400() -> None:
    summary = summarize(FILLER * 3)
    assert 300 <= len(summary) <= 400
    assert summary.endswith(".")


def test_short_first_sentence_does_not_starve_the_summary() -> None:
    long_sentence = "The company said " + "very " * 150 + "much."
    summary = summarize(f"Hi. {long_sentence}", 200)
    assert summary.startswith("Hi. The company said very")
    assert summary.endswith("…")
    assert len(summary) <= 200
