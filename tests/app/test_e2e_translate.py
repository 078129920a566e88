"""End to end through the fake Telegram server and a loopback LibreTranslate: an English release alerts a
简体 chat with a Translate button; a press, and /translate as a reply, answer the alert in Chinese."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.settings.model import TranslateSettings
from tests.app.test_e2e_volume import buttons_of
from tests.e2e_helpers import USER, ask, running, settings_for
from tests.fake_telegram import FakeTelegram
from tests.fake_translators import fake_translators
from tests.feed_server import FeedServer
from tests.releases import RELEASE, rss


async def test_translate_button_and_command(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    feed_server.add("/a.xml", rss([("a-1", "Unrelated biotech news", "A drug met its endpoint.")]))
    feed_server.add("/b.xml", rss([]))
    async with fake_translators() as fakes:
        settings = replace(
            settings_for(tmp_path, fake_telegram, feed_server),
            translate=TranslateSettings(provider="libretranslate", url=fakes.base, timeout_seconds=2),
        )
        async with running(settings):
            assert "简体中文" in await ask(fake_telegram, "/lang zh-hans")
            assert "#1" in await ask(fake_telegram, "/subscribe Binzhou")
            before = len(fake_telegram.messages_to(USER, method="sendMessage"))
            feed_server.add("/a.xml", rss([("a-1", "Unrelated", "x"), ("a-2", *RELEASE)]))
            alerts = await fake_telegram.wait_for_messages(USER, before + 1, timeout=20, method="sendMessage")
            alert = alerts[before]
            data = [button["callback_data"] for button in buttons_of(alert)]
            assert [d.split(":")[0] for d in data] == ["m", "u", "w", "t"]
            assert buttons_of(alert)[3]["text"] == "🌐 翻译"
            fake_telegram.press_button(USER, alert.message_id, data[3])
            sent = await fake_telegram.wait_for_messages(USER, before + 2, timeout=15, method="sendMessage")
            reply = sent[before + 1]
            assert reply.reply_to == alert.message_id
            assert reply.text.startswith("🌐 <b>汉语:Binzhou opens")
            assert "机器翻译：LibreTranslate" in reply.text
            fake_telegram.user_says(USER, "/translate", reply_to=alert.message_id)
            sent = await fake_telegram.wait_for_messages(USER, before + 3, timeout=15, method="sendMessage")
            assert sent[before + 2].reply_to == alert.message_id and sent[before + 2].text == reply.text
    assert len(fakes.requests) == 1  # the second answer came from the cache
