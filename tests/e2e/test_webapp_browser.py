"""The Mini App in headless Chromium at phone width, as a user sees it: opened with init data in the URL
hash, a subscription added through the live preview and answered by /list, quiet hours set and shown by
/status, in Telegram's light and dark themes. ``WIREWATCH_SCREENSHOTS=docs/screenshots`` saves each page."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.chat.context import ChatContext
from bot.chat.render import html_to_plain
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from bot.web.server import WebAppServer
from feeds.models import ChatKind, FeedState
from storage.store import Store
from tests.fixtures_db import WINDOW, new_item
from tests.webapp_browser import DARK, LIGHT, page_url, phone_page
from tests.webapp_helpers import init_data, running_webapp

USER = 4711  # also a bot administrator, so the Feeds tab shows
FIRST_RENDER_SECONDS = 1.0
HEADLINES = [
    ("Binzhou aluminium park opens its second smelter", 0),
    ("Weiqiao Pioneering reports record output in Binzhou", 1),
    ("滨州港新航线开通", 1),
    ("Binzhou hosts the Yellow River trade fair", 3),
    ("Dongying oil output rises", 2),
    ("Binzhou port expands its container terminal", 5),
]


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def stocked(store: Store, two_feeds: tuple[FeedState, FeedState], now: datetime) -> Store:
    for n, (title, days) in enumerate(sorted(HEADLINES, key=lambda h: -h[1])):
        item = new_item(
            f"r{n}",
            title=title,
            body=title,
            link=f"https://wire.example/{n}",
            seen=now - timedelta(days=days),
        )
        store.add_items(two_feeds[n % 2].id, [item], WINDOW)
    return store


@pytest.fixture
def service(stocked: Store, now: datetime) -> ChatService:
    return ChatService(stocked, MatchService(stocked), clock=lambda: now, admins=frozenset({USER}))


@pytest.fixture
async def app(service: ChatService, stocked: Store, now: datetime) -> AsyncIterator[WebAppServer]:
    async with running_webapp(service, stocked, lambda: now, admins=frozenset({USER})) as server:
        yield server


async def chat(service: ChatService, line: str) -> str:
    command, _, args = line.lstrip("/").partition(" ")
    return html_to_plain(
        (await service.handle(ChatContext(USER, ChatKind.PRIVATE, USER), command, args)).html
    )


async def shot(page: Any, name: str) -> None:
    folder = os.environ.get("WIREWATCH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        await page.evaluate("window.scrollTo(0, 0)")  # the sticky tabs at the top of the whole page
        await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


async def settings_loaded(page: Any) -> None:
    """Wait until the settings form shows the stored settings (the page's CSP forbids wait_for_function)."""
    for _ in range(100):
        if await page.input_value("#set-timezone"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the settings never loaded")


async def open_page(page: Any, app: WebAppServer, now: datetime, theme: dict[str, str]) -> float:
    """Open the page as Telegram does; the seconds until its first render (strings and list shown)."""
    base = f"http://127.0.0.1:{app.port}/app/"
    await page.goto("about:blank")
    started = time.perf_counter()
    await page.goto(page_url(base, init_data(USER, now), theme))
    await page.wait_for_selector("body[data-ready='1'] #sub-list li")
    return time.perf_counter() - started


async def test_subscribe_through_the_preview_and_set_quiet_hours(
    app: WebAppServer, service: ChatService, now: datetime
) -> None:
    async with phone_page() as page:
        await open_page(page, app, now, LIGHT)  # a fresh browser starts its renderer first
        first_render = await open_page(page, app, now, LIGHT)
        print(f"first render: {first_render * 1000:.0f} ms")
        assert first_render <= FIRST_RENDER_SECONDS, first_render
        assert await page.text_content("#sub-list") == "No subscriptions yet."

        await page.fill("#query", "Binzhou")
        await page.click("#preview .chip")  # the alias across scripts, offered as a chip
        assert await page.input_value("#query") == "Binzhou OR 滨州"
        await page.wait_for_selector("#preview ol.newest li:has-text('滨州港新航线开通')")
        preview = await page.text_content("#preview") or ""
        assert "Stories in the last 7 days: 5" in preview and "滨州港新航线开通" in preview
        await shot(page, "subscriptions-preview-light")

        await page.click("#subscribe")
        await page.wait_for_selector("#sub-list li[data-id]")
        assert "Binzhou OR 滨州" in await chat(service, "/list")
        assert "Subscribed #" in (await page.text_content("#status") or "")
        await shot(page, "subscriptions-light")

        await page.click("[data-tab='trends']")
        await page.click("#trend-form button")
        await page.wait_for_selector("#trend-chart svg rect")
        assert "Stories: 5" in (await page.text_content("#trend-chart") or "")
        await shot(page, "trends-light")

        await page.click("[data-tab='settings']")
        await settings_loaded(page)
        await page.fill("#set-quiet", "22:00-07:00")
        await page.click("#settings-form button[type='submit']")
        await page.wait_for_selector("#settings-messages li")
        assert "22:00-07:00" in await chat(service, "/status")
        await shot(page, "settings-light")

        await page.click("[data-tab='feeds']")
        await page.wait_for_selector("#feed-list li")
        await shot(page, "feeds-light")


async def test_dark_theme_and_chinese(app: WebAppServer, service: ChatService, now: datetime) -> None:
    await chat(service, "/subscribe Binzhou OR 滨州")
    await chat(service, "/lang zh-hans")
    async with phone_page() as page:
        await open_page(page, app, now, DARK)
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(23, 33, 43)"
        assert await page.text_content("[data-tab='settings']") == "设置"
        await page.fill("#query", "Binzhou AND")
        await page.wait_for_selector("#preview[data-ready='error']")
        assert "查询" in (await page.text_content("#preview") or "")  # the query error, in the chat's words
        await page.fill("#query", "Binzhou")
        await page.wait_for_selector("#preview[data-ready='1'] ol.newest li")
        await shot(page, "subscriptions-dark")
        for tab, ready in (
            ("trends", "#trend-chart svg rect"),
            ("settings", "#settings-form input"),
            ("feeds", "#feed-list li"),
        ):
            await page.click(f"[data-tab='{tab}']")
            if tab == "trends":
                await page.click("#trend-form button")
            await page.wait_for_selector(ready)
            if tab == "settings":
                await settings_loaded(page)
            await shot(page, f"{tab}-dark")
