"""/test and /trend end to end: the real app against a loopback feed server and the fake Telegram server,
which keeps the uploaded PNG (checked: signature, size, dimensions)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e_helpers import USER, ask, running, settings_for
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import RELEASE, rss

STORIES = [
    ("a-1", *RELEASE),
    ("a-2", "Binzhou port adds a berth", "Binzhou's port opened a new berth for Weiqiao Pioneering."),
    ("a-3", "Dongying refinery output rises", "Dongying reported more output."),
    ("a-4", "滨州港新泊位启用", "滨州港今日启用新泊位。"),
]


@pytest.fixture
def stocked(feed_server: FeedServer) -> FeedServer:
    feed_server.add("/a.xml", rss(STORIES))
    feed_server.add("/b.xml", rss([("b-1", RELEASE[0], RELEASE[1].replace("Xinhua-AsiaNet", "PRNewswire"))]))
    return feed_server


async def photo(telegram: FakeTelegram, text: str) -> tuple[bytes, str]:
    before = len(telegram.files)
    telegram.user_says(USER, text)
    await telegram.wait_for_messages(USER, before + 1, timeout=30, method="sendPhoto")
    sent = telegram.files[before]
    assert sent.method == "sendPhoto" and sent.filename.endswith(".png")
    assert sent.data.startswith(b"\x89PNG\r\n\x1a\n") and len(sent.data) < 200_000
    with Image.open(io.BytesIO(sent.data)) as image:
        assert image.format == "PNG" and image.size == (1200, 600)
    assert len(sent.caption) <= 1024
    return sent.data, sent.caption


async def test_test_and_trend_through_telegram(
    tmp_path: Path, fake_telegram: FakeTelegram, stocked: FeedServer
) -> None:
    async with running(settings_for(tmp_path, fake_telegram, stocked)):
        await ask(fake_telegram, "/help")  # let the first poll store the wires
        for _ in range(100):
            answer = await ask(fake_telegram, "/test Binzhou")
            if "2 stories" in answer:  # both feeds polled (a loaded machine polls them apart)
                break
            await asyncio.sleep(0.2)
        assert "2 stories" in answer and "3 releases" in answer  # one story on two wires
        assert "port adds a berth" in answer and "nothing is subscribed" in answer
        loosen = await ask(fake_telegram, '/test "pioneering weiqiao"')
        assert "Nothing matched" in loosen and "would have matched" in loosen

        _, one = await photo(fake_telegram, "/trend Binzhou 14")
        assert "last 14 days" in one and "Binzhou — 2 stories" in one

        _, three = await photo(fake_telegram, "/trend Binzhou | Dongying | 滨州")
        lines = three.splitlines()
        assert len(lines) == 4 and "Dongying — 1 story" in lines[2] and "滨州" in lines[3]

        assert "no chart" in await ask(fake_telegram, "/trend zzzunknown")
    assert len(fake_telegram.files) == 2
