"""The volume commands and the alert buttons in the chat service (transport-free, fake clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.chat.buttons import MAX_GROUP_ROWS, alert_buttons, group_buttons, parse_alert_callback
from bot.chat.context import ChatContext
from bot.chat.i18n import translator
from bot.chat.render import render_alert
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind, FeedSpec
from feeds.volume import QuietWindow
from storage.store import MatchRecord, Store
from tests.fixtures_db import new_item

NOW = datetime(2026, 5, 5, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
PRIVATE = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)
OTHER = ChatContext(1002, ChatKind.PRIVATE, user_id=1002)
HANT = ChatContext(1003, ChatKind.PRIVATE, user_id=1003, language_code="zh-tw")


def group(is_admin: bool) -> ChatContext:
    async def check() -> bool:
        return is_admin

    return ChatContext(-2001, ChatKind.GROUP, user_id=7, is_chat_admin=check)


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def wakes() -> Wakes:
    return Wakes()


@pytest.fixture
def service(store: Store, wakes: Wakes) -> ChatService:
    return ChatService(store, MatchService(store), clock=lambda: NOW, wake=wakes)


async def say(service: ChatService, ctx: ChatContext, line: str) -> str:
    command, _, args = line.lstrip("/").partition(" ")
    return (await service.handle(ctx, command, args)).html


async def subscribed(service: ChatService, store: Store, ctx: ChatContext, query: str = "solar") -> int:
    await say(service, ctx, f"/subscribe {query}")
    return store.list_subscriptions(ctx.chat_id)[-1].id


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/tz", "This chat's time zone: UTC. Local time now: May 5, 01:30."),
        ("/tz asia/shanghai", "Time zone set to Asia/Shanghai. Local time now: May 5, 09:30."),
        ("/tz UTC+8", "is an offset"),
        ("/tz UTC+8", "<code>/tz Asia/Shanghai</code>"),
        ("/tz Berlin", "Did you mean Europe/Berlin?"),
        ("/tz Atlantis/Nowhere", "Usage: /tz ZONE"),
        ("/digest", "Digest: off, alerts are sent as they come."),
        ("/digest 08:00,18:00", "one digest at 08:00,18:00 every day (UTC); the next one: May 5, 08:00."),
        ("/digest 25:00", "<code>25:00</code> is not a time of day"),
        ("/digest 1:00,2:00,3:00,4:00,5:00,6:00,7:00", "At most 6 digest times a day, got 7."),
        ("/digest 08:00 x", "Usage: /digest"),
        ("/digest off", "Digest off"),
        ("/digest off 999", "No subscription #999 in this chat."),
        ("/quiet", "Quiet hours: none."),
        ("/quiet 22:00-07:00", "Quiet hours set: 22:00-07:00 (UTC)."),
        ("/quiet 00:00-08:00", "It is quiet now, until May 5, 08:00."),
        ("/quiet 22:00", "Give quiet hours as HH:MM-HH:MM"),
        ("/quiet 07:00-07:00", "must start and end at different times"),
        ("/quiet off", "Quiet hours off. Held alerts go out now."),
        ("/mute", "Usage: /mute ID DURATION"),
        ("/mute 1 forever", "is not a duration"),
        ("/mute 1 31d", "from 1 minute to 30 days"),
        ("/mute 999 8h", "No subscription #999"),
        ("/unmute", "Usage: /unmute ID"),
        ("/unmute 999", "No subscription #999"),
    ],
    ids=[
        "tz-show",
        "tz-set-any-case",
        "tz-offset",
        "tz-offset-hint",
        "tz-city",
        "tz-unknown-usage",
        "digest-show-off",
        "digest-set",
        "digest-bad-time",
        "digest-too-many",
        "digest-bad-id",
        "digest-off",
        "digest-off-unknown-id",
        "quiet-show-none",
        "quiet-set",
        "quiet-set-now-quiet",
        "quiet-bad",
        "quiet-empty-window",
        "quiet-off",
        "mute-usage",
        "mute-bad-duration",
        "mute-too-long",
        "mute-unknown",
        "unmute-usage",
        "unmute-unknown",
    ],
)
async def test_command_answers(service: ChatService, line: str, expected: str) -> None:
    assert expected in await say(service, PRIVATE, line)


async def test_settings_reach_the_store_and_status_shows_them(service: ChatService, store: Store) -> None:
    sub = await subscribed(service, store, PRIVATE)
    other = await subscribed(service, store, PRIVATE, "ferry")
    await say(service, PRIVATE, "/tz Asia/Shanghai")
    await say(service, PRIVATE, "/digest 08:00, 18:00")
    await say(service, PRIVATE, f"/digest off {other}")
    await say(service, PRIVATE, "/quiet 22:00-07:00")
    answer = await say(service, PRIVATE, f"/mute {sub} 8h")
    assert f"Muted #{sub} <code>solar</code> until May 5, 17:30 (Asia/Shanghai)" in answer
    volume = store.chat_volume(PRIVATE.chat_id)
    assert volume.zone == ZoneInfo("Asia/Shanghai") and volume.digest == (time(8), time(18))
    assert volume.quiet == QuietWindow(time(22), time(7))
    subs = store.subscription_volumes(PRIVATE.chat_id)
    assert subs[sub].mute_until == NOW + timedelta(hours=8) and subs[other].digest == ()
    status = await say(service, PRIVATE, "/status")
    for expected in (
        "Time zone: Asia/Shanghai, local time May 5, 09:30",
        "Digest: 08:00,18:00 every day; the next one: May 5, 18:00.",
        f"#{other} <code>ferry</code>: instant",
        "Quiet hours: 22:00-07:00.",
        f"Muted: #{sub} <code>solar</code> until May 5, 17:30",
        "Alerts sent in the last 24 hours: 0",
        "Alerts waiting: 0",
    ):
        assert expected in status, (expected, status)
    assert "until May 5" not in (await say(service, PRIVATE, f"/unmute {sub}")).split(":")[0]
    assert store.subscription_volumes(PRIVATE.chat_id)[sub].mute_until is None


async def test_quiet_off_and_schedule_changes_wake_the_sender(service: ChatService, wakes: Wakes) -> None:
    await say(service, PRIVATE, "/quiet 22:00-07:00")
    before = wakes.count
    await say(service, PRIVATE, "/quiet off")
    assert wakes.count == before + 1
    await say(service, PRIVATE, "/quiet nonsense")
    assert wakes.count == before + 1, "a refused command changes nothing"


@pytest.mark.parametrize(
    "line", ["/tz Asia/Shanghai", "/digest 08:00", "/digest off", "/quiet 22:00-07:00", "/quiet off"]
)
async def test_groups_members_may_not_change_settings(service: ChatService, store: Store, line: str) -> None:
    answer = await say(service, group(is_admin=False), line)
    assert "Only this group's administrators" in answer
    assert store.chat_volume(-2001).digest == () and store.chat_volume(-2001).quiet is None
    assert "Time zone:" in await say(service, group(is_admin=False), "/status")  # anyone may look


async def test_answers_in_the_chat_language(service: ChatService) -> None:
    assert "時區已設為 Asia/Taipei" in await say(service, HANT, "/tz Asia/Taipei")
    assert "勿擾時段已設為 22:00-07:00" in await say(service, HANT, "/quiet 22:00-07:00")
    assert "未知時區" in await say(service, HANT, "/tz Mars/Base")
    assert "/status — " in await say(service, HANT, "/help")


async def test_help_describes_the_volume_commands(service: ChatService) -> None:
    text = await say(service, PRIVATE, "/help")
    for name in ("/tz", "/digest", "/quiet", "/mute", "/unmute", "/status", "Why?"):
        assert name in text


# --- buttons ---------------------------------------------------------------------------------------------
def _deliver(store: Store, chat_id: int, sub: int, title: str, body: str) -> int:
    """An alert in the outbox (as the match stage writes it); returns its delivery id."""
    (feed,) = store.sync_feeds([FeedSpec("Wire A", "http://127.0.0.1/a.xml", 60)], NOW)
    later = NOW + timedelta(minutes=1)  # first seen after the subscription was made
    (item,) = store.add_items(
        feed.id, [new_item(title, title=title, body=body, seen=later)], timedelta(days=2)
    )
    store.record_matches([item.id], [MatchRecord(item.id, sub, chat_id)], later)
    (alert,) = [a for a in store.pending_alerts(later, 100) if a.item.id == item.id]
    return alert.delivery_id


async def test_alert_buttons_fit_and_parse(store: Store, service: ChatService) -> None:
    sub = await subscribed(service, store, PRIVATE, "Binzhou")
    delivery = _deliver(store, PRIVATE.chat_id, sub, "Binzhou opens a park", "A park in Binzhou.")
    (alert,) = store.pending_alerts(NOW + timedelta(minutes=1), 10)
    message = render_alert(alert, t=translator("zh-Hans"))
    [row] = message.buttons
    assert [b.text for b in row] == ["🔕 静音 1 天", "✖ 取消订阅", "❓ 为什么？"]
    assert [b.data for b in row] == [f"m:{sub}", f"u:{sub}", f"w:{delivery}"]
    huge = alert_buttons(replace(alert, delivery_id=2**63 - 1, subscription_id=2**63 - 1), translator())
    assert all(len(b.data.encode()) <= 64 for r in huge for b in r)
    assert len(group_buttons([alert] * 3, translator())) == 1
    assert parse_alert_callback("w:12") is not None
    for forged in ("w:", "w:-1", "w:1e3", "x:1", "w:١٢", "m:" + "9" * 40, "unsub:1"):
        assert parse_alert_callback(forged) is None, forged
    assert MAX_GROUP_ROWS * 3 <= 100  # Telegram allows 100 buttons


async def test_mute_unsubscribe_and_why_buttons(store: Store, service: ChatService) -> None:
    sub = await subscribed(service, store, PRIVATE, '"solar ferry" OR Binzhou')
    delivery = _deliver(
        store,
        PRIVATE.chat_id,
        sub,
        "Harbor opens solar ferry terminal",
        "The port said its solar ferry runs.",
    )
    why = await service.callback(PRIVATE, f"w:{delivery}")
    assert why.message is not None and why.notice
    assert (
        "<code>solar ferry</code> in the headline: Harbor opens <b>solar ferry</b> terminal"
        in why.message.html
    )
    assert "in the body:" in why.message.html and "Understood as:" in why.message.html

    muted = await service.callback(PRIVATE, f"m:{sub}")
    assert muted.message is not None and "until May 6, 01:30 (UTC)" in muted.message.html
    assert store.subscription_volumes(PRIVATE.chat_id)[sub].mute_until == NOW + timedelta(days=1)

    gone = await service.callback(PRIVATE, f"u:{sub}")
    assert gone.message is not None and f"Unsubscribed #{sub}" in gone.message.html
    assert store.list_subscriptions(PRIVATE.chat_id) == []
    again = await service.callback(PRIVATE, f"u:{sub}")
    assert again.message is None and "no longer valid" in again.notice
    assert "no longer exists" in (await service.callback(PRIVATE, f"w:{delivery}")).notice


@pytest.mark.parametrize("action", ["m", "u", "w"], ids=["mute", "unsubscribe", "why"])
async def test_forged_buttons_from_another_chat_change_nothing(
    store: Store, service: ChatService, action: str
) -> None:
    victim = await subscribed(service, store, OTHER)
    delivery = _deliver(store, OTHER.chat_id, victim, "Solar park", "Solar.")
    ident = delivery if action == "w" else victim
    answer = await service.callback(PRIVATE, f"{action}:{ident}")
    assert answer.message is None and answer.edit is None and "no longer valid" in answer.notice
    assert [s.id for s in store.list_subscriptions(OTHER.chat_id)] == [victim]
    assert store.subscription_volumes(OTHER.chat_id)[victim].mute_until is None


@pytest.mark.parametrize("data", ["", "m:", "w:abc", "zz:1", "m:99999999999999999999999", "lang:xx"])
async def test_garbage_callback_data_gets_a_short_answer(service: ChatService, data: str) -> None:
    answer = await service.callback(PRIVATE, data)
    assert answer.notice and len(answer.notice) <= 200 and answer.message is None


async def test_group_members_may_ask_why_but_not_mute(store: Store, service: ChatService) -> None:
    admin, member = group(is_admin=True), group(is_admin=False)
    sub = await subscribed(service, store, admin)
    delivery = _deliver(store, admin.chat_id, sub, "Solar park", "Solar power.")
    refused = await service.callback(member, f"m:{sub}")
    assert "administrators" in refused.notice and refused.message is None
    assert store.subscription_volumes(admin.chat_id)[sub].mute_until is None
    assert "administrators" in (await service.callback(member, f"u:{sub}")).notice
    assert (await service.callback(member, f"w:{delivery}")).message is not None
    assert (await service.callback(admin, f"m:{sub}")).message is not None
