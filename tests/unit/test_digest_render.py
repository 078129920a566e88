"""Digest rendering: grouped by subscription, newest first, each story once, limits, overflow, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.chat.digest import MAX_MESSAGES, render_digest_messages
from bot.chat.i18n import translator
from bot.chat.render import MAX_MESSAGE, html_to_plain, visible_length
from feeds.models import ChatKind, Item
from storage.store import PendingAlert

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOT = datetime(2026, 5, 5, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


def alert(
    n: int,
    *,
    sub: int | None = 1,
    query: str | None = "solar",
    story: int | None = None,
    title: str | None = None,
    minutes: int = 0,
    link: str | None = "https://example.com/r",
) -> PendingAlert:
    seen = SLOT - timedelta(minutes=60 - minutes)
    item = Item(
        id=n,
        feed_id=1,
        feed_name="Wire & Co",
        story_id=story or n,
        identity=f"i{n}",
        link=f"{link}/{n}" if link else None,
        title=title or f"Release number {n}",
        body="b",
        summary="s",
        published_at=seen,
        first_seen_at=seen,
    )
    return PendingAlert(
        delivery_id=100 + n,
        chat_id=7,
        chat_kind=ChatKind.PRIVATE,
        story_id=story or n,
        item=item,
        subscription_id=sub,
        query=query,
        attempts=0,
        created_at=seen,
        kind="digest",
        digest_slot=SLOT,
    )


def test_grouped_newest_first_local_time_and_linked() -> None:
    alerts = [
        alert(1, minutes=10),
        alert(2, sub=2, query="coal -coalition", minutes=20),
        alert(3, minutes=50),
        alert(4, sub=2, query="coal -coalition", minutes=5),
    ]
    (message,) = render_digest_messages(alerts, SHANGHAI, SLOT)
    assert message.html.splitlines() == [
        "<b>Digest 08:00 (Asia/Shanghai) · 4 stories</b>",
        "",
        "<b>solar</b> · #1",
        '• <a href="https://example.com/r/3">Release number 3</a> — Wire &amp; Co · 07:50',
        '• <a href="https://example.com/r/1">Release number 1</a> — Wire &amp; Co · 07:10',
        "",
        "<b>coal -coalition</b> · #2",
        '• <a href="https://example.com/r/2">Release number 2</a> — Wire &amp; Co · 07:20',
        '• <a href="https://example.com/r/4">Release number 4</a> — Wire &amp; Co · 07:05',
    ]
    assert sorted(message.delivery_ids) == [101, 102, 103, 104]
    assert "Release number 3 <https://example.com/r/3> — Wire & Co · 07:50" in message.plain


def test_each_story_once_all_rows_settled() -> None:
    alerts = [alert(1, story=9), alert(2, sub=2, query="ferry", story=9), alert(3)]
    (message,) = render_digest_messages(alerts, SHANGHAI, SLOT)
    assert message.html.count("Release number") == 2
    assert "ferry" not in message.html
    assert sorted(message.delivery_ids) == [101, 102, 103]


def test_escaping_and_no_link() -> None:
    bad = alert(1, title='<b>Bold</b> & "quotes"', query="a<b", link=None)
    (message,) = render_digest_messages([bad], SHANGHAI, SLOT)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quotes&quot;" in message.html
    assert "<b>a&lt;b</b>" in message.html
    assert "<a " not in message.html
    assert message.plain == html_to_plain(message.html)


def test_earlier_day_shows_date() -> None:
    old = alert(1, minutes=-24 * 60)
    (message,) = render_digest_messages([old], SHANGHAI, SLOT)
    assert "· May 4, 07:00" in message.html
    (chinese,) = render_digest_messages([old], SHANGHAI, SLOT, t=translator("zh-Hans"))
    assert "· 5月4日 07:00" in chinese.html and "摘要 08:00（Asia/Shanghai）· 1 则报道" in chinese.html


@pytest.mark.parametrize(
    ("count", "title", "messages", "overflow"),
    [
        pytest.param(20, None, 1, False, id="twenty-short-one-message"),
        pytest.param(45, "Ä" * 200, 3, False, id="forty-five-long-three-messages"),
        pytest.param(200, "Ä" * 200, 3, True, id="two-hundred-overflow"),
        pytest.param(200, "𝔘" * 150, 3, True, id="astral-utf16-pairs"),
    ],
)
def test_limits(count: int, title: str | None, messages: int, overflow: bool) -> None:
    alerts = [alert(n, sub=n % 3, query=f"query {n % 3}", title=title) for n in range(1, count + 1)]
    rendered = render_digest_messages(alerts, SHANGHAI, SLOT)
    assert len(rendered) == messages <= MAX_MESSAGES
    assert all(visible_length(m.html) <= MAX_MESSAGE for m in rendered)
    assert [m.plain for m in rendered] == [html_to_plain(m.html) for m in rendered]  # built, not parsed
    ids = [i for m in rendered for i in m.delivery_ids]
    assert sorted(ids) == [100 + n for n in range(1, count + 1)]  # every row settled exactly once
    last = rendered[-1].html.splitlines()[-1]
    shown = sum(m.html.count("• ") for m in rendered)
    if overflow:
        assert last.startswith(f"<i>…and {count - shown} more: /recent query ")
    else:
        assert shown == count and "more:" not in last
    if messages > 1:
        assert rendered[0].html.startswith(
            f"<b>Digest 08:00 (Asia/Shanghai) · {count} stories · 1/{messages}</b>"
        )
        for m in rendered:  # no heading without a story under it
            lines = m.html.splitlines()
            assert not lines[-1].startswith("<b>")


def test_nothing_to_send() -> None:
    assert render_digest_messages([], SHANGHAI, SLOT) == []
