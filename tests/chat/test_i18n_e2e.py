"""Languages end to end: the real Telegram adapter (python-telegram-bot, long polling) against the fake Bot
API server, users whose updates carry ``from.language_code``, the real store on SQLite and PostgreSQL, and a
real ``AlertSender`` delivery."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.chat.service import ChatService
from bot.pipeline.deliver import AlertSender
from bot.pipeline.match import MatchService
from bot.pipeline.pacing import Pacer
from bot.settings import TelegramSettings
from bot.tg.frontend import TelegramFrontend
from bot.tg.transport import TelegramTransport
from feeds.models import FeedSpec
from storage.store import Store
from tests.fake_telegram import FakeTelegram
from tests.fixtures_db import new_item

FAST = Pacer(private_per_second=100, group_per_minute=6000)
WIRES = ("Wire A", "Wire B")


@dataclass
class Bot:
    """The running adapter, its index and an alert sender on the same bot."""

    telegram: FakeTelegram
    store: Store
    matcher: MatchService
    sender: AlertSender
    released: int = 0

    async def ask(self, chat_id: int, text: str, **sender: object) -> str:
        """Say ``text`` in the chat (as ``sender``) and return the bot's answer."""
        before = len(self.telegram.messages_to(chat_id))
        self.telegram.user_says(chat_id, text, **sender)  # type: ignore[arg-type]
        messages = await self.telegram.wait_for_messages(chat_id, before + 1, timeout=15)
        return messages[before].text

    async def release(self, chat_id: int, title: str) -> str:
        """A release on both wires (one story), matched and delivered; the alert the chat got."""
        self.released += 1
        now = datetime.now(UTC) + timedelta(seconds=1)
        states = self.store.sync_feeds(
            [FeedSpec(name, f"http://127.0.0.1/{name}.xml", 60) for name in WIRES], now
        )
        link = f"https://wire.example.com/{self.released}"
        for state in states:
            item = new_item(
                f"{state.name}-{self.released}",
                title=title,
                body=f"{title}. 滨州 Binzhou.",
                link=link,
                seen=now,
            )
            self.store.add_items(state.id, [item], timedelta(days=3))
        before = len(self.telegram.messages_to(chat_id))
        assert self.matcher.run_once(now) >= 1
        assert await self.sender.drain_once() >= 1
        messages = await self.telegram.wait_for_messages(chat_id, before + 1, timeout=15)
        return messages[before].text


@contextlib.asynccontextmanager
async def running(store: Store, telegram: FakeTelegram) -> AsyncIterator[Bot]:
    matcher = MatchService(store)
    settings = TelegramSettings(token=telegram.token, api_base_url=telegram.base_url)
    frontend = TelegramFrontend(settings, ChatService(store, matcher), store)
    app = frontend.application
    async with app:
        await frontend.register_commands()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=["message", "callback_query"], poll_interval=0.05)
        try:
            yield Bot(telegram, store, matcher, AlertSender(store, TelegramTransport(app.bot), FAST))
        finally:
            await app.updater.stop()
            await app.stop()


async def test_simplified_chinese_user_then_lang_en(store: Store, fake_telegram: FakeTelegram) -> None:
    user = 6001
    async with running(store, fake_telegram) as bot:
        start = await bot.ask(user, "/start", language_code="zh-hans")
        assert "<b>查询语法</b>" in start and "/subscribe — " in start
        subscribed = await bot.ask(user, "/subscribe 滨州", language_code="zh-hans")
        assert "已订阅 #" in subscribed and "<code>滨州</code>" in subscribed
        alert = await bot.release(user, "滨州新园区开工")
        assert "匹配：<code>滨州</code>" in alert and "另见于：Wire B" in alert
        assert "matched" not in alert and "also on" not in alert

        assert "This chat's language is now English." in await bot.ask(
            user, "/lang en", language_code="zh-hans"
        )
        chat = store.get_chat(user)
        assert chat is not None and chat.language == "en"
        assert "<b>Subscriptions (1)</b>" in await bot.ask(user, "/list", language_code="zh-hans")
        alert = await bot.release(user, "滨州第二园区开工")
        assert "matched: <code>滨州</code>" in alert and "also on: Wire B" in alert


async def test_lang_buttons_switch_the_chat(store: Store, fake_telegram: FakeTelegram) -> None:
    user = 6002
    async with running(store, fake_telegram) as bot:
        choice = await bot.ask(user, "/lang", language_code="zh-tw")
        assert "本聊天目前的語言：繁體中文" in choice
        [shown] = fake_telegram.messages_to(user)
        assert shown.reply_markup is not None
        datas = [b["callback_data"] for row in shown.reply_markup["inline_keyboard"] for b in row]
        assert datas == ["lang:en", "lang:zh-hans", "lang:zh-hant"]
        fake_telegram.press_button(user, shown.message_id, "lang:zh-hans")
        edited = await fake_telegram.wait_for_messages(user, 2, timeout=15)
        assert "本聊天的语言已设为简体中文。" in edited[1].text
        chat = store.get_chat(user)
        assert chat is not None and chat.language == "zh-Hans"


async def test_a_groups_non_admin_cannot_change_its_language(
    store: Store, fake_telegram: FakeTelegram
) -> None:
    group = -6101
    fake_telegram.set_admins(group, {77})
    async with running(store, fake_telegram) as bot:
        refusal = await bot.ask(group, "/lang en", user_id=88, chat_type="group", language_code="zh-hans")
        assert "只有本群组的管理员" in refusal
        chat = store.get_chat(group)
        assert chat is not None and chat.language is None
        done = await bot.ask(group, "/lang zh-hant", user_id=77, chat_type="group", language_code="en")
        assert "本聊天的語言已設為繁體中文。" in done
        # the chat's choice now beats every sender's language
        listed = await bot.ask(group, "/list", user_id=88, chat_type="group", language_code="en-US")
        assert "還沒有訂閱。" in listed


async def test_hong_kong_user_gets_traditional_chinese(store: Store, fake_telegram: FakeTelegram) -> None:
    user = 6003
    async with running(store, fake_telegram) as bot:
        assert "<b>查詢語法</b>" in await bot.ask(user, "/start", language_code="zh-hk")
        refused = await bot.ask(user, '/subscribe "滨州', language_code="zh-hk")
        assert '這個查詢無法使用："滨州 處的引號沒有閉合。' in refused and "用法：/subscribe" in refused
        subscribed = await bot.ask(user, "/subscribe 滨州 OR 魏桥", language_code="zh-hk")
        assert "已訂閱 #" in subscribed and "任一個：「滨州」、「魏桥」" in subscribed
        alert = await bot.release(user, "魏桥创业集团发布新闻稿")
        assert "符合：<code>滨州 OR 魏桥</code>" in alert


async def test_command_menus_are_registered_per_language(store: Store, fake_telegram: FakeTelegram) -> None:
    async with running(store, fake_telegram):
        menus = {
            params.get("language_code", ""): json.loads(params["commands"])
            for method, params in fake_telegram.calls
            if method.lower() == "setmycommands"
        }
    assert set(menus) == {"", "en", "zh"}
    assert all(len(code) <= 2 for code in menus), "setMyCommands takes two-letter codes only"
    descriptions = {code: {c["command"]: c["description"] for c in menu} for code, menu in menus.items()}
    assert "订阅" in descriptions["zh"]["subscribe"]
    assert (
        descriptions[""]["subscribe"]
        == descriptions["en"]["subscribe"]
        == "Alert me about a query: /subscribe Binzhou"
    )
