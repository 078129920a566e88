"""Feed commands through python-telegram-bot and the fake Telegram: /addfeed with offer buttons, /export as
a document, and /import as a reply to it (getFile and the file download)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.settings import DatabaseSettings, PollingSettings, Settings, TelegramSettings
from feeds.opml import parse_opml
from tests.e2e_helpers import USER, ask, running
from tests.fake_telegram import FakeTelegram
from tests.feed_pages import page_linking, titled_feed
from tests.feed_server import FeedServer

NEWEST = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


async def test_addfeed_buttons_export_and_import_reply(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    for n in range(2):
        feed_server.add(f"/f{n}.xml", titled_feed(f"Wire {n}", [(f"g{n}", "Headline", NEWEST)]))
    feed_server.add(
        "/news", page_linking([("/f0.xml", "Wire 0"), ("/f1.xml", "Wire 1")]), content_type="text/html"
    )
    port = int(feed_server.base_url.rsplit(":", 1)[1])
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'e2e.db'}"),
        polling=PollingSettings(tick_seconds=1, allowed_ports=frozenset({port}), allow_private_networks=True),
        telegram=TelegramSettings(
            token=fake_telegram.token, api_base_url=fake_telegram.base_url, admins=frozenset({USER})
        ),
    )
    async with running(settings):
        offer = await ask(fake_telegram, f"/addfeed {feed_server.url('/news')}")
        assert "links 2 feeds" in offer
        listing = fake_telegram.messages_to(USER, method="sendMessage")[-1]
        assert listing.reply_markup is not None
        second = listing.reply_markup["inline_keyboard"][1][0]
        fake_telegram.press_button(USER, listing.message_id, second["callback_data"])
        [edit] = await fake_telegram.wait_for_messages(USER, 1, timeout=15, method="editMessageText")
        assert "Added feed" in edit.text and "Wire 1" in edit.text

        before = len(fake_telegram.messages_to(USER, method="sendDocument"))
        fake_telegram.user_says(USER, "/export")
        documents = await fake_telegram.wait_for_messages(USER, before + 1, timeout=15, method="sendDocument")
        [opml] = [f for f in fake_telegram.files if f.method == "sendDocument"]
        assert [feed.title for feed in parse_opml(opml.data)] == ["Wire 1"]
        assert "/removefeed" not in documents[-1].text
        assert "Removed" in await ask(fake_telegram, "/removefeed Wire 1")

        sent = len(fake_telegram.messages_to(USER, method="sendMessage"))
        fake_telegram.user_says(USER, "/import", reply_to=documents[-1].message_id)
        replies = await fake_telegram.wait_for_messages(USER, sent + 1, timeout=15, method="sendMessage")
        assert "added as Wire 1" in replies[-1].text and "1 added" in replies[-1].text
        assert fake_telegram.downloads, "the document was not downloaded"
        assert "reply to an OPML file" in await ask(fake_telegram, "/import")
