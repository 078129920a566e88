"""Webhook mode in one process: the real webhook server, python-telegram-bot and the chat service against the
fake Telegram. Updates are POSTed over HTTP on 127.0.0.1 the way Telegram sends them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.entry.bot_webhook import BotWebhook
from bot.entry.roles import run_roles
from bot.entry.runtime import Runtime, open_runtime
from bot.settings import DatabaseSettings, Settings, TelegramSettings
from bot.tg.frontend import ALLOWED_UPDATES, TelegramFrontend
from bot.tg.webhook import HandledUpdates
from tests.fake_telegram import WEBHOOK_SECRET_HEADER, FakeTelegram, WebhookRegistration

SECRET = "s3cret_Token-42"
CHAT = 4242


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def telegram_settings(fake: FakeTelegram, port: int, path: str = "/tg/hook") -> TelegramSettings:
    return TelegramSettings(
        token=fake.token,
        api_base_url=fake.base_url,
        webhook_url=f"http://127.0.0.1:{port}{path}",
        webhook_listen=("127.0.0.1", port),
        webhook_secret=SECRET,
    )


@dataclass
class Served:
    """One bot process's webhook side: its frontend, its role object and the URL it serves."""

    frontend: TelegramFrontend
    role: BotWebhook
    url: str


@contextlib.asynccontextmanager
async def runtime_for(tmp_path: Path, fake: FakeTelegram) -> AsyncIterator[Runtime]:
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'hook.db'}"),
        telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url),
    )
    async with open_runtime(settings, use_processes=False) as runtime:
        yield runtime


@contextlib.asynccontextmanager
async def serving(
    runtime: Runtime, fake: FakeTelegram, stop: asyncio.Event, handled: HandledUpdates | None = None
) -> AsyncIterator[Served]:
    """A frontend with its own webhook server on a free port, registered and serving until the block ends;
    updates are claimed in ``handled`` (default: the runtime's store)."""
    telegram = telegram_settings(fake, free_port())
    frontend = TelegramFrontend(telegram, runtime.service, runtime.store)
    async with frontend.application:
        role = BotWebhook(frontend, telegram, stop, handled=handled or runtime.store, retry=0.1)
        task = asyncio.create_task(role.run())
        try:
            for _ in range(200):
                if role.registered or task.done():
                    break
                await asyncio.sleep(0.02)
            assert role.registered, "the webhook was not registered\n" + fake.transcript()
            assert telegram.webhook_url is not None
            yield Served(frontend, role, telegram.webhook_url)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status


async def help_reply(fake: FakeTelegram, url: str, chat_id: int) -> str:
    """POST a real /help update with the right secret; the chat's reply text."""
    before = len(fake.messages_to(chat_id))
    update = fake.user_update(chat_id, "/help")
    status = await post(url, json.dumps(update).encode(), {WEBHOOK_SECRET_HEADER: SECRET})
    assert status == 200
    return (await fake.wait_for_messages(chat_id, before + 1, timeout=15))[before].text


