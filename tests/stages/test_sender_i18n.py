"""Alerts go out in the chat's language: its /lang choice, else its last sender's, else the default (the
outbox is the in-memory fake, as in ``test_sender``)."""

from __future__ import annotations

import pytest
import telegram

from bot.pipeline.deliver import AlertSender
from bot.pipeline.pacing import Pacer
from bot.tg.transport import TelegramTransport
from feeds.models import ChatKind
from tests.fake_telegram import FakeTelegram
from tests.fakes.memory_store import MemoryStore
from tests.stages.test_sender import Outbox, bot, outbox, store, texts  # noqa: F401 — fixtures

FAST = Pacer(private_per_second=100, group_per_minute=6000)


@pytest.mark.parametrize(
    ("chosen", "sender", "default", "labels"),
    [
        pytest.param(None, None, "en", ["<b>7 new alerts</b>", "matched: <code>solar"], id="default-en"),
        pytest.param(None, "zh-Hans", "en", ["<b>7 条新提醒</b>", "匹配：<code>solar"], id="sender-zh"),
        pytest.param("zh-Hant", "zh-Hans", "en", ["<b>7 則新提醒</b>", "符合：<code>solar"], id="chosen"),
        pytest.param(None, None, "zh-Hant", ["<b>7 則新提醒</b>"], id="default-zh-hant"),
    ],
)
async def test_alert_language(
    outbox: Outbox,  # noqa: F811
    store: MemoryStore,  # noqa: F811
    bot: telegram.Bot,  # noqa: F811
    fake_telegram: FakeTelegram,
    chosen: str | None,
    sender: str | None,
    default: str,
    labels: list[str],
) -> None:
    grouped = outbox.chat(7, ChatKind.PRIVATE)
    outbox.alerts(7, grouped, 7)
    single = outbox.chat(8, ChatKind.PRIVATE)
    outbox.alerts(8, single, 1)
    for chat_id in (7, 8):
        store.set_chat_language(chat_id, chosen)
        store.set_sender_language(chat_id, sender)
    alerts = AlertSender(store, TelegramTransport(bot), FAST, default_language=default)
    assert await alerts.drain_once() == 2
    [digest] = texts(fake_telegram, 7)
    [alert] = texts(fake_telegram, 8)
    assert labels[0] in digest
    for label in labels[1:]:
        assert label in alert
