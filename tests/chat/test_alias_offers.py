"""Aliases in chat: /subscribe and /aliases offer a name in the other script with evidence, a press adds it
as an OR (same id), the match stage's index follows, Why? names it; stale, forged and bad input change
nothing and are answered. On SQLite and PostgreSQL, through the chat service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.alias_offers import ALIAS_PREFIX, button_data, offer_target
from bot.chat.context import ChatContext
from bot.chat.replies import Reply
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind, FeedSpec
from feeds.values import StoreUnavailableError
from storage.store import Store
from tests.fixtures_db import new_item

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
PRIVATE = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)
OTHER = ChatContext(1003, ChatKind.PRIVATE, user_id=1003)
SIMPLIFIED = ("滨州黄河绿色铝产业园开园", "本报滨州11月26日电 山东省滨州市黄河绿色铝产业园正式开园。")
TRADITIONAL = ("濱州港新增滾裝泊位", "本報濱州11月27日電 濱州港第二個滾裝泊位投入使用。")
ENGLISH = ("Binzhou Opens Green Aluminum Park", "BINZHOU, China -- The Yellow River park opened.")


def group(is_admin: bool) -> ChatContext:
    async def check() -> bool:
        return is_admin

    return ChatContext(-2001, ChatKind.GROUP, user_id=7, is_chat_admin=check)


@pytest.fixture
def matcher(store: Store) -> MatchService:
    return MatchService(store)


class Ticking:
    """The chat's clock: a second later at every reading (a re-made subscription is younger)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def service(store: Store, matcher: MatchService) -> ChatService:
    return ChatService(store, matcher, clock=Ticking())


def publish(store: Store, *releases: tuple[str, str], seen: datetime = NOW - timedelta(days=2)) -> None:
    (feed,) = store.sync_feeds([FeedSpec("Wire A", "http://127.0.0.1/a.xml", 60)], NOW)
    news = [new_item(f"{title}-{seen}", title=title, body=body, seen=seen) for title, body in releases]
    store.add_items(feed.id, news, timedelta(days=2))


async def say(service: ChatService, ctx: ChatContext, line: str) -> Reply:
    command, _, args = line.lstrip("/").partition(" ")
    return await service.handle(ctx, command, args)


def texts(reply: Reply) -> list[str]:
    return [button.text for row in reply.buttons for button in row]


def datas(reply: Reply) -> list[str]:
    return [button.data for row in reply.buttons for button in row]


async def test_subscribe_offers_press_rewrites_matches_and_why_names_it(
    store: Store, service: ChatService, matcher: MatchService
) -> None:
    publish(store, SIMPLIFIED, TRADITIONAL, ENGLISH)
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    [sub] = store.list_subscriptions(PRIVATE.chat_id)
    assert texts(reply)[0] == "➕ 滨州 · 2 in 90 days", "濱州 counts with 滨州"
    assert "another script" in reply.html
    assert all(len(data.encode()) <= 64 for data in datas(reply))

    answer = await service.callback(PRIVATE, datas(reply)[0])
    assert answer.edit is not None and "Binzhou OR 滨州" in answer.edit.html
    assert "滨州" not in "".join(texts(answer.edit)), "the added alias is not offered again"
    assert [s.query for s in store.list_subscriptions(PRIVATE.chat_id)] == ["Binzhou OR 滨州"]
    assert store.list_subscriptions(PRIVATE.chat_id)[0].id == sub.id
    assert "Binzhou OR 滨州" in (await say(service, PRIVATE, "/list")).html

    again = await service.callback(PRIVATE, datas(reply)[0])
    assert "no longer stands" in again.notice, "the button of the text before"
    assert [s.query for s in store.list_subscriptions(PRIVATE.chat_id)] == ["Binzhou OR 滨州"]

    publish(store, ("濱州舉行黃河生態論壇", "本報濱州電 論壇今日開幕。"), seen=NOW + timedelta(minutes=5))
    assert matcher.run_once(NOW + timedelta(minutes=6)) == 1, "the index follows the rewrite"
    (alert,) = store.pending_alerts(NOW + timedelta(minutes=6), 10)
    why = await service.callback(PRIVATE, f"w:{alert.delivery_id}")
    assert why.message is not None
    assert "<code>滨州</code> in the headline: <b>濱州</b>舉行" in why.message.html


async def test_the_alias_matches_from_the_press_on(
    store: Store, service: ChatService, matcher: MatchService
) -> None:
    publish(store, SIMPLIFIED)
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    publish(store, ("滨州港新增泊位", "本报滨州电 港口今日启用新泊位。"), seen=NOW + timedelta(minutes=5))
    assert matcher.run_once(NOW + timedelta(minutes=6)) == 0
    await service.callback(PRIVATE, datas(reply)[0])
    assert matcher.run_once(NOW + timedelta(minutes=7)) == 0, "matched before the press: not alerted now"


