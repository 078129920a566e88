"""Alert rendering: escaping, bold matches, the 4096 limit, grouped digests, terminal text.

Every rendered message is also checked with the fake Telegram server's HTML validator, so what we render is
what Telegram would accept.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.chat.render import (
    MAX_MESSAGE,
    RenderedMessage,
    alert_summary,
    bold_spans,
    cut_text,
    html_to_plain,
    html_to_terminal,
    render_alert,
    render_digest,
    utf16_length,
    visible_length,
)
from feeds.models import ChatKind, Dateline, Item
from storage.store import PendingAlert, StorySource
from tests.fake_telegram import HtmlValidator

T0 = datetime(2026, 1, 27, 8, 30, tzinfo=UTC)


def make_item(**changes: Any) -> Item:
    item = Item(
        id=1,
        feed_id=1,
        feed_name="Acme Wire",
        story_id=10,
        identity="guid-1",
        link="https://news.example.com/release/1",
        title="Acme opens a solar plant",
        body="Acme opened a plant. It makes panels. It employs 300 people. It is large.",
        summary="Acme opened a solar plant in Binzhou. It makes panels.",
        published_at=T0,
        first_seen_at=T0,
        dateline=Dateline(place="BINZHOU, China", date="Jan. 27, 2026", wire="Xinhua-AsiaNet"),
    )
    return replace(item, **changes)


def make_alert(delivery_id: int = 1, query: str | None = "solar", **item_changes: Any) -> PendingAlert:
    return PendingAlert(
        delivery_id=delivery_id,
        chat_id=42,
        chat_kind=ChatKind.PRIVATE,
        story_id=10,
        item=make_item(id=delivery_id, **item_changes),
        subscription_id=1,
        query=query,
        attempts=0,
        created_at=T0,
    )


def telegram_text(message: RenderedMessage) -> str:
    """What Telegram would show; raises like Telegram on markup it can't parse."""
    visible = HtmlValidator().plain_text(message.html)
    assert utf16_length(visible) <= MAX_MESSAGE
    assert utf16_length(message.plain) <= MAX_MESSAGE
    return visible


@pytest.mark.parametrize(
    ("changes", "query", "must_contain", "must_not_contain"),
    [
        pytest.param(
            {"title": "R&D <beta> \"x\" 'y'"},
            None,
            ["R&amp;D &lt;beta&gt; &quot;x&quot; &#x27;y&#x27;"],
            ["<beta>"],
            id="title-escaped",
        ),
        pytest.param(
            {"feed_name": "A&B <Wire>"}, None, ["A&amp;B &lt;Wire&gt;"], ["<Wire>"], id="feed-name-escaped"
        ),
        pytest.param(
            {},
            'solar & "wind" <x>',
            ["matched: <code>solar &amp; &quot;wind&quot; &lt;x&gt;</code>"],
            ["<x>"],
            id="query-escaped",
        ),
        pytest.param(
            {"link": 'https://e.com/?a=1&b="2"'},
            None,
            ['<a href="https://e.com/?a=1&amp;b=&quot;2&quot;">'],
            [],
            id="link-attribute-escaped",
        ),
        pytest.param(
            {"link": None}, None, ["<b>Acme opens a solar plant</b>"], ["<a "], id="no-link-no-anchor"
        ),
        pytest.param(
            {"dateline": Dateline()},
            None,
            ["Acme Wire · Jan 27, 08:30 UTC"],
            ["BINZHOU"],
            id="no-dateline",
        ),
        pytest.param(
            {}, None, ["Acme Wire · BINZHOU, China · Jan 27, 08:30 UTC"], [], id="source-place-time"
        ),
        pytest.param({"title": ""}, None, ["(untitled)"], [], id="empty-title"),
        pytest.param(
            {"title": "比亚迪发布新电池", "summary": "比亚迪今天发布了新电池。"},
            None,
            ["比亚迪发布新电池", "比亚迪今天发布了新电池。"],
            [],
            id="cjk",
        ),
    ],
)
def test_alert_content_is_escaped_and_complete(
    changes: dict[str, Any], query: str | None, must_contain: list[str], must_not_contain: list[str]
) -> None:
    message = render_alert(make_alert(query=query, **changes), spans=[])
    telegram_text(message)
    for fragment in must_contain:
        assert fragment in message.html
    for fragment in must_not_contain:
        assert fragment not in message.html
    assert message.delivery_ids == (1,)


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        pytest.param("solar power", [(0, 5)], "<b>solar</b> power", id="one-span"),
        pytest.param("a solar b wind", [(2, 7), (10, 14)], "a <b>solar</b> b <b>wind</b>", id="two-spans"),
        pytest.param("x<y & z", [(0, 3)], "<b>x&lt;y</b> &amp; z", id="escaped-inside-and-out"),
        pytest.param("abc", [(1, 99)], "a<b>bc</b>", id="span-past-end-clipped"),
        pytest.param("abcdef", [(0, 4), (2, 5)], "<b>abcd</b><b>e</b>f", id="overlap-trimmed"),
        pytest.param("abc", [(2, 2)], "abc", id="empty-span-skipped"),
        pytest.param("太阳能电池", [(0, 3)], "<b>太阳能</b>电池", id="cjk-span"),
    ],
)
def test_bold_spans(text: str, spans: list[tuple[int, int]], expected: str) -> None:
    assert bold_spans(text, spans) == expected


