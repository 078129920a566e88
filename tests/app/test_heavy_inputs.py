"""Nothing heavy on the event loop: while one chat sends the worst inputs we know (/addfeed of a ~10 MB HTML
page, /trend, /quiet, /tz and /test of ~4,000 whitespace characters), another chat's /help is answered
within 0.5 s each time (a new chat each time, so no chat's own pace of ~1 message a second is measured).
The real bot against the fake Telegram and a loopback page server."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

from tests.bot_harness import ADMIN, ask, bot_settings, running
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss

OTHER = 6102
FILLER = "<div class='story'><p>" + "Binzhou port news, paragraph after paragraph. " * 20 + "</p></div>\n"
BIG_PAGE = (
    "<!doctype html><html><head><title>Big</title>"
    "<link rel='alternate' type='application/rss+xml' title='Big \u202eWire' href='/c.xml'>"
    "<link rel='alternate' type='application/atom+xml' title='Big Atom' href='/d.xml'>"
    "</head><body>" + FILLER * (9_900_000 // len(FILLER)) + "</body></html>"
).encode()
SPACES = "\u00a0" * 4000
WORST = [
    "/addfeed {big}",
    f"/trend a{SPACES}b",
    f"/quiet 22:00{' ' * 4000}x",
    f"/tz {'Asia/' * 800}",
    f"/test a{SPACES}b",
    "/addfeed {big}",
    f"/trend {' | ' * 1300}",
]


async def test_another_chat_is_answered_within_half_a_second(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    feed_server.add("/a.xml", rss([("a-1", "Harbor news", "A ferry opened.")]))
    big = feed_server.add("/big.html", BIG_PAGE, content_type="text/html")
    settings = bot_settings(tmp_path, fake_telegram, feed_server)
    port = int(feed_server.base_url.rsplit(":", 1)[1])
    polling = replace(settings.polling, allow_private_networks=True, allowed_ports=frozenset({port}))
    settings = replace(settings, polling=polling)
    async with running(settings):
        await ask(fake_telegram, "/help", OTHER)  # warm: the bot is up
        await ask(fake_telegram, "/help", ADMIN)

        async def worst() -> None:
            for line in WORST:
                fake_telegram.user_says(ADMIN, line.format(big=big))
                await asyncio.sleep(0.3)
            await asyncio.sleep(1.5)  # the last ones are still being answered

        flood = asyncio.create_task(worst())
        waits = []
        while not flood.done():
            started = time.monotonic()  # a new chat each time: a chat's own pace (~1/s) is not measured
            await ask(fake_telegram, "/help", OTHER + len(waits))
            waits.append(time.monotonic() - started)
            await asyncio.sleep(0.1)
        await flood
        replies = await fake_telegram.wait_for_messages(
            ADMIN, 1 + len(WORST), timeout=60, method="sendMessage"
        )
    assert len(waits) >= 5
    assert max(waits) <= 0.5, [round(w, 3) for w in waits]
    offered = " ".join(reply.text for reply in replies)
    assert "Big Wire" in offered and "\u202e" not in offered, (
        "the page's feeds are offered, bidi controls dropped"
    )