async def test_chinese_name_offers_its_pinyin(store: Store, service: ChatService) -> None:
    publish(store, ENGLISH, ("Binzhou Port Adds a Berth", "BINZHOU -- The port opened a berth."))
    reply = await say(service, PRIVATE, "/subscribe 濱州")
    assert texts(reply) == ["➕ Binzhou · 2 in 90 days"]
    answer = await service.callback(PRIVATE, datas(reply)[0])
    assert answer.edit is not None and "濱州 OR Binzhou" in answer.edit.html
    assert [s.query for s in store.list_subscriptions(PRIVATE.chat_id)] == ["濱州 OR Binzhou"]


@pytest.mark.parametrize(
    "query",
    ["solar", "Binzhou Shandong", '"Binzhou port"', "铝业园区", "Binzhou -aluminum", "title:Binzhou"],
    ids=["not-pinyin", "two-words", "phrase", "no-evidence-no-place", "exclusion", "field"],
)
async def test_no_buttons_without_a_name_or_evidence(store: Store, service: ChatService, query: str) -> None:
    publish(store, SIMPLIFIED)
    reply = await say(service, PRIVATE, f"/subscribe {query}")
    assert "Subscribed #" in reply.html and reply.buttons == ()


async def test_a_known_place_is_offered_without_evidence(store: Store, service: ChatService) -> None:
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    assert texts(reply) == ["➕ 滨州 · 0 in 90 days"], "the gazetteer knows it"


@pytest.mark.parametrize(
    "line",
    [
        "/subscribe 滨",
        "/subscribe " + "滨州" * 100,
        "/subscribe 滨州Binzhou",
        "/subscribe 🚢",
        "/subscribe 2026",
        "/subscribe -Binzhou",
        "/subscribe " + "Binzhou" * 30,
    ],
    ids=["one-char", "200-chars", "mixed", "emoji", "digits", "only-exclusion", "long-latin"],
)
async def test_bad_input_gets_an_answer_and_no_buttons(service: ChatService, line: str) -> None:
    reply = await say(service, PRIVATE, line)
    assert reply.html and reply.buttons == ()


async def test_aliases_command_offers_again_and_refuses_clearly(store: Store, service: ChatService) -> None:
    publish(store, SIMPLIFIED)
    await say(service, PRIVATE, "/subscribe Binzhou")
    await say(service, PRIVATE, '/subscribe "Binzhou port"')
    await say(service, PRIVATE, "/subscribe Weiqiao")
    [name, phrase, unknown] = store.list_subscriptions(PRIVATE.chat_id)
    offered = await say(service, PRIVATE, f"/aliases {name.id}")
    assert texts(offered)[0] == "➕ 滨州 · 1 in 90 days"
    assert "Usage: /aliases ID" in (await say(service, PRIVATE, "/aliases")).html
    assert "Usage: /aliases ID" in (await say(service, PRIVATE, "/aliases Binzhou")).html
    assert "No subscription #999" in (await say(service, PRIVATE, "/aliases 999")).html
    assert "is not one name" in (await say(service, PRIVATE, f"/aliases {phrase.id}")).html
    assert "No other names" in (await say(service, PRIVATE, f"/aliases #{unknown.id}")).html
    assert "No subscription" in (await say(service, OTHER, f"/aliases {name.id}")).html


async def test_stale_and_forged_buttons_change_nothing(store: Store, service: ChatService) -> None:
    publish(store, SIMPLIFIED)
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    [sub] = store.list_subscriptions(PRIVATE.chat_id)
    [data] = datas(reply)
    await say(service, OTHER, "/start")
    forged = [
        data.replace(str(sub.id), str(sub.id + 100)),  # no such subscription
        button_data(sub, "彬州"),  # not a candidate with evidence
        f"{ALIAS_PREFIX}{sub.id}:zz",
        f"{ALIAS_PREFIX}x:0123456789",
        f"{ALIAS_PREFIX}{'9' * 40}:0123456789",
    ]
    for bad in forged:
        assert "no longer stands" in (await service.callback(PRIVATE, bad)).notice, bad
    assert "no longer stands" in (await service.callback(OTHER, data)).notice, "another chat's button"
    await say(service, PRIVATE, f"/unsubscribe {sub.id}")
    await say(service, PRIVATE, "/subscribe Binzhou")
    assert "no longer stands" in (await service.callback(PRIVATE, data)).notice, "old subscription's button"
    assert [s.query for s in store.list_subscriptions(PRIVATE.chat_id)] == ["Binzhou"]


async def test_groups_admins_only(store: Store, service: ChatService) -> None:
    publish(store, SIMPLIFIED)
    reply = await say(service, group(True), "/subscribe Binzhou")
    [sub] = store.list_subscriptions(-2001)
    refused = await service.callback(group(False), datas(reply)[0])
    assert "administrators" in refused.notice
    assert "administrators" in (await say(service, group(False), f"/aliases {sub.id}")).html
    assert [s.query for s in store.list_subscriptions(-2001)] == ["Binzhou"]
    done = await service.callback(group(True), datas(reply)[0])
    assert done.edit is not None and "Binzhou OR 滨州" in done.edit.html


