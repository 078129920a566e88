"""/test, /trend, /spike and the /list sparklines through the chat service, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.chat.context import ChatContext
from bot.chat.insight import split_trend_args
from bot.chat.replies import Reply
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind, FeedState
from storage.store import Store
from tests.fixtures_db import WINDOW, new_item

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CHAT = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)

# (identity, feed index, title, body, days before NOW)
RELEASES = [
    ("b1", 0, "Binzhou aluminium park opens", "Weiqiao Pioneering said the park runs.", 1),
    ("b1-copy", 1, "Binzhou aluminium park opens", "Weiqiao Pioneering said the park runs.", 1),
    ("b2", 0, "Binzhou hosts a trade fair", "Pioneering firms from Shandong gather.", 2),
    ("b3", 1, "Binzhou port expands", "The port of Binzhou grows.", 0),
    ("d1", 0, "Dongying oil output", "Dongying reports output.", 3),
    ("old", 0, "Binzhou last month", "Old news from Binzhou.", 20),
]


@pytest.fixture
def stocked(store: Store, two_feeds: tuple[FeedState, FeedState]) -> Store:
    for identity, feed, title, body, days in sorted(RELEASES, key=lambda r: -r[4]):
        seen = NOW - timedelta(days=days, hours=1)
        item = new_item(identity, title=title, body=body, link=f"https://wire.example/{identity}", seen=seen)
        store.add_items(two_feeds[feed].id, [item], WINDOW)
    return store


@pytest.fixture
def service(stocked: Store) -> ChatService:
    return ChatService(stocked, MatchService(stocked), clock=lambda: NOW)


async def say(service: ChatService, line: str, ctx: ChatContext = CHAT) -> Reply:
    command, _, args = line.lstrip("/").partition(" ")
    return await service.handle(ctx, command, args)


@pytest.mark.parametrize(
    ("args", "parts", "days"),
    [
        pytest.param("Binzhou", ["Binzhou"], None, id="query"),
        pytest.param("Binzhou 90", ["Binzhou"], 90, id="query-days"),
        pytest.param("12", ["12"], None, id="id-alone"),
        pytest.param("#12 7", ["#12"], 7, id="id-days"),
        pytest.param("A | B | C 60", ["A", "B", "C"], 60, id="three-days"),
        pytest.param("A |  | B", ["A", "B"], None, id="empty-part"),
        pytest.param('"port 2026" expands', ['"port 2026" expands'], None, id="number-inside"),
        pytest.param("", [], None, id="empty"),
    ],
)
def test_trend_arguments(args: str, parts: list[str], days: int | None) -> None:
    assert split_trend_args(args) == (parts, days)


async def test_test_counts_stories_and_releases_and_lists_the_newest(service: ChatService) -> None:
    reply = await say(service, "/test Binzhou")
    html = reply.html
    assert "3 stories" in html and "4 releases" in html  # the copy on a second wire is one story
    assert html.index("port expands") < html.index("trade fair")  # newest first
    assert 'href="https://wire.example/b3"' in html
    assert "last month" not in html  # outside the 7 days
    assert html.count("<code>") >= 7 + 1  # one line per day, and the query
    assert "nothing is subscribed" in html


async def test_test_subscribes_nothing(service: ChatService, stocked: Store) -> None:
    await say(service, "/test Binzhou")
    assert stocked.list_subscriptions(CHAT.chat_id) == []


@pytest.mark.parametrize(
    ("query", "suggested", "absent"),
    [
        pytest.param('"pioneering weiqiao"', "pioneering weiqiao", None, id="phrase-as-words"),
        pytest.param("Binzhou -aluminium -port -fair", "without the exclusion", None, id="exclusion"),
        pytest.param("zzzunknown", None, "would have matched", id="nothing-looser"),
    ],
)
async def test_test_without_matches_suggests_what_to_loosen(
    service: ChatService, query: str, suggested: str | None, absent: str | None
) -> None:
    html = (await say(service, f"/test {query}")).html
    assert "Nothing matched" in html
    if suggested:
        assert suggested in html and "would have matched" in html
    if absent:
        assert absent not in html and "match nothing either" in html


def png_size(reply: Reply) -> tuple[int, int]:
    assert reply.attachment is not None and reply.attachment.kind == "photo"
    assert reply.attachment.data.startswith(b"\x89PNG\r\n\x1a\n") and len(reply.attachment.data) < 200_000
    with Image.open(io.BytesIO(reply.attachment.data)) as image:
        return image.size


async def test_trend_sends_a_chart_with_total_change_and_peak(service: ChatService) -> None:
    reply = await say(service, "/trend Binzhou 14")
    assert png_size(reply) == (1200, 600)
    assert "last 14 days" in reply.html and "3 stories" in reply.html
    assert "peak" in reply.html and len(reply.html) <= 1024


async def test_trend_compares_queries_and_resolves_ids(service: ChatService) -> None:
    sub_reply = await say(service, "/subscribe Dongying")
    assert "Subscribed" in sub_reply.html
    [sub] = service._store.list_subscriptions(CHAT.chat_id)
    reply = await say(service, f"/trend Binzhou | #{sub.id} | Shandong")
    assert png_size(reply) == (1200, 600)
    lines = reply.html.splitlines()
    assert len(lines) == 4 and "Dongying" in lines[2]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("/trend zzzunknown", "so no chart", id="no-stories"),
        pytest.param("/trend Binzhou 400", "DAYS must be from 1 to 365", id="too-many-days"),
        pytest.param("/trend a | b | c | d | e", "at most 4 queries", id="too-many-queries"),
        pytest.param("/trend", "Usage: /trend", id="usage"),
        pytest.param("/trend (Binzhou", "doesn't work", id="bad-query"),
    ],
)
async def test_trend_answers_in_text(service: ChatService, line: str, expected: str) -> None:
    reply = await say(service, line)
    assert reply.attachment is None and expected in reply.html


async def test_trend_days_are_the_chats_local_days(service: ChatService, stocked: Store) -> None:
    stocked.touch_chat(CHAT.chat_id, CHAT.kind)
    stocked.set_timezone(CHAT.chat_id, ZoneInfo("Asia/Shanghai"), NOW)
    reply = await say(service, "/trend Binzhou 7")
    assert "Asia/Shanghai" in reply.html


async def test_list_shows_sparkline_and_last_match(service: ChatService) -> None:
    await say(service, "/subscribe Binzhou")
    await say(service, "/subscribe zzzunknown")
    html = (await say(service, "/list")).html
    binzhou, unknown = html.split("#")[1:3]
    assert any(bar in binzhou for bar in "▂▃▄▅▆▇█") and "last match" in binzhou
    assert "▁▁▁▁▁▁▁" in unknown and "no match" in unknown


async def test_spike_switches_alerts_for_the_chats_own_subscription(service: ChatService) -> None:
    await say(service, "/subscribe Binzhou")
    [sub] = service._store.list_subscriptions(CHAT.chat_id)
    assert "Spike alerts on" in (await say(service, f"/spike {sub.id} on")).html
    assert "spike alerts on" in (await say(service, "/list")).html
    assert "Spike alerts off" in (await say(service, f"/spike #{sub.id} off")).html
    other = ChatContext(1002, ChatKind.PRIVATE, user_id=1002)
    assert "No subscription" in (await say(service, f"/spike {sub.id} on", other)).html
    assert "Usage: /spike" in (await say(service, "/spike Binzhou maybe")).html
