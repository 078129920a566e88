"""The Mini App in the running bot (``run_bot`` against the fake Telegram): with ``[webapp] url`` the bot
role serves it, sets the private chats' menu button and answers /app with a button; a subscription made
through the API is answered by /list in the chat. Without ``[webapp]``: no menu button, /app says so."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bot.settings import WebAppSettings
from tests.bot_harness import ask, bot_settings, running
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.scrape import free_port
from tests.webapp_helpers import init_data

USER = 3131
GROUP = -100777


async def wait_listening(port: int, seconds: float = 15.0) -> None:
    for _ in range(int(seconds * 20)):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on {port}")


async def test_the_bot_serves_the_mini_app(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    port = free_port()
    url = "https://wire.example.com/app/"
    settings = bot_settings(tmp_path, fake_telegram, feed_server)
    settings = replace(settings, webapp=WebAppSettings(url=url, listen=("127.0.0.1", port)))
    async with running(settings):
        await wait_listening(port)
        await ask(fake_telegram, "/start", USER)  # the bot answers: its menu and commands are set
        menu = [params for method, params in fake_telegram.calls if method.lower() == "setchatmenubutton"]
        assert menu and '"web_app"' in str(menu[-1]["menu_button"]) and url in str(menu[-1]["menu_button"])

        before = len(fake_telegram.messages_to(USER))
        fake_telegram.user_says(USER, "/app")
        (answer,) = (await fake_telegram.wait_for_messages(USER, before + 1))[before:]
        assert answer.reply_markup is not None
        assert answer.reply_markup["inline_keyboard"][0][0]["web_app"] == {"url": url}
        before = len(fake_telegram.messages_to(GROUP))
        fake_telegram.user_says(GROUP, "/app", user_id=USER, chat_type="supergroup")
        (group,) = (await fake_telegram.wait_for_messages(GROUP, before + 1))[before:]
        assert "private chat" in group.text and group.reply_markup is not None
        link = group.reply_markup["inline_keyboard"][0][0]
        assert link["url"] == f"https://t.me/{fake_telegram.bot_username}?start=app" and "web_app" not in link
        before = len(fake_telegram.messages_to(USER))
        fake_telegram.user_says(USER, "/start app")  # what the link sends in the private chat
        (opened,) = (await fake_telegram.wait_for_messages(USER, before + 1))[before:]
        assert opened.reply_markup is not None
        assert opened.reply_markup["inline_keyboard"][0][0]["web_app"] == {"url": url}

        headers = {"X-Telegram-Init-Data": init_data(USER, datetime.now(UTC), token=fake_telegram.token)}
        async with aiohttp.ClientSession() as session:
            api = f"http://127.0.0.1:{port}/app/api/subscriptions"
            async with session.post(api, json={"query": "Binzhou OR 滨州"}, headers=headers) as response:
                assert response.status == 201, await response.text()
                sub = await response.json()
        assert f"#{sub['id']} <code>Binzhou OR 滨州</code>" in await ask(fake_telegram, "/list", USER)


async def test_without_webapp_there_is_no_mini_app(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    async with running(bot_settings(tmp_path, fake_telegram, feed_server)):
        assert "no Mini App" in await ask(fake_telegram, "/app", USER)
        assert not [m for m, _ in fake_telegram.calls if m.lower() == "setchatmenubutton"]
