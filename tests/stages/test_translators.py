"""The translator adapters against loopback fakes of each provider's API, and the translation service
over the real store: one call per press, the cache, the budgets, every fault, a failed provider rested."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.entry.doctor import check_translator
from bot.settings import Settings
from bot.settings.model import TranslateSettings
from bot.translate.deepl import FREE_URL, PRO_URL, DeepL, default_url
from bot.translate.google import GoogleTranslate
from bot.translate.http import TranslatorError
from bot.translate.libretranslate import LibreTranslate
from bot.translate.providers import Provider
from bot.translate.service import REST, Budgets, TranslationService, probe
from feeds.models import FeedState
from feeds.translation import TranslationRequest, Unavailable
from storage.store import Store
from tests.fake_translators import KEY, FakeTranslators, fake_translators
from tests.fixtures_db import T0, WINDOW, new_item

TIMEOUT = 0.3  # the 10 s default, shortened for the slow-translator test


@pytest.fixture
async def fakes() -> AsyncIterator[FakeTranslators]:
    async with fake_translators() as running:
        yield running


def providers(base: str) -> dict[str, Provider]:
    return {
        "libretranslate": LibreTranslate(base),
        "deepl": DeepL(KEY, base),
        "google": GoogleTranslate(KEY, base),
    }


PROVIDERS = ["libretranslate", "deepl", "google"]


@pytest.mark.parametrize("name", PROVIDERS)
async def test_one_call_translates_every_text(fakes: FakeTranslators, name: str) -> None:
    provider = providers(fakes.base)[name]
    async with aiohttp.ClientSession() as session:
        batch = await provider.translate(session, ["Binzhou port", "It opened."], "en", TIMEOUT)
    mark = "[en-us]" if name == "deepl" else "[en]"
    assert batch.texts == [f"{mark} Binzhou port", f"{mark} It opened."]
    assert batch.detected == "en"
    [(path, headers, query, body)] = fakes.requests
    expected = {
        "libretranslate": ("/translate", {"q": ["Binzhou port", "It opened."], "source": "auto"}),
        "deepl": ("/v2/translate", {"text": ["Binzhou port", "It opened."], "target_lang": "EN-US"}),
        "google": ("/language/translate/v2", {"q": ["Binzhou port", "It opened."], "format": "text"}),
    }[name]
    assert path == expected[0]
    assert expected[1].items() <= body.items()
    assert (headers.get("Authorization"), query.get("key")) == {
        "libretranslate": (None, None),
        "deepl": (f"DeepL-Auth-Key {KEY}", None),
        "google": (None, KEY),
    }[name]


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("deepl", "zh-Hant", "ZH-HANT"),
        ("google", "zh-Hant", "zh-TW"),
        ("google", "zh-Hans", "zh-CN"),
        ("libretranslate", "zh-Hant", "zh"),  # no Traditional: the service converts
    ],
)
async def test_chinese_targets(fakes: FakeTranslators, name: str, target: str, expected: str) -> None:
    async with aiohttp.ClientSession() as session:
        await providers(fakes.base)[name].translate(session, ["x"], target, TIMEOUT)
    body = fakes.requests[0][3]
    assert body.get("target", body.get("target_lang")) == expected


def test_deepl_endpoint_follows_the_key() -> None:
    assert default_url("abc:fx") == FREE_URL
    assert default_url("abc") == PRO_URL


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("html", Unavailable.BAD_ANSWER),
        ("empty", Unavailable.BAD_ANSWER),
        ("huge", Unavailable.BAD_ANSWER),
        ("invalid", Unavailable.BAD_ANSWER),
        ("shape", Unavailable.BAD_ANSWER),
        ("429", Unavailable.QUOTA),
        ("500", Unavailable.DOWN),
    ],
)
async def test_faults_become_reasons(
    fakes: FakeTranslators, name: str, fault: str, reason: Unavailable
) -> None:
    fakes.fault = fault
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TranslatorError) as raised:
            await providers(fakes.base)[name].translate(session, ["x"], "en", TIMEOUT)
    assert raised.value.reason is reason
    assert KEY not in str(raised.value)
    if fault == "429":
        assert raised.value.retry_after == 120


@pytest.mark.parametrize(("name", "fault"), [("deepl", "456"), ("google", "403")])
async def test_quota_statuses(fakes: FakeTranslators, name: str, fault: str) -> None:
    fakes.fault = fault
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TranslatorError) as raised:
            await providers(fakes.base)[name].translate(session, ["x"], "en", TIMEOUT)
    assert raised.value.reason is Unavailable.QUOTA


async def test_slow_translator_times_out(fakes: FakeTranslators) -> None:
    fakes.delay = 1.0
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TranslatorError) as raised:
            await LibreTranslate(fakes.base).translate(session, ["x"], "en", TIMEOUT)
    assert raised.value.reason is Unavailable.TIMEOUT
    assert time.monotonic() - started < 0.9


async def test_translator_down() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TranslatorError) as raised:
            await LibreTranslate("http://127.0.0.1:9").translate(session, ["x"], "en", TIMEOUT)
    assert raised.value.reason is Unavailable.DOWN


# --- the service over the real store --------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Counted:
    def __init__(self) -> None:
        self.results: list[tuple[str, str, int]] = []

    def translation(self, provider: str, result: str, characters: int) -> None:
        self.results.append((provider, result, characters))


@pytest.fixture
def item_id(store: Store, two_feeds: tuple[FeedState, FeedState]) -> int:
    (item,) = store.add_items(two_feeds[0].id, [new_item("t1", title="Binzhou port opens")], WINDOW)
    return item.id


def request(
    item_id: int, chat_id: int = 1, target: str = "zh-Hans", sentence: str = ""
) -> TranslationRequest:
    return TranslationRequest(item_id, chat_id, target, "Binzhou port opens", "It opened.", sentence, "en")


def service(store: Store, provider: Provider, clock: Clock, **kwargs: object) -> TranslationService:
    return TranslationService(provider, store, clock, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


async def test_second_press_is_cached_for_every_chat(
    fakes: FakeTranslators, store: Store, item_id: int
) -> None:
    counted = Counted()
    first = service(store, LibreTranslate(fakes.base), Clock(), metrics=counted)
    outcome = await first.translate(request(item_id, sentence="The port is in Binzhou."))
    assert outcome.translation is not None and not outcome.cached
    assert outcome.translation.title == "汉语:Binzhou port opens"
    assert outcome.translation.provider == "LibreTranslate"
    assert len(fakes.requests) == 1  # headline, summary and sentence in one call
    assert fakes.requests[0][3]["q"] == ["Binzhou port opens", "It opened.", "The port is in Binzhou."]
    await first.close()
    other_process = service(store, LibreTranslate(fakes.base), Clock(), metrics=counted)
    started = time.perf_counter()
    again = await other_process.translate(request(item_id, chat_id=2, sentence="The port is in Binzhou."))
    assert time.perf_counter() - started < 0.05
    assert again.cached and again.translation == outcome.translation
    assert len(fakes.requests) == 1
    assert [r[1] for r in counted.results] == ["ok", "cached"]
    assert counted.results[0][2] == len("Binzhou port opens") + len("It opened.") + len(
        "The port is in Binzhou."
    )


async def test_traditional_by_opencc_when_the_provider_has_none(
    fakes: FakeTranslators, store: Store, item_id: int
) -> None:
    translated = await service(store, LibreTranslate(fakes.base), Clock()).translate(
        request(item_id, target="zh-Hant")
    )
    assert translated.translation is not None
    assert translated.translation.title == "漢語:Binzhou port opens"  # 汉 → 漢 by OpenCC
    assert translated.translation.language == "zh-Hant"


async def test_failed_provider_rests_a_minute(fakes: FakeTranslators, store: Store, item_id: int) -> None:
    clock = Clock()
    translating = service(store, LibreTranslate(fakes.base), clock)
    fakes.fault = "500"
    assert (await translating.translate(request(item_id))).unavailable is Unavailable.DOWN
    fakes.fault = None
    for _ in range(5):  # presses while resting: answered, nobody called
        assert (await translating.translate(request(item_id))).unavailable is Unavailable.DOWN
    assert len(fakes.requests) == 1
    clock.now += REST + timedelta(seconds=1)
    assert (await translating.translate(request(item_id))).translation is not None
    assert len(fakes.requests) == 2


async def test_429_rests_as_long_as_asked(fakes: FakeTranslators, store: Store, item_id: int) -> None:
    clock = Clock()
    translating = service(store, DeepL(KEY, fakes.base), clock)
    fakes.fault = "429"
    assert (await translating.translate(request(item_id))).unavailable is Unavailable.QUOTA
    fakes.fault = None
    clock.now += timedelta(seconds=90)  # Retry-After: 120
    assert (await translating.translate(request(item_id))).unavailable is Unavailable.DOWN
    clock.now += timedelta(seconds=31)
    assert (await translating.translate(request(item_id))).translation is not None
    assert len(fakes.requests) == 2


async def test_budgets(fakes: FakeTranslators, store: Store, two_feeds: tuple[FeedState, FeedState]) -> None:
    items = store.add_items(
        two_feeds[0].id, [new_item(f"b{n}", title=f"Title {n}") for n in range(4)], WINDOW
    )
    cost = request(items[0].id).characters
    clock = Clock()
    translating = service(store, GoogleTranslate(KEY, fakes.base), clock, budgets=Budgets(3 * cost, 2 * cost))
    results = [(await translating.translate(request(item.id, chat_id=7))).unavailable for item in items[:3]]
    assert results == [None, None, Unavailable.QUOTA]  # the chat's budget is spent
    other = await translating.translate(request(items[2].id, chat_id=8))
    assert other.translation is not None
    spent = await translating.translate(request(items[3].id, chat_id=9))
    assert spent.unavailable is Unavailable.QUOTA  # all chats' budget spent
    assert len(fakes.requests) == 3
    clock.now += timedelta(days=1)
    assert (await translating.translate(request(items[3].id, chat_id=9))).translation is not None


@pytest.mark.parametrize("fault", ["500", "invalid", "429"])
async def test_a_failed_call_gives_its_characters_back(
    fakes: FakeTranslators, store: Store, item_id: int, fault: str
) -> None:
    clock = Clock()
    cost = request(item_id).characters
    translating = service(store, LibreTranslate(fakes.base), clock, budgets=Budgets(cost, cost))
    fakes.fault = fault
    assert (await translating.translate(request(item_id))).translation is None
    fakes.fault = None
    clock.now += timedelta(minutes=3)  # rested, the same day
    assert (await translating.translate(request(item_id))).translation is not None, "the budget as before"
    assert len(fakes.requests) == 2


async def test_two_presses_at_once_make_one_call(fakes: FakeTranslators, store: Store, item_id: int) -> None:
    fakes.delay = 0.1  # the first call is still out when the second press comes
    translating = TranslationService(LibreTranslate(fakes.base), store, Clock(), timeout=5.0)
    first, second = await asyncio.gather(
        translating.translate(request(item_id, chat_id=1)), translating.translate(request(item_id, chat_id=2))
    )
    assert len(fakes.requests) == 1
    assert first.translation is not None and second.translation == first.translation
    assert (first.cached, second.cached) == (False, True)
    other_language = await translating.translate(request(item_id, target="en"))
    assert other_language.translation is not None and len(fakes.requests) == 2
    await translating.close()


@pytest.mark.parametrize("fault", ["html", "huge", "invalid", "empty", "456"])
async def test_bad_answers_are_one_unavailable_outcome(
    fakes: FakeTranslators, store: Store, item_id: int, fault: str
) -> None:
    fakes.fault = fault
    outcome = await service(store, DeepL(KEY, fakes.base), Clock()).translate(request(item_id))
    assert outcome.translation is None and outcome.unavailable is not None
    assert store.cached_translation(item_id, "zh-Hans") is None


async def test_empty_translations_are_unavailable(fakes: FakeTranslators, store: Store, item_id: int) -> None:
    fakes.empty_texts = True
    outcome = await service(store, GoogleTranslate(KEY, fakes.base), Clock()).translate(request(item_id))
    assert outcome.unavailable is Unavailable.BAD_ANSWER


async def test_doctor_probe(fakes: FakeTranslators) -> None:
    assert await probe(DeepL(KEY, fakes.base), TIMEOUT) is None
    assert len(fakes.requests) == 1 and fakes.requests[0][3]["text"] == ["Hello"]
    fakes.fault = "456"
    assert await probe(DeepL(KEY, fakes.base), TIMEOUT) == "quota: 456"
    assert await probe(DeepL("wrong", fakes.base), TIMEOUT) == "down: HTTP 403"


async def test_doctor_row(fakes: FakeTranslators) -> None:
    configured = TranslateSettings(provider="deepl", url=fakes.base, api_key=KEY)
    assert await check_translator(replace(Settings(), translate=TranslateSettings())) == []
    [ok] = await check_translator(replace(Settings(), translate=configured))
    assert ok.ok and ok.detail == "DeepL answered"
    fakes.fault = "456"
    [quota] = await check_translator(replace(Settings(), translate=configured))
    assert not quota.ok and "quota" in quota.detail and KEY not in quota.detail
    [keyless] = await check_translator(replace(Settings(), translate=replace(configured, api_key=None)))
    assert not keyless.ok and "WIREWATCH_TRANSLATE_API_KEY" in keyless.hint
