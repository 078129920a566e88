"""Webhook mode through real processes: ``wirewatch run`` with ``telegram.webhook_url`` on a loopback port
registers the webhook with the fake Telegram and answers a /help POSTed to it; on PostgreSQL two ``bot``
processes (as behind a load balancer) both serve, neither waits as a standby."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.app.test_webhook import free_port
from tests.fake_telegram import WEBHOOK_SECRET_HEADER, FakeTelegram
from tests.run_process import WirewatchProcess

SECRET = "process_Secret-7"
CHAT = 3131


def webhook_config(path: Path, database_url: str, telegram: FakeTelegram, port: int) -> Path:
    path.write_text(
        f'[database]\nurl = "{database_url}"\n'
        f'[telegram]\napi_base_url = "{telegram.base_url}"\n'
        f'webhook_url = "http://127.0.0.1:{port}/wirewatch/hook"\n'
        f'webhook_listen = "127.0.0.1:{port}"\n'
    )
    return path


@pytest.fixture
def start(fake_telegram: FakeTelegram) -> Iterator[Callable[..., WirewatchProcess]]:
    """``start(config, *args)``: a ``wirewatch run`` process with the secret in its environment."""
    started: list[WirewatchProcess] = []

    def launch(config: Path, *args: str) -> WirewatchProcess:
        process = WirewatchProcess.start(
            config, fake_telegram.token, args=args, WIREWATCH_WEBHOOK_SECRET=SECRET
        )
        started.append(process)
        return process

    yield launch
    for process in started:
        process.cleanup()


async def until(predicate: Callable[[], bool], timeout: float, what: str, process: WirewatchProcess) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline or process.proc.poll() is not None:
            raise AssertionError(f"{what}: not within {timeout}s\n{process.stderr()[-3000:]}")
        await asyncio.sleep(0.1)


def registered_at(fake: FakeTelegram, port: int) -> Callable[[], bool]:
    return lambda: fake.webhook is not None and f":{port}/" in fake.webhook.url


async def test_run_in_webhook_mode_answers_a_posted_help(
    tmp_path: Path, fake_telegram: FakeTelegram, start: Callable[..., WirewatchProcess]
) -> None:
    port = free_port()
    database = f"sqlite:///{tmp_path / 'hook.db'}"
    config = webhook_config(tmp_path / "config.toml", database, fake_telegram, port)
    process = start(config, "-v")
    await until(registered_at(fake_telegram, port), 30, "setWebhook", process)
    assert fake_telegram.webhook is not None and fake_telegram.webhook.secret_token == SECRET
    assert fake_telegram.webhook.drop_pending_updates is False
    await until(lambda: "webhook_serving" in process.stderr(), 10, "serving", process)

    assert await fake_telegram.post_to_webhook(fake_telegram.user_update(CHAT, "/help")) == 200
    reply = await fake_telegram.wait_for_messages(CHAT, 1, timeout=20)
    assert "/subscribe" in reply[0].text
    assert await fake_telegram.post_to_webhook(fake_telegram.user_update(CHAT, "/help"), secret="x") == 403

    assert process.terminate() == 0
    log = process.stderr()
    assert SECRET not in log, "the webhook secret reached the log"
    assert "getUpdates" not in log and "bot_standby" not in log
    assert fake_telegram.webhook is not None, "stopping must leave the webhook registered"
    assert len(fake_telegram.messages_to(CHAT)) == 1


async def test_two_bot_processes_on_postgresql_both_serve(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    start: Callable[..., WirewatchProcess],
    pg_database_url: str,
) -> None:
    """Behind a load balancer every bot process gets some updates: no leader lock in webhook mode."""
    ports = [free_port(), free_port()]
    processes = []
    for index, port in enumerate(ports):
        config = webhook_config(tmp_path / f"config{index}.toml", pg_database_url, fake_telegram, port)
        processes.append(start(config, "--roles", "bot"))
    for process in processes:
        await until(lambda p=process: "webhook_serving" in p.stderr(), 30, "serving", process)
    await until(lambda: registrations(fake_telegram) == 2, 30, "two setWebhook calls", processes[0])

    for round_ in range(2):
        for index, port in enumerate(ports):
            chat = CHAT + 10 * index + round_
            update = fake_telegram.user_update(chat, "/help")
            url = f"http://127.0.0.1:{port}/wirewatch/hook"
            assert await post_json(url, update) == 200
            reply = await fake_telegram.wait_for_messages(chat, 1, timeout=20)
            assert "/subscribe" in reply[0].text
    for process in processes:
        assert "bot_standby" not in process.stderr()
        assert process.terminate() == 0
    assert registrations(fake_telegram) == 2, "each bot process registers the webhook once"


def registrations(fake: FakeTelegram) -> int:
    return sum(1 for method, _ in fake.calls if method.lower() == "setwebhook")


async def post_json(url: str, update: dict[str, object]) -> int:
    """POST an update as Telegram (through a load balancer) would, with the right secret."""
    headers = {WEBHOOK_SECRET_HEADER: SECRET}
    async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as answer:
        return answer.status
