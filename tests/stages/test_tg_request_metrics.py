"""Every Bot API call is counted by method and result: real python-telegram-bot, the fake Telegram server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import telegram
from prometheus_client import generate_latest
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.ops.metrics import Metrics
from bot.pipeline.transport import SendResult
from bot.tg.request import CountingRequest, api_method, result_of
from bot.tg.transport import TelegramTransport
from tests.fake_telegram import FakeTelegram

CHAT = 4711

Arrange = Callable[[FakeTelegram], None]


def telegram_counts(metrics: Metrics) -> dict[tuple[str, str], float]:
    counts = {}
    for family in metrics.registry.collect():
        for s in family.samples:
            if s.name == "wirewatch_telegram_requests_total":
                counts[(s.labels["method"], s.labels["result"])] = s.value
    return counts


CASES: list[tuple[str, Arrange, str, str]] = [
    # id, what the fake does, what we send, expected result label
    ("ok", lambda f: None, "<b>hello</b>", "ok"),
    ("429", lambda f: f.fail_next("sendMessage", code=429, retry_after=1), "hi", "retry_after"),
    ("403-blocked", lambda f: f.block(CHAT), "hi", "forbidden"),
    ("400-bad-html", lambda f: None, "<b>unclosed", "bad_request"),
    ("502-gateway-down", lambda f: f.set_down(True), "hi", "network"),
    ("409-other", lambda f: f.fail_next("sendMessage", code=409, description="Conflict"), "hi", "error"),
]


@pytest.mark.parametrize(("arrange", "html", "result"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_each_send_is_counted_once_with_its_result(
    fake_telegram: FakeTelegram, arrange: Arrange, html: str, result: str
) -> None:
    metrics = Metrics()
    request = CountingRequest(metrics, read_timeout=5, connect_timeout=2)
    async with telegram.Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=request) as bot:
        arrange(fake_telegram)
        outcome = await TelegramTransport(bot).send_html(CHAT, html)
        fake_telegram.set_down(False)
    assert isinstance(outcome, SendResult) and outcome.ok == (result == "ok")
    counts = telegram_counts(metrics)
    assert counts[("sendMessage", result)] == 1
    assert sum(n for (method, _), n in counts.items() if method == "sendMessage") == 1
    assert counts[("getMe", "ok")] == 1  # the Bot's initialize


async def test_no_answer_counts_as_network_and_the_token_is_never_a_label(
    fake_telegram: FakeTelegram,
) -> None:
    metrics = Metrics()
    ok: list[str] = []
    request = CountingRequest(metrics, ok.append, read_timeout=1, connect_timeout=1)
    bot = telegram.Bot(fake_telegram.token, base_url="http://127.0.0.1:9/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(TelegramError):
            await bot.send_message(CHAT, "hi", parse_mode=ParseMode.HTML)
    finally:
        await request.shutdown()
    assert telegram_counts(metrics) == {("sendMessage", "network"): 1}
    assert ok == []
    assert fake_telegram.token not in generate_latest(metrics.registry).decode()


async def test_on_ok_hears_answered_methods(fake_telegram: FakeTelegram) -> None:
    heard: list[str] = []
    request = CountingRequest(Metrics(), heard.append)
    bot = telegram.Bot(
        fake_telegram.token, base_url=fake_telegram.base_url, request=request, get_updates_request=request
    )
    async with bot:
        await bot.get_updates(timeout=0)
        fake_telegram.set_down(True)
        with pytest.raises(TelegramError):
            await bot.get_updates(timeout=0)
        fake_telegram.set_down(False)
    assert heard == ["getMe", "getUpdates"]


@pytest.mark.parametrize(
    ("url", "http_method", "method"),
    [
        ("https://api.telegram.org/bot123:SECRET/sendMessage", "POST", "sendMessage"),
        ("http://127.0.0.1:1/bot123:SECRET/getUpdates/", "POST", "getUpdates"),
        ("https://api.telegram.org/file/bot123:SECRET/photos/file_1.jpg", "GET", "download"),
    ],
    ids=["send", "trailing-slash", "file-download"],
)
def test_api_method(url: str, http_method: str, method: str) -> None:
    assert api_method(url, http_method) == method


@pytest.mark.parametrize(
    ("code", "result"),
    [
        (200, "ok"),
        (400, "bad_request"),
        (401, "error"),
        (403, "forbidden"),
        (429, "retry_after"),
        (502, "network"),
    ],
)
def test_result_of(code: int, result: str) -> None:
    assert result_of(code) == result
