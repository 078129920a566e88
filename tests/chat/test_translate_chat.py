"""The Translate button and /translate in the chat service, over the real store and a loopback translator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.buttons import alert_buttons
from bot.chat.context import ChatContext
from bot.chat.i18n import translator
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from bot.translate.libretranslate import LibreTranslate
from bot.translate.service import TranslationService
from feeds.models import ChatKind, FeedSpec
from storage.store import MatchRecord, Store
from tests.fake_translators import FakeTranslators, fake_translators
from tests.fixtures_db import new_item

NOW = datetime(2026, 5, 5, 1, 30, tzinfo=UTC)
HANS = ChatContext(1001, ChatKind.PRIVATE, user_id=1001, language_code="zh-hans", message_id=77)
OTHER = ChatContext(1002, ChatKind.PRIVATE, user_id=1002, language_code="zh-hans", message_id=78)
BODY = "Intro.\n\nLater the <b>port</b> in Binzhou & its partners signed. End."


@pytest.fixture
async def fakes() -> AsyncIterator[FakeTranslators]:
    async with fake_translators() as running:
        yield running


@pytest.fixture
async def translating(fakes: FakeTranslators, store: Store) -> AsyncIterator[TranslationService]:
    made = TranslationService(LibreTranslate(fakes.base), store, lambda: NOW, timeout=0.5)
    yield made
    await made.close()


@pytest.fixture
def service(store: Store, translating: TranslationService) -> ChatService:
    return ChatService(store, MatchService(store), clock=lambda: NOW, translator=translating)


async def alert_in(service: ChatService, store: Store, ctx: ChatContext, language: str | None = "en") -> int:
    """An alert of an item in ``language`` to the chat of ``ctx``; returns its delivery id."""
    await service.handle(ctx, "subscribe", "binzhou")
    sub = store.list_subscriptions(ctx.chat_id)[-1].id
    (feed,) = store.sync_feeds([FeedSpec("Wire A", "http://127.0.0.1/a.xml", 60)], NOW)
    later = NOW + timedelta(minutes=1)
    item = replace(
        new_item(f"i{ctx.chat_id}", title="Port opens", body=BODY, seen=later),
        summary="A port opened.",
        language=language,
    )
    (stored,) = store.add_items(feed.id, [item], timedelta(days=2))
    store.record_matches([stored.id], [MatchRecord(stored.id, sub, ctx.chat_id)], later)
    (alert,) = [a for a in store.pending_alerts(later, 100) if a.item.id == stored.id]
    return alert.delivery_id


async def test_press_replies_to_the_alert_in_the_chat_language(
    service: ChatService, store: Store, fakes: FakeTranslators
) -> None:
    delivery = await alert_in(service, store, HANS)
    answer = await service.callback(HANS, f"t:{delivery}")
    assert answer.message is not None and answer.message.reply_to == HANS.message_id
    assert answer.notice == "已翻译：见下方回复。"
    html = answer.message.html
    assert "<b>汉语:Port opens</b>" in html
    assert "汉语:A port opened." in html
    # the matched sentence, translated, escaped like feed text
    assert (
        "<blockquote>汉语:Later the &lt;b&gt;port&lt;/b&gt; in Binzhou &amp; its partners signed."
        "</blockquote>" in html
    )
    assert "机器翻译：LibreTranslate" in html
    assert len(fakes.requests) == 1 and fakes.requests[0][3]["target"] == "zh"


async def test_two_presses_at_once_make_one_provider_call(
    service: ChatService, store: Store, fakes: FakeTranslators
) -> None:
    delivery = await alert_in(service, store, HANS)
    fakes.delay = 0.1  # the first call is still out when the second press comes
    presses = [service.callback(HANS, f"t:{delivery}") for _ in range(2)]
    answers = await asyncio.gather(*presses)
    assert len(fakes.requests) == 1
    assert all(a.message is not None and "<b>汉语:Port opens</b>" in a.message.html for a in answers)


async def test_translate_command_as_a_reply(
    service: ChatService, store: Store, fakes: FakeTranslators
) -> None:
    delivery = await alert_in(service, store, HANS)
    buttons = ("m:1", "u:1", f"w:{delivery}", f"t:{delivery}")
    ctx = replace(HANS, replied_id=55, replied_buttons=buttons)
    reply = await service.handle(ctx, "translate", "")
    assert reply.reply_to == 55 and "汉语:Port opens" in reply.html
    assert "请以回复提醒的方式发送 /translate。" in (await service.handle(HANS, "translate", "")).html


@pytest.mark.parametrize("data", ["t:999999", "t:abc", "t:", "t:-1", "t:" + "9" * 40])
async def test_forged_or_stale_presses_change_nothing(
    service: ChatService, store: Store, fakes: FakeTranslators, data: str
) -> None:
    await alert_in(service, store, HANS)
    answer = await service.callback(HANS, data)
    assert answer.message is None and answer.notice
    assert fakes.requests == []


async def test_another_chats_alert_is_not_translated(
    service: ChatService, store: Store, fakes: FakeTranslators
) -> None:
    delivery = await alert_in(service, store, HANS)
    answer = await service.callback(OTHER, f"t:{delivery}")
    assert answer.message is None and fakes.requests == []
    ctx = replace(OTHER, replied_id=1, replied_buttons=(f"w:{delivery}",))
    assert "请以回复提醒" in (await service.handle(ctx, "translate", "")).html


async def test_quota_is_one_translated_line(
    service: ChatService, store: Store, fakes: FakeTranslators
) -> None:
    delivery = await alert_in(service, store, HANS)
    fakes.fault = "429"
    answer = await service.callback(HANS, f"t:{delivery}")
    assert answer.message is not None
    assert answer.message.html == "翻译不可用：已达配额——请明天再试"
    assert answer.notice == answer.message.html


async def test_without_a_translator(store: Store) -> None:
    plain = ChatService(store, MatchService(store), clock=lambda: NOW)
    delivery = await alert_in(plain, store, HANS)
    assert (await plain.callback(HANS, f"t:{delivery}")).message is None
    assert "此机器人未设置翻译。" in (await plain.handle(HANS, "translate", "")).html


@pytest.mark.parametrize(
    ("item_language", "chat_language", "configured", "shown"),
    [
        ("en", "zh-Hans", True, True),
        ("zh", "en", True, True),
        ("zh-Hant", "zh-Hans", True, False),  # both scripts of Chinese: no button
        ("en", "en", True, False),
        (None, "zh-Hans", True, False),  # unknown language: no button
        ("en", "zh-Hans", False, False),  # no [translate]: no button
    ],
)
async def test_button_shown_when_languages_differ(
    service: ChatService,
    store: Store,
    item_language: str | None,
    chat_language: str,
    configured: bool,
    shown: bool,
) -> None:
    delivery = await alert_in(service, store, HANS, item_language)
    alert = store.get_delivery(delivery)
    assert alert is not None and alert.item.language == item_language
    [row] = alert_buttons(alert, translator(chat_language), translate=configured)
    data = [button.data for button in row]
    assert (f"t:{delivery}" in data) is shown
    assert all(len(d.encode()) <= 64 for d in data)