async def test_registers_with_the_secret_and_answers_help(
    tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stop = asyncio.Event()
    async with runtime_for(tmp_path, fake_telegram) as runtime, serving(runtime, fake_telegram, stop) as hook:
        assert fake_telegram.webhook == WebhookRegistration(hook.url, SECRET, ALLOWED_UPDATES, False)
        status = await fake_telegram.post_to_webhook(fake_telegram.user_update(CHAT, "/help"))
        assert status == 200
        replies = await fake_telegram.wait_for_messages(CHAT, 1, timeout=15)
        assert "/subscribe" in replies[0].text
    assert fake_telegram.webhook is not None, "stopping must leave the webhook registered"
    with pytest.raises(aiohttp.ClientConnectionError):
        await post(hook.url, b"{}", {WEBHOOK_SECRET_HEADER: SECRET})
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot.", "storage.", "feeds."))]
    assert ours and not any(SECRET in message for message in ours)
    assert hook.role.server.accepted == 1


GOOD = "good"
REFUSED = [
    # (id, secret header or None for none, body: GOOD = a real update, status)
    ("wrong secret", "not-the-secret", GOOD, 403),
    ("missing secret", None, GOOD, 403),
    ("empty secret", "", GOOD, 403),
    ("secret prefix", SECRET[:-1], GOOD, 403),
    ("secret plus a character", SECRET + "x", GOOD, 403),
    ("wrong secret and garbage", "nope", "{{{", 403),
    ("garbage", SECRET, "{{{", 400),
    ("not UTF-8", SECRET, "\udcff", 400),
    ("a JSON list", SECRET, "[1, 2]", 400),
    ("no update_id", SECRET, '{"message": {}}', 400),
    ("update_id not a number", SECRET, '{"update_id": "7"}', 400),
    ("a malformed message", SECRET, '{"update_id": 7, "message": {"text": "/help"}}', 400),
    ("a date past any calendar", SECRET, "DATE_1E20", 400),
    ("a date before any calendar", SECRET, "DATE_-1E20", 400),
    ("a date that is text", SECRET, 'DATE_"soon"', 400),
    ("100,000 nested arrays", SECRET, "[" * 100_000 + "]" * 100_000, 400),
    ("3,000 nested objects", SECRET, '{"a":' * 3000 + "1" + "}" * 3000, 400),
    (
        "3,000 nested objects in a message",
        SECRET,
        '{"update_id": 8, "message": ' + '{"a":' * 3000 + "1" + "}" * 3001,
        400,
    ),
    ("update_id past a BIGINT", SECRET, '{"update_id": 1' + "0" * 30 + "}", 400),
    ("update_id negative", SECRET, '{"update_id": -1}', 400),
    ("NaN", SECRET, '{"update_id": 9, "message": {"message_id": 1, "date": NaN}}', 400),
]


def body_of(fake: FakeTelegram, body: str) -> bytes:
    """The POST body of a case: a real update, one with a forged date, or the text as given."""
    if body == GOOD:
        return json.dumps(fake.user_update(CHAT, "/help")).encode()
    if body.startswith("DATE_"):
        update = fake.user_update(CHAT + 1, "/help")
        raw = json.dumps(update).replace(f'"date": {update["message"]["date"]}', f'"date": {body[5:]}')
        assert raw != json.dumps(update)
        return raw.encode()
    return body.encode("utf-8", "surrogateescape")


@pytest.mark.parametrize(("secret", "body", "status"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
async def test_refused_posts_are_not_handled(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    secret: str | None,
    body: str,
    status: int,
) -> None:
    stop = asyncio.Event()
    async with runtime_for(tmp_path, fake_telegram) as runtime, serving(runtime, fake_telegram, stop) as hook:
        payload = body_of(fake_telegram, body)
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[WEBHOOK_SECRET_HEADER] = secret
        assert await post(hook.url, payload, headers) == status
        # updates are handled in order: had the refused one been queued, its reply would come first
        await help_reply(fake_telegram, hook.url, CHAT)
        await asyncio.sleep(0.2)
        assert len(fake_telegram.messages_to(CHAT)) == 1, fake_telegram.transcript()
        assert (hook.role.server.accepted, hook.role.server.refused) == (1, 1)
    assert not [r for r in caplog.records if r.exc_info], "a refused body must not log a traceback"
    assert "Traceback" not in caplog.text


async def test_other_paths_and_methods_are_not_served(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    stop = asyncio.Event()
    async with runtime_for(tmp_path, fake_telegram) as runtime, serving(runtime, fake_telegram, stop) as hook:
        update = json.dumps(fake_telegram.user_update(CHAT, "/help")).encode()
        other = hook.url.replace("/tg/hook", "/elsewhere")
        assert await post(other, update, {WEBHOOK_SECRET_HEADER: SECRET}) == 404
        async with aiohttp.ClientSession() as session, session.get(hook.url) as response:
            assert response.status == 405
        assert hook.role.server.accepted == 0


async def test_two_servers_both_serve(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """Two bot processes behind a load balancer: each answers the updates it is given; no leader."""
    stop = asyncio.Event()
    async with (
        runtime_for(tmp_path, fake_telegram) as runtime,
        serving(runtime, fake_telegram, stop) as first,
        serving(runtime, fake_telegram, stop) as second,
    ):
        assert first.url != second.url
        for round_ in range(3):
            assert "/subscribe" in await help_reply(fake_telegram, first.url, CHAT + round_)
            assert "/subscribe" in await help_reply(fake_telegram, second.url, CHAT + 10 + round_)
        assert first.role.server.accepted == second.role.server.accepted == 3


async def test_registration_is_retried_until_telegram_takes_it(
    tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake_telegram.fail_next("setWebhook", code=502, description="Bad Gateway", times=2)
    stop = asyncio.Event()
    async with runtime_for(tmp_path, fake_telegram) as runtime, serving(runtime, fake_telegram, stop) as hook:
        assert fake_telegram.webhook is not None and fake_telegram.webhook.url == hook.url
        calls = [m for m, _ in fake_telegram.calls if m.lower() == "setwebhook"]
        assert len(calls) == 3
        assert caplog.text.count("webhook_register_failed") == 2
        assert "/subscribe" in await help_reply(fake_telegram, hook.url, CHAT)


async def test_long_polling_again_removes_the_webhook(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """Going back to long polling (no webhook_url) deletes the webhook left registered, then answers."""
    fake_telegram.webhook = WebhookRegistration("https://old.example.com/hook", SECRET, None, False)
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'poll.db'}"),
        telegram=TelegramSettings(token=fake_telegram.token, api_base_url=fake_telegram.base_url),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_roles(settings, {"bot"}, stop))
    try:
        fake_telegram.user_says(CHAT, "/help")
        replies = await fake_telegram.wait_for_messages(CHAT, 1, timeout=20)
        assert "/subscribe" in replies[0].text
        assert fake_telegram.webhook is None
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 15) == 0