@pytest.mark.parametrize(
    ("query", "summary", "expected"),
    [
        pytest.param("solar", "A Solar plant. Solarium.", "A <b>Solar</b> plant. Solarium.", id="whole-word"),
        pytest.param("solar -coal", "solar, not coal", "<b>solar</b>, not coal", id="negated-not-bold"),
        pytest.param("滨州", "山东省滨州市", "山东省<b>滨州</b>市", id="cjk-inside-run"),
        pytest.param("(((", "solar", "solar", id="invalid-query-no-bold"),
        pytest.param(None, "solar", "solar", id="no-query"),
    ],
)
def test_matches_from_the_query_are_bold(query: str | None, summary: str, expected: str) -> None:
    message = render_alert(make_alert(query=query, summary=summary))
    assert f"\n\n{expected}\n" in message.html or message.html.endswith(f"\n\n{expected}")


def test_summary_matches_are_bold_in_the_alert() -> None:
    alert = make_alert()
    summary = alert_summary(alert.item)
    start = summary.index("solar")
    message = render_alert(alert, spans=[(start, start + len("solar"))])
    assert "Acme opened a <b>solar</b> plant in Binzhou." in message.html


@pytest.mark.parametrize(
    ("summary", "body", "expected"),
    [
        pytest.param("Given summary.", "Body one. Two.", "Given summary.", id="summary-preferred"),
        pytest.param("", "One. Two! Three? Four.", "One. Two! Three?", id="first-three-sentences"),
        pytest.param("  ", "Only one", "Only one", id="blank-summary-short-body"),
        pytest.param(
            "", "Pi is 3.14 today. Yes. No. Maybe.", "Pi is 3.14 today. Yes. No.", id="decimal-point"
        ),
        pytest.param("", "第一句。第二句。第三句。第四句。", "第一句。第二句。第三句。", id="cjk-sentences"),
    ],
)
def test_alert_summary(summary: str, body: str, expected: str) -> None:
    assert alert_summary(make_item(summary=summary, body=body)) == expected


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        pytest.param([], None, id="single-wire"),
        pytest.param([StorySource("Acme Wire", "https://a")], None, id="only-itself"),
        pytest.param(
            [StorySource("Acme Wire", None), StorySource("PR <Wire>", None), StorySource("Asia & Co", None)],
            "also on: PR &lt;Wire&gt;, Asia &amp; Co",
            id="other-wires-escaped",
        ),
        pytest.param(
            [StorySource("B", None), StorySource("B", "https://b2")], "also on: B", id="duplicates-collapsed"
        ),
    ],
)
def test_also_on(sources: list[StorySource], expected: str | None) -> None:
    message = render_alert(make_alert(), sources, spans=[])
    if expected is None:
        assert "also on" not in message.html
    else:
        assert expected in message.html


@pytest.mark.parametrize(
    ("changes", "query"),
    [
        pytest.param({"summary": "word " * 3000}, "solar", id="long-latin-summary"),
        pytest.param({"summary": "電池" * 5000}, "solar", id="long-cjk-summary"),
        pytest.param({"summary": "😀" * 3000}, "solar", id="astral-summary-utf16"),
        pytest.param({"summary": "&<>" * 3000}, "solar", id="summary-that-escapes-long"),
        pytest.param({"title": "T" * 5000, "summary": "s " * 3000}, "solar", id="long-title-too"),
        pytest.param({"summary": "x"}, "q" * 5000, id="long-query"),
    ],
)
def test_long_alerts_fit_one_message(changes: dict[str, Any], query: str) -> None:
    message = render_alert(make_alert(query=query, **changes), spans=[(0, 4), (6000, 6004)])
    visible = telegram_text(message)
    assert visible_length(message.html) == utf16_length(visible)
    assert utf16_length(visible) > MAX_MESSAGE - 200  # cut, not thrown away
    assert "…" in visible


