"""The chat service, transport-free: every command, its refusals, and that every input gets an answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.context import ChatContext
from bot.chat.service import ChatService
from bot.chat.subscriptions import MAX_SUBSCRIPTIONS_PER_CHAT
from bot.pipeline.match import MatchService
from feeds.models import ChatKind, FeedSpec, NewItem
from storage.store import Store

PRIVATE = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)
ADMIN = ChatContext(1002, ChatKind.PRIVATE, user_id=42)


def group(is_admin: bool, chat_id: int = -2001) -> ChatContext:
    async def check() -> bool:
        return is_admin

    return ChatContext(chat_id, ChatKind.GROUP, user_id=7, is_chat_admin=check)


@pytest.fixture
def service(store: Store) -> ChatService:
    return ChatService(store, MatchService(store), admins=frozenset({42}))


def add_release(
    store: Store, title: str, body: str, *, feed: str = "Wire A", age: timedelta = timedelta()
) -> None:
    now = datetime.now(UTC)
    states = store.sync_feeds([FeedSpec(feed, f"http://127.0.0.1/{feed}.xml", 60)], now)
    feed_id = next(s.id for s in states if s.name == feed)
    seen = now - age
    item = NewItem(
        identity=f"guid:{title}",
        link=f"https://wire.example.com/{abs(hash(title))}",
        title=title,
        body=body,
        summary=body[:400],
        published_at=seen,
        first_seen_at=seen,
    )
    store.add_items(feed_id, [item], timedelta(days=3))


async def say(service: ChatService, ctx: ChatContext, line: str) -> str:
    command, _, args = line.lstrip("/").partition(" ")
    return (await service.handle(ctx, command, args)).html


async def test_subscribe_says_id_and_understanding(service: ChatService, store: Store) -> None:
    answer = await say(service, PRIVATE, "/subscribe Binzhou")
    [sub] = store.list_subscriptions(PRIVATE.chat_id)
    assert f"Subscribed #{sub.id}" in answer
    assert "Understood as:" in answer and "binzhou" in answer.lower()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/subscribe", "Usage: /subscribe QUERY"),
        ('/subscribe "Weiqiao', "unclosed quote"),
        ("/subscribe -sports", "at least one term"),
        ("/subscribe a OR", '"OR" needs a term on both sides'),
        ("/unsubscribe", "Usage: /unsubscribe"),
        ("/unsubscribe 999", "No subscription"),
        ("/recent (Binzhou", "doesn't work"),
        ("/frobnicate now", "Unknown command /frobnicate"),
        ("/feeds", "administrators only"),
    ],
    ids=[
        "sub-empty",
        "sub-unclosed",
        "sub-only-negative",
        "sub-dangling-or",
        "unsub-empty",
        "unsub-unknown",
        "recent-bad",
        "unknown-command",
        "feeds-not-admin",
    ],
)
async def test_bad_input_gets_a_clear_answer(service: ChatService, line: str, expected: str) -> None:
    assert expected in await say(service, PRIVATE, line)


async def test_duplicate_subscription_is_refused_politely(service: ChatService) -> None:
    await say(service, PRIVATE, "/subscribe Binzhou  Shandong")
    answer = await say(service, PRIVATE, "/sub Binzhou Shandong")
    assert "already subscribed" in answer


async def test_subscription_limit(service: ChatService, store: Store) -> None:
    now = datetime.now(UTC)
    store.touch_chat(PRIVATE.chat_id, ChatKind.PRIVATE)
    for n in range(MAX_SUBSCRIPTIONS_PER_CHAT):
        store.add_subscription(PRIVATE.chat_id, f"term{n}", now)
    answer = await say(service, PRIVATE, "/subscribe one-more")
    assert f"already has {MAX_SUBSCRIPTIONS_PER_CHAT} subscriptions" in answer
    assert store.count_subscriptions(PRIVATE.chat_id) == MAX_SUBSCRIPTIONS_PER_CHAT


async def test_unsubscribe_by_id_and_by_query(service: ChatService, store: Store) -> None:
    await say(service, PRIVATE, "/subscribe Binzhou")
    await say(service, PRIVATE, '/subscribe "Weiqiao Pioneering"')
    first, second = store.list_subscriptions(PRIVATE.chat_id)
    assert f"Unsubscribed #{first.id}" in await say(service, PRIVATE, f"/unsubscribe {first.id}")
    assert f"Unsubscribed #{second.id}" in await say(service, PRIVATE, '/unsub "Weiqiao Pioneering"')
    assert store.list_subscriptions(PRIVATE.chat_id) == []


async def test_another_chats_subscription_cannot_be_removed(service: ChatService, store: Store) -> None:
    await say(service, PRIVATE, "/subscribe Binzhou")
    [sub] = store.list_subscriptions(PRIVATE.chat_id)
    assert "No subscription" in await say(service, ADMIN, f"/unsubscribe {sub.id}")
    assert store.count_subscriptions(PRIVATE.chat_id) == 1


async def test_list_has_buttons_that_unsubscribe(service: ChatService, store: Store) -> None:
    await say(service, PRIVATE, "/subscribe Binzhou")
    reply = await service.handle(PRIVATE, "list", "")
    [[button]] = reply.buttons
    assert "Binzhou" in reply.html and len(button.data.encode()) <= 64
    answer = await service.button(PRIVATE, button.data)
    assert "Unsubscribed" in answer.html
    assert "No subscriptions yet" in await say(service, PRIVATE, "/list")


async def test_list_of_fifty_long_queries_fits_a_message(service: ChatService, store: Store) -> None:
    store.touch_chat(PRIVATE.chat_id, ChatKind.PRIVATE)
    for n in range(MAX_SUBSCRIPTIONS_PER_CHAT):
        store.add_subscription(PRIVATE.chat_id, f"term{n} " + "x" * 400, datetime.now(UTC))
    reply = await service.handle(PRIVATE, "list", "")
    assert len(reply.html) < 4096
    assert all(len(b.data.encode()) <= 64 for row in reply.buttons for b in row)


async def test_group_members_cannot_change_subscriptions(service: ChatService, store: Store) -> None:
    answer = await say(service, group(is_admin=False), "/subscribe Binzhou")
    assert "Only this group's administrators" in answer
    assert store.count_subscriptions(-2001) == 0
    assert "Subscribed" in await say(service, group(is_admin=True), "/subscribe Binzhou")
    assert "Binzhou" in await say(service, group(is_admin=False), "/list")


async def test_recent_finds_matching_releases(service: ChatService, store: Store) -> None:
    add_release(store, "Binzhou opens aluminum park", "The city of Binzhou opened a park.")
    add_release(store, "Coalition talks resume", "Parties met on Monday.")
    add_release(store, "滨州市新闻", "山东省滨州市坚持工业立市。")
    add_release(store, "Old Binzhou news", "Long ago.", age=timedelta(days=9))
    answer = await say(service, PRIVATE, "/recent Binzhou")
    assert "Binzhou opens aluminum park" in answer
    assert "Old Binzhou news" not in answer
    assert "滨州市新闻" in await say(service, PRIVATE, "/recent 滨州")
    assert "Nothing matching <code>coal</code>" in await say(service, PRIVATE, "/recent coal")
    everything = await say(service, PRIVATE, "/recent")
    assert "Coalition talks resume" in everything and "滨州市新闻" in everything


async def test_pause_and_resume(service: ChatService, store: Store) -> None:
    await say(service, PRIVATE, "/subscribe Binzhou")
    assert "paused" in await say(service, PRIVATE, "/pause")
    chat = store.get_chat(PRIVATE.chat_id)
    assert chat is not None and chat.paused
    assert "Alerts are paused" in await say(service, PRIVATE, "/list")
    assert "resumed" in await say(service, PRIVATE, "/resume")
    chat = store.get_chat(PRIVATE.chat_id)
    assert chat is not None and not chat.paused


async def test_admin_sees_feed_health(service: ChatService, store: Store) -> None:
    store.sync_feeds([FeedSpec("Wire <A>", "http://127.0.0.1/a.xml", 60)], datetime.now(UTC))
    answer = await say(service, ADMIN, "/feeds")
    assert "Wire &lt;A&gt;" in answer and "new" in answer
    assert "/feeds" in await say(service, ADMIN, "/help")
    assert "/feeds" not in await say(service, PRIVATE, "/help")


async def test_user_text_is_escaped_and_shortened(service: ChatService) -> None:
    answer = await say(service, PRIVATE, "/unsubscribe <b>" + "x" * 500)
    assert "<b>x" not in answer and "&lt;b&gt;" in answer
    assert len(answer) < 400


async def test_plain_text_gets_a_pointer(service: ChatService) -> None:
    assert "/subscribe" in (await service.text(PRIVATE, "hello?")).html


async def test_allowed_chats_refuse_strangers(store: Store) -> None:
    service = ChatService(store, MatchService(store), allowed_chats=frozenset({1}))
    assert "private" in (await service.handle(PRIVATE, "help", "")).html


async def test_help_documents_every_command(service: ChatService) -> None:
    text = await say(service, PRIVATE, "/help")
    for command in ("/subscribe", "/unsubscribe", "/list", "/recent", "/pause", "/resume", "OR", "title:"):
        assert command in text
