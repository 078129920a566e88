"""Replies that carry a file: the Telegram adapter sends them with sendPhoto / sendDocument (real Bot
against the fake server, which keeps the bytes); the console saves them and prints the path."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import telegram
from telegram.request import HTTPXRequest

from bot.chat.replies import Attachment, Button, Reply
from bot.entry.console import reply_as_text
from bot.pipeline.pacing import Pacer
from bot.tg.outgoing import ReplySender
from feeds.models import ChatKind
from tests.fake_telegram import FakeTelegram

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a signature and some bytes: the fake stores what it gets


@pytest.mark.parametrize(
    ("kind", "method", "filename", "data"),
    [
        pytest.param("photo", "sendPhoto", "trend.png", PNG, id="photo"),
        pytest.param("document", "sendDocument", "feeds.opml", b"<opml version='2.0'/>", id="document"),
    ],
)
async def test_a_reply_with_a_file_arrives_with_its_caption_and_buttons(
    fake_telegram: FakeTelegram, kind: str, method: str, filename: str, data: bytes
) -> None:
    reply = Reply(
        "<b>Binzhou</b>: 9 stories &amp; more",
        ((Button("Again", "again"),),),
        Attachment(kind, data, filename),  # type: ignore[arg-type]
    )
    request = HTTPXRequest(connection_pool_size=4)
    async with telegram.Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=request) as bot:
        await ReplySender(bot, Pacer()).send(42, ChatKind.PRIVATE, reply)
    [sent] = fake_telegram.files
    assert (sent.chat_id, sent.method, sent.filename, sent.data) == (42, method, filename, data)
    assert sent.caption == "Binzhou: 9 stories & more"
    [message] = fake_telegram.messages_to(42)
    assert message.method == method and message.reply_markup is not None


def test_the_console_saves_the_file_and_shows_its_path(tmp_path: Path) -> None:
    reply = Reply("Stories per day", attachment=Attachment("photo", PNG, "trend.png"))
    text = reply_as_text(reply, tmp_path)
    first, caption = text.split("\n", 1)
    path = Path(first.removeprefix("[photo: ").removesuffix("]"))
    assert path.parent == tmp_path and path.suffix == ".png" and path.read_bytes() == PNG
    assert caption == "Stories per day"
    again = Path(reply_as_text(reply, tmp_path).split("\n", 1)[0].removeprefix("[photo: ").removesuffix("]"))
    assert again != path  # a fresh file each time
    assert io.BytesIO(again.read_bytes()).read(8) == PNG[:8]