def test_long_summary_is_cut_before_anything_else() -> None:
    message = render_alert(make_alert(summary="word " * 3000), [StorySource("Other Wire", None)], spans=[])
    assert "also on: Other Wire" in message.html
    assert "matched: <code>solar</code>" in message.html
    assert "<b><a href" in message.html


def digest_alerts(count: int, **changes: Any) -> list[PendingAlert]:
    return [
        make_alert(i, title=f"Headline {i} <&>", link=f"https://e.com/{i}", **changes)
        for i in range(1, count + 1)
    ]


def test_digest_lists_every_headline_with_link_and_source() -> None:
    [message] = render_digest(digest_alerts(7))
    visible = telegram_text(message)
    assert message.delivery_ids == tuple(range(1, 8))
    assert visible.startswith("7 new alerts")
    for i in range(1, 8):
        assert f'<a href="https://e.com/{i}">Headline {i} &lt;&amp;&gt;</a> — Acme Wire' in message.html


@pytest.mark.parametrize(
    ("count", "changes"),
    [
        pytest.param(300, {}, id="300-short-headlines"),
        pytest.param(40, {"title": "Very long headline " * 30}, id="40-long-headlines"),
        pytest.param(5, {"title": "Huge " * 2000}, id="each-headline-over-the-limit"),
        pytest.param(200, {"title": "電池" * 100}, id="cjk-headlines"),
    ],
)
def test_digest_splits_without_dropping_anything(count: int, changes: dict[str, Any]) -> None:
    alerts = [make_alert(i, link=f"https://e.com/{i}", **changes) for i in range(1, count + 1)]
    messages = render_digest(alerts)
    assert len(messages) > 1
    ids = [d for message in messages for d in message.delivery_ids]
    assert ids == list(range(1, count + 1))  # each row in exactly one message, in order
    for number, message in enumerate(messages, start=1):
        assert telegram_text(message).startswith(f"{count} new alerts (part {number}/{len(messages)})")


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        pytest.param("<b>bold</b> text", "*bold* text", id="bold-starred"),
        pytest.param(
            '<a href="https://e.com/?a=1&amp;b=2">link</a>', "link <https://e.com/?a=1&b=2>", id="link"
        ),
        pytest.param('<b><a href="https://e.com">T</a></b>', "*T <https://e.com>*", id="bold-link"),
        pytest.param(
            "a &lt; b &amp;&amp; c &quot;d&quot; &#x27;e&#x27;", "a < b && c \"d\" 'e'", id="entities"
        ),
        pytest.param("<code>q</code>\n<i>x</i>", "q\nx", id="other-tags-dropped"),
        pytest.param("電池 <b>太阳能</b>", "電池 *太阳能*", id="cjk"),
    ],
)
def test_html_to_terminal(markup: str, expected: str) -> None:
    assert html_to_terminal(markup) == expected


def test_terminal_and_plain_render_a_real_alert() -> None:
    alert = make_alert(title="R&D <x>")
    message = render_alert(alert, spans=[(0, 4)])
    terminal = html_to_terminal(message.html)
    assert terminal.startswith("*R&D <x> <https://news.example.com/release/1>*\n")
    assert "*Acme*" in terminal
    assert message.plain.startswith("R&D <x> <https://news.example.com/release/1>\n")
    assert "*" not in message.plain


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        pytest.param("short", 10, "short", id="fits"),
        pytest.param("one two three four", 12, "one two…", id="word-boundary"),
        pytest.param("abcdefghij", 5, "abcd…", id="no-space"),
        pytest.param("😀😀😀", 5, "😀😀…", id="astral-counts-two"),
        pytest.param("abc", 0, "", id="zero"),
    ],
)
def test_cut_text(text: str, limit: int, expected: str) -> None:
    assert cut_text(text, limit) == expected
    assert utf16_length(cut_text(text, limit)) <= limit


def test_plain_fallback_is_cut_to_the_limit() -> None:
    assert utf16_length(html_to_plain("<b>x</b>" + "y" * 5000)) == MAX_MESSAGE
