"""Alerts and grouped messages in the chat's language: labels and dates translated, content never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from bot.chat.digest import render_digest_messages
from bot.chat.feed_report import HEALTH, cells, feed_health_table, next_poll, poll_status, render_feed_health
from bot.chat.i18n import translator
from bot.chat.render import render_alert, render_digest
from bot.entry.doctor import Check, render
from bot.pipeline.ingest import PollStatus
from feeds.models import FeedState
from storage.store import StorySource
from tests.cjk_text import has_han
from tests.unit.test_digest_render import SHANGHAI, SLOT, alert
from tests.unit.test_render import make_alert, telegram_text

SOURCES = [StorySource("Acme Wire", None), StorySource("PR Wire", None)]


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["Jan 27, 08:30 UTC", "also on: PR Wire", "matched: <code>solar</code>"]),
        ("zh-Hans", ["1月27日 08:30 UTC", "另见于：PR Wire", "匹配：<code>solar</code>"]),
        ("zh-Hant", ["1月27日 08:30 UTC", "另見於：PR Wire", "符合：<code>solar</code>"]),
    ],
)
def test_alert_labels_and_date_in_the_chat_language(language: str, labels: list[str]) -> None:
    message = render_alert(make_alert(), SOURCES, spans=[], t=translator(language))
    telegram_text(message)
    for label in labels:
        assert label in message.html
    assert "Acme opens a solar plant" in message.html  # the headline as the wire wrote it
    assert "Acme opened a solar plant in Binzhou." in message.html


@pytest.mark.parametrize(
    ("language", "untitled"), [("en", "(untitled)"), ("zh-Hans", "（无标题）"), ("zh-Hant", "（無標題）")]
)
def test_untitled_in_the_chat_language(language: str, untitled: str) -> None:
    assert untitled in render_alert(make_alert(title=""), spans=[], t=translator(language)).html


@pytest.mark.parametrize(
    ("language", "header", "split_header"),
    [
        ("en", "7 new alerts", "300 new alerts (part 1/"),
        ("zh-Hans", "7 条新提醒", "300 条新提醒（第 1/"),
        ("zh-Hant", "7 則新提醒", "300 則新提醒（第 1/"),
    ],
)
def test_grouped_messages_in_the_chat_language(language: str, header: str, split_header: str) -> None:
    t = translator(language)
    [message] = render_digest([make_alert(i, link=f"https://e.com/{i}") for i in range(1, 8)], t=t)
    assert telegram_text(message).startswith(header)
    many = render_digest([make_alert(i, link=f"https://e.com/{i}") for i in range(1, 301)], t=t)
    assert len(many) > 1 and telegram_text(many[0]).startswith(split_header)
    assert sorted(d for m in many for d in m.delivery_ids) == list(range(1, 301))


@pytest.mark.parametrize(
    ("language", "header", "other", "older", "more"),
    [
        ("en", "Digest 08:00 (Asia/Shanghai) · 3 stories", "other alerts", "May 4, 07:00", "…and"),
        ("zh-Hans", "摘要 08:00（Asia/Shanghai）· 3 则报道", "其他提醒", "5月4日 07:00", "……还有"),
        ("zh-Hant", "摘要 08:00（Asia/Shanghai）· 3 則報導", "其他提醒", "5月4日 07:00", "……還有"),
    ],
)
def test_digests_in_the_chat_language(language: str, header: str, other: str, older: str, more: str) -> None:
    t = translator(language)
    alerts = [alert(1), alert(2, sub=None, query=None), alert(3, minutes=-24 * 60)]
    [message] = render_digest_messages(alerts, SHANGHAI, SLOT, t=t)
    assert message.html.startswith(f"<b>{header}</b>")
    assert f"<b>{other}</b>" in message.html and f"· {older}" in message.html
    assert "Release number 1" in message.html  # headlines as the wire wrote them
    many = [alert(n) for n in range(1, 40)]
    last = render_digest_messages(many, SHANGHAI, SLOT, limit=400, t=t)[-1].html
    assert f"<i>{more.split()[0]} " in last and "/recent solar" in last


@pytest.mark.parametrize(
    ("language", "header"), [("en", "FEED"), ("zh-Hans", "信息源"), ("zh-Hant", "資訊來源")]
)
def test_feed_table_in_the_language_and_aligned_in_terminal_cells(language: str, header: str) -> None:
    t = translator(language)
    now = datetime(2026, 1, 27, 9, 0, tzinfo=UTC)
    feeds = [
        FeedState(id=1, name="山东财经快讯", url="http://127.0.0.1/a.xml", interval_seconds=60),
        FeedState(
            id=2, name="Globe Wire", url="http://127.0.0.1/b.xml", interval_seconds=60, last_success_at=now
        ),
    ]
    head, first, second = feed_health_table(feeds, now, t).splitlines()
    assert head.startswith(header)
    state = t.gettext("STATE")
    column = cells(head[: head.index(state)])
    assert cells(first[: first.index(t.gettext("new"))]) == column
    assert cells(second[: second.index(t.gettext("ok"))]) == column


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_every_poll_state_and_feed_health_is_translated(language: str) -> None:
    t = translator(language)
    for status in get_args(PollStatus):
        assert has_han(poll_status(status, t)), status
    for word in HEALTH.values():
        assert has_han(t.gettext(word)), word


def test_an_overdue_feed_is_due_now_not_polled_ago() -> None:
    now = datetime(2026, 1, 27, 9, 0, tzinfo=UTC)
    overdue = FeedState(
        id=1,
        name="Wire",
        url="http://127.0.0.1/a.xml",
        interval_seconds=60,
        next_poll_at=now - timedelta(seconds=1),
    )
    t = translator("en")
    assert "next poll due now" in render_feed_health([overdue], now, t)
    assert "due now" in feed_health_table([overdue], now, t)
    assert next_poll(now + timedelta(minutes=4), now, t) == "in 4m"


def test_doctor_columns_align_in_terminal_cells_with_chinese_feed_names() -> None:
    checks = [Check("config", True, "fine"), Check("feed 山东财经快讯", False, "HTTP 404", "find it")]
    first, second = render(checks).splitlines()[:2]
    assert cells(first[: first.index("fine")]) == cells(second[: second.index("HTTP 404")])