async def test_offers_in_traditional_show_and_add_the_name_in_its_script(
    store: Store, service: ChatService, matcher: MatchService
) -> None:
    publish(store, SIMPLIFIED)
    await say(service, PRIVATE, "/lang zh-hant")
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    assert texts(reply) == ["➕ 濱州 · 90 天內 1 篇"], "found as 滨州, shown as the chat writes it"
    answer = await service.callback(PRIVATE, datas(reply)[0])
    assert answer.edit is not None and "訂閱 #" in answer.edit.html and "Binzhou OR 濱州" in answer.edit.html
    assert "濱州" not in "".join(texts(answer.edit)), "the added alias is not offered again"
    assert [s.query for s in store.list_subscriptions(PRIVATE.chat_id)] == ["Binzhou OR 濱州"]
    publish(
        store,
        ("滨州港新增泊位", "本报滨州电 港口今日启用新泊位。"),
        ("濱州舉行黃河生態論壇", "本報濱州電 論壇今日開幕。"),
        seen=NOW + timedelta(minutes=5),
    )
    assert matcher.run_once(NOW + timedelta(minutes=6)) == 2, "濱州 as added matches both scripts"


async def test_simplified_chats_see_the_name_as_found(store: Store, service: ChatService) -> None:
    publish(store, TRADITIONAL)
    await say(service, PRIVATE, "/lang zh-hans")
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    assert texts(reply) == ["➕ 滨州 · 90 天内 1 篇"]


@pytest.mark.parametrize(
    ("query", "name", "present"),
    [
        ("Binzhou", "binzhou", {"binzhou"}),
        ("Binzhou  OR 濱州", "binzhou", {"binzhou", "滨州"}),
        ("滨州 OR Binzhou", "滨州", {"滨州", "binzhou"}),
        ("Binzhou OR 滨州 Shandong", None, None),
        ("Binzhou OR", None, None),
        ("Bin-zhou", None, None),
    ],
    ids=["name", "with-alias", "chinese", "and", "dangling-or", "hyphen"],
)
def test_offer_target(query: str, name: str | None, present: set[str] | None) -> None:
    target = offer_target(query)
    if name is None:
        assert target is None
        return
    assert target is not None and target.term.key == name and target.present == present


async def test_another_match_process_picks_up_the_rewrite(store: Store, service: ChatService) -> None:
    publish(store, SIMPLIFIED)
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    elsewhere = MatchService(store)  # a match process of its own, indexed before the press
    elsewhere.sync()
    await service.callback(PRIVATE, datas(reply)[0])
    elsewhere.sync()
    publish(store, ("滨州港新增泊位", "本报滨州电 港口今日启用新泊位。"), seen=NOW + timedelta(minutes=5))
    assert elsewhere.run_once(NOW + timedelta(minutes=6)) == 1


async def test_a_failing_lookup_still_subscribes(
    store: Store, service: ChatService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def away(*args: object, **kwargs: object) -> None:
        raise StoreUnavailableError("connection refused")

    monkeypatch.setattr(store, "aliases", away)  # the database fails between the insert and the lookup
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    assert "Subscribed #" in reply.html and reply.buttons == ()
    [sub] = store.list_subscriptions(PRIVATE.chat_id)
    assert "not answering" in (await say(service, PRIVATE, f"/aliases {sub.id}")).html


async def test_aliases_with_a_name_adds_an_offered_one(store: Store, service: ChatService) -> None:
    publish(store, SIMPLIFIED)
    await say(service, PRIVATE, "/subscribe Binzhou")
    [sub] = store.list_subscriptions(PRIVATE.chat_id)
    refused = await say(service, PRIVATE, f"/aliases {sub.id} 彬州")
    assert "is not one of the names offered" in refused.html
    added = await say(service, PRIVATE, f"/aliases {sub.id} 濱州")  # either script names the offer
    assert "Binzhou OR 滨州" in added.html
    assert [s.query for s in store.list_subscriptions(PRIVATE.chat_id)] == ["Binzhou OR 滨州"]


async def test_a_rewrite_into_another_subscription_is_refused(store: Store, service: ChatService) -> None:
    publish(store, SIMPLIFIED)
    await say(service, PRIVATE, "/subscribe Binzhou OR 滨州")
    reply = await say(service, PRIVATE, "/subscribe Binzhou")
    answer = await service.callback(PRIVATE, datas(reply)[0])
    assert "already subscribed to Binzhou OR 滨州" in answer.notice
    assert sorted(s.query for s in store.list_subscriptions(PRIVATE.chat_id)) == [
        "Binzhou",
        "Binzhou OR 滨州",
    ]
