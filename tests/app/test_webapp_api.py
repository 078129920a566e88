"""The Mini App's JSON API over HTTP on 127.0.0.1: the real server, chat service and store; init data signed
as Telegram signs it. What the page does shows in the chat (/list, /status) and obeys the chat's rules."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.chat.context import ChatContext
from bot.chat.render import html_to_plain
from bot.chat.service import ChatService
from bot.chat.subscriptions import MAX_SUBSCRIPTIONS_PER_CHAT
from bot.pipeline.match import MatchService
from bot.web.guard import CALLS_PER_MINUTE
from bot.web.server import WebAppServer
from feeds.models import ChatKind, FeedOrigin, FeedState
from storage.store import Store
from tests.fixtures_db import WINDOW, new_item
from tests.webapp_helpers import init_data, running_webapp

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
USER, OTHER, STRANGER, ADMIN = 1001, 1002, 666, 7
ALLOWED = frozenset({USER, OTHER, ADMIN})


@pytest.fixture
def stocked(store: Store, two_feeds: tuple[FeedState, FeedState]) -> Store:
    for n, days in enumerate((0, 1, 1, 2, 20)):
        seen = NOW - timedelta(days=days, hours=1)
        item = new_item(f"b{n}", title=f"Binzhou release {n}", body="Binzhou news.", seen=seen)
        store.add_items(two_feeds[n % 2].id, [item], WINDOW)
    return store


@pytest.fixture
def service(stocked: Store) -> ChatService:
    return ChatService(
        stocked, MatchService(stocked), clock=lambda: NOW, allowed_chats=ALLOWED, admins=frozenset({ADMIN})
    )


@pytest.fixture
async def app(service: ChatService, stocked: Store) -> AsyncIterator[WebAppServer]:
    async with running_webapp(service, stocked, lambda: NOW, admins=frozenset({ADMIN})) as server:
        yield server


class Client:
    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self.session, self.base = session, f"http://127.0.0.1:{port}/app/"

    async def call(
        self, method: str, path: str, body: Any = None, *, user: int = USER, raw: str | None = None, **kw: Any
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        headers = {"X-Telegram-Init-Data": raw if raw is not None else init_data(user, NOW)}
        data = json.dumps(body) if body is not None else None
        async with self.session.request(method, self.base + path, data=data, headers=headers, **kw) as r:
            payload = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, payload, r


@pytest.fixture
async def client(app: WebAppServer) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(session, app.port)


async def chat(service: ChatService, line: str, user: int = USER) -> str:
    command, _, args = line.lstrip("/").partition(" ")
    reply = await service.handle(ChatContext(user, ChatKind.PRIVATE, user_id=user), command, args)
    return html_to_plain(reply.html)


async def test_a_subscription_made_in_the_page_shows_in_list(client: Client, service: ChatService) -> None:
    status, sub, _ = await client.call("POST", "api/subscriptions", {"query": "Binzhou OR 滨州"})
    assert status == 201
    assert sub["query"] == "Binzhou OR 滨州" and isinstance(sub["id"], int)
    assert f"#{sub['id']}" in sub["message"]
    assert f"#{sub['id']} Binzhou OR 滨州" in await chat(service, "/list")
    status, listed, _ = await client.call("GET", "api/subscriptions")
    (row,) = listed["subscriptions"]
    assert row["id"] == sub["id"] and len(row["sparkline"]) == 30 and sum(row["sparkline"]) == 5
    assert row["last_match"] is not None and listed["paused"] is False


async def test_an_invalid_query_gets_the_chats_message(client: Client, service: ChatService) -> None:
    status, error, _ = await client.call("POST", "api/subscriptions", {"query": "Binzhou AND"})
    assert status == 422 and error["error"] == "invalid_query"
    assert error["message"] == (await chat(service, "/subscribe Binzhou AND")).strip()
    status, error, _ = await client.call("POST", "api/preview", {"query": "("})
    assert status == 422 and "doesn't work" in error["message"]


async def test_the_chats_limit_holds_in_the_page(
    client: Client, stocked: Store, service: ChatService
) -> None:
    await chat(service, "/list")  # the chat exists
    for n in range(MAX_SUBSCRIPTIONS_PER_CHAT):
        stocked.add_subscription(USER, f"word{n}", NOW)
    status, error, _ = await client.call("POST", "api/subscriptions", {"query": "Binzhou"})
    assert status == 409 and str(MAX_SUBSCRIPTIONS_PER_CHAT) in error["message"]


async def test_the_preview_counts_what_test_counts(client: Client, service: ChatService) -> None:
    status, preview, _ = await client.call("POST", "api/preview", {"query": "Binzhou"})
    assert status == 200 and len(preview["stories"]) == 7 and sum(preview["stories"]) == 4
    assert [item["title"] for item in preview["newest"]][:1] == ["Binzhou release 3"]  # newest first seen
    assert "4 stories" in await chat(service, "/test Binzhou")
    status, _, _ = await client.call("GET", "api/subscriptions")
    assert (await chat(service, "/list")).startswith("No subscriptions yet")  # nothing was subscribed


async def test_the_trend_has_the_counts_of_trend(client: Client) -> None:
    status, trend, _ = await client.call("GET", "api/trend?query=Binzhou&days=30")
    assert status == 200 and len(trend["stories"]) == 30 and trend["total"] == 5
    status, _, _ = await client.call("GET", "api/trend?query=Binzhou&days=31")
    assert status == 422


async def test_settings_set_in_the_page_show_in_status(client: Client, service: ChatService) -> None:
    body = {"timezone": "Asia/Shanghai", "digest_times": ["08:00", "18:00"], "quiet_hours": "22:00-07:00"}
    status, settings, _ = await client.call("PUT", "api/settings", body)
    assert status == 200, settings
    assert settings["timezone"] == "Asia/Shanghai" and settings["digest_times"] == ["08:00", "18:00"]
    assert settings["quiet_hours"] == "22:00-07:00" and len(settings["messages"]) == 3
    shown = await chat(service, "/status")
    assert "Asia/Shanghai" in shown and "22:00-07:00" in shown and "08:00" in shown
    status, settings, _ = await client.call("PUT", "api/settings", {"quiet_hours": None, "digest_times": []})
    assert settings["quiet_hours"] is None and settings["digest_times"] == []
    status, settings, _ = await client.call("PUT", "api/settings", {"language": "zh-hant", "paused": True})
    assert settings["language"] == "zh-Hant" and settings["paused"] is True
    status, me, _ = await client.call("GET", "api/me")
    assert me["language"] == "zh-Hant" and me["strings"]["tab_settings"] == "設定"


async def test_a_bad_setting_changes_nothing(client: Client) -> None:
    status, error, _ = await client.call(
        "PUT", "api/settings", {"quiet_hours": "22:00", "timezone": "Asia/Tokyo"}
    )
    assert status == 422 and "22:00-07:00" in error["message"]
    _, settings, _ = await client.call("GET", "api/settings")
    assert settings["timezone"] == "UTC"


async def test_one_user_cannot_reach_anothers_ids(client: Client) -> None:
    _, sub, _ = await client.call("POST", "api/subscriptions", {"query": "Binzhou"}, user=OTHER)
    for method, path in (
        ("DELETE", f"api/subscriptions/{sub['id']}"),
        ("POST", f"api/subscriptions/{sub['id']}/mute"),
    ):
        status, error, _ = await client.call(method, path)
        assert (status, error["error"]) == (404, "not_found")
    status, removed, _ = await client.call("DELETE", f"api/subscriptions/{sub['id']}", user=OTHER)
    assert status == 200 and removed["id"] == sub["id"]


async def test_mute_and_unmute(client: Client, service: ChatService) -> None:
    _, sub, _ = await client.call("POST", "api/subscriptions", {"query": "Binzhou"})
    status, muted, _ = await client.call("POST", f"api/subscriptions/{sub['id']}/mute")
    assert status == 200 and muted["muted_until"]
    assert "Muted: #" in await chat(service, "/status")
    status, _, _ = await client.call("DELETE", f"api/subscriptions/{sub['id']}/mute")
    assert status == 200 and "Muted: #" not in await chat(service, "/status")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="missing"),
        pytest.param(init_data(USER, NOW, token="1:other-bot"), id="forged"),
        pytest.param(init_data(USER, NOW - timedelta(hours=25)), id="stale"),
    ],
)
async def test_bad_init_data_gets_401(client: Client, raw: str) -> None:
    status, error, _ = await client.call("GET", "api/subscriptions", raw=raw)
    assert (status, error["error"]) == (401, "unauthorized") and error["message"]


async def test_a_chat_not_allowed_gets_403(client: Client) -> None:
    status, error, _ = await client.call("GET", "api/me", user=STRANGER)
    assert (status, error["error"]) == (403, "forbidden")


async def test_feeds_are_for_admins(client: Client) -> None:
    status, error, _ = await client.call("GET", "api/feeds")
    assert (status, error["error"]) == (403, "forbidden")
    status, feeds, _ = await client.call("GET", "api/feeds", user=ADMIN)
    assert status == 200 and len(feeds["feeds"]) == 2 and feeds["feeds"][0]["health"]
    status, error, _ = await client.call("DELETE", "api/feeds/999999", user=ADMIN)
    assert status == 404
    status, added, _ = await client.call("POST", "api/feeds", {"url": "http://127.0.0.1:9/feed"}, user=ADMIN)
    assert status == 200 and added["message"]  # the guard refuses loopback, in the chat's words


async def test_a_feed_password_never_reaches_the_page(client: Client, stocked: Store) -> None:
    stocked.add_feed(
        "secret", "https://reader:hunter2@wire.example.com/f.xml", 300, origin=FeedOrigin.CLI, now=NOW
    )
    status, feeds, _ = await client.call("GET", "api/feeds", user=ADMIN)
    assert status == 200
    urls = [feed["url"] for feed in feeds["feeds"]]
    assert "https://reader:***@wire.example.com/f.xml" in urls
    assert "hunter2" not in json.dumps(feeds)


async def test_a_body_over_16_kb_gets_413(client: Client) -> None:
    status, error, _ = await client.call("POST", "api/preview", {"query": "x" * 17_000})
    assert (status, error["error"]) == (413, "too_large")


async def test_more_than_60_calls_a_minute_get_429(client: Client) -> None:
    statuses = [(await client.call("GET", "api/settings"))[0] for _ in range(CALLS_PER_MINUTE + 1)]
    assert statuses[:-1] == [200] * CALLS_PER_MINUTE and statuses[-1] == 429
    status, _, _ = await client.call("GET", "api/settings", user=OTHER)
    assert status == 200  # counted per user


async def test_the_page_is_served_with_a_strict_policy(client: Client) -> None:
    status, html, response = await client.call("GET", "")
    assert status == 200 and "<script>" not in html and 'src="app.js"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' https://telegram.org;" in csp and "unsafe-inline" not in csp
    assert "Set-Cookie" not in response.headers and "Access-Control-Allow-Origin" not in response.headers
    status, _, response = await client.call("GET", "app.js")
    assert status == 200 and response.content_type == "text/javascript"
    status, error, _ = await client.call("GET", "nothing.js")
    assert status == 404 and error["error"] == "not_found"


async def test_aliases_across_scripts_are_offered(
    client: Client, stocked: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    for n in range(3):
        item = new_item(
            f"zh{n}", title=f"滨州港新航线开通 {n}", body="滨州市政府今天宣布。", seen=NOW - timedelta(days=n)
        )
        stocked.add_items(two_feeds[0].id, [item], WINDOW)
    status, found, _ = await client.call("GET", "api/aliases?term=Binzhou")
    assert status == 200 and found["aliases"][0]["text"] == "滨州" and found["aliases"][0]["releases"] >= 3
    status, found, _ = await client.call("GET", "api/aliases?term=Binzhou%20OR%20x")
    assert (status, found["aliases"]) == (200, [])
    await client.call("PUT", "api/settings", {"language": "zh-hant"})
    status, found, _ = await client.call("GET", "api/aliases?term=Binzhou")
    assert status == 200 and found["aliases"][0]["text"] == "濱州", "in the chat's script, as chips add it"
