"""``telegram.allowed_chats`` holds on every path: command, button, plain message, group join, alerts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from storage.store import Store
from tests.bot_harness import allowing, ask, bot_settings, running
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import RELEASE, rss
from tests.run_process import wait_until

FRIEND, STRANGER = 5201, 5202
FRIEND_GROUP, STRANGER_GROUP = -5301, -5302
PRIVATE = "private to its owner"


@pytest.fixture
def wires(feed_server: FeedServer) -> FeedServer:
    feed_server.add("/a.xml", rss([("a-1", "Unrelated biotech news", "A drug met its endpoint.")]))
    return feed_server


def open_store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'bot.db'}")


async def stranger_command(telegram: FakeTelegram, tmp_path: Path) -> None:
    assert PRIVATE in await ask(telegram, "/subscribe Binzhou", STRANGER)


async def stranger_message(telegram: FakeTelegram, tmp_path: Path) -> None:
    assert PRIVATE in await ask(telegram, "hello there", STRANGER)


async def stranger_button(telegram: FakeTelegram, tmp_path: Path) -> None:
    message = telegram.messages_to(STRANGER)[-1] if telegram.messages_to(STRANGER) else None
    if message is None:  # a message of the stranger's own to hang a (forged) button press on
        telegram.user_says(STRANGER, "/lang")
        [message] = await telegram.wait_for_messages(STRANGER, 1)
    telegram.press_button(STRANGER, message.message_id, "lang:zh-hans")
    [answer] = await telegram.wait_for_messages(STRANGER, 1, method="answerCallbackQuery")
    assert PRIVATE in answer.text
    await asyncio.sleep(0.5)
    assert not telegram.messages_to(STRANGER, method="editMessageText"), "a stranger's button acted"


async def stranger_group_join(telegram: FakeTelegram, tmp_path: Path) -> None:
    telegram.bot_added(STRANGER_GROUP)
    telegram.bot_added(FRIEND_GROUP)
    store = open_store(tmp_path)
    try:
        assert await asyncio.to_thread(wait_until, lambda: store.get_chat(FRIEND_GROUP) is not None, 10)
        await asyncio.sleep(0.5)
        assert store.get_chat(STRANGER_GROUP) is None, "joining a group that is not allowed made a chat"
    finally:
        store.close()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(stranger_command, id="command"),
        pytest.param(stranger_message, id="plain-message"),
        pytest.param(stranger_button, id="button-press"),
        pytest.param(stranger_group_join, id="group-join"),
    ],
)
async def test_strangers_are_refused(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer, path: Callable[..., Awaitable[None]]
) -> None:
    settings = bot_settings(tmp_path, fake_telegram, wires, frozenset({FRIEND, FRIEND_GROUP}))
    async with running(settings):
        await path(fake_telegram, tmp_path)
        assert "Subscribed" in await ask(fake_telegram, "/subscribe Binzhou", FRIEND)
    store = open_store(tmp_path)
    try:
        assert store.get_chat(STRANGER) is None, "a stranger got a chat row"
    finally:
        store.close()


async def test_alerts_stop_for_a_chat_removed_from_the_list_after_a_restart(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    settings = bot_settings(tmp_path, fake_telegram, wires, frozenset({FRIEND, STRANGER}))
    async with running(settings):
        assert "Subscribed" in await ask(fake_telegram, "/subscribe Binzhou", FRIEND)
        assert "Subscribed" in await ask(fake_telegram, "/subscribe Binzhou", STRANGER)
        fake_telegram.fail_next("sendMessage", code=500, chat_id=STRANGER, times=10_000)  # its alert waits
        wires.add("/a.xml", rss([("a-1", "Unrelated", "x"), ("a-2", *RELEASE)]))
        await fake_telegram.wait_for_messages(FRIEND, 2, timeout=15)
    store = open_store(tmp_path)
    try:
        assert store.count_pending(STRANGER) == 1, "the alert to the removed chat was not waiting"
        sends_before = sum(1 for method, params in fake_telegram.calls if _to(method, params, STRANGER))
        async with running(allowing(settings, frozenset({FRIEND}))):
            wires.add("/a.xml", rss([("a-2", *RELEASE), ("a-3", "Binzhou adds a second park", "Binzhou.")]))
            await fake_telegram.wait_for_messages(FRIEND, 3, timeout=15)
            assert await asyncio.to_thread(wait_until, lambda: store.count_pending(STRANGER) == 0, 20)
        sends_after = sum(1 for method, params in fake_telegram.calls if _to(method, params, STRANGER))
    finally:
        store.close()
    assert sends_after == sends_before, "an alert went to a chat that is no longer allowed"


def _to(method: str, params: dict[str, object], chat_id: int) -> bool:
    return method.lower() == "sendmessage" and str(params.get("chat_id")) == str(chat_id)
