"""The chat service answers in the chat's language: its /lang choice, else the sender's, else the default."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.chat.chat_settings import LANGUAGE_PREFIX
from bot.chat.context import ChatContext
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind
from storage.store import Store
from tests.chat.test_chat_commands import add_release, group, say

HANS = ChatContext(3001, ChatKind.PRIVATE, user_id=3001, language_code="zh-hans")
HK = ChatContext(3002, ChatKind.PRIVATE, user_id=3002, language_code="zh-hk")
GERMAN = ChatContext(3003, ChatKind.PRIVATE, user_id=3003, language_code="de")


@pytest.fixture
def service(store: Store) -> ChatService:
    return ChatService(store, MatchService(store), admins=frozenset({42}))


async def test_simplified_chinese_sender_gets_chinese(service: ChatService, store: Store) -> None:
    help_text = await say(service, HANS, "/start")
    assert "<b>查询语法</b>" in help_text and "<code>山东 OR 魏桥</code>" in help_text
    assert "/subscribe — " in help_text  # command names stay ASCII
    answer = await say(service, HANS, "/subscribe 滨州")
    [sub] = store.list_subscriptions(HANS.chat_id)
    assert f"已订阅 #{sub.id}：<code>滨州</code>" in answer
    assert "未知命令 /nope" in await say(service, HANS, "/nope")
    assert "最近 7 天内没有匹配 <code>coal</code> 的新闻稿。" in await say(service, HANS, "/recent coal")


async def test_hong_kong_sender_gets_traditional(service: ChatService) -> None:
    assert "<b>查詢語法</b>" in await say(service, HK, "/help")
    assert "還沒有訂閱。" in await say(service, HK, "/list")
    assert "我只回應指令" in (await service.text(HK, "你好")).html


async def test_unknown_sender_language_gets_the_configured_default(store: Store) -> None:
    service = ChatService(store, MatchService(store), default_language="zh-Hant")
    assert "還沒有訂閱。" in await say(service, GERMAN, "/list")
    english_default = ChatService(store, MatchService(store))
    assert "No subscriptions yet." in await say(english_default, GERMAN, "/list")


async def test_lang_en_switches_the_chat_to_english(service: ChatService, store: Store) -> None:
    assert "This chat's language is now English." in await say(service, HANS, "/lang EN")
    chat = store.get_chat(HANS.chat_id)
    assert chat is not None and chat.language == "en"
    assert "No subscriptions yet." in await say(service, HANS, "/list")  # chat beats sender
    assert "本聊天的语言已设为简体中文。" in await say(service, HANS, "/lang zh_Hans")


async def test_lang_alone_shows_the_choice_as_buttons(service: ChatService) -> None:
    reply = await service.handle(HK, "lang", "")
    assert "本聊天目前的語言：繁體中文" in reply.html
    [row] = reply.buttons
    assert [b.text for b in row] == ["English", "简体中文", "繁體中文"]
    assert all(b.data.startswith(LANGUAGE_PREFIX) and len(b.data.encode()) <= 64 for b in row)
    pressed = await service.button(HK, row[1].data)
    assert "本聊天的语言已设为简体中文。" in pressed.html
    assert "还没有订阅。" in await say(service, HK, "/list")


async def test_unknown_language_gets_usage_in_the_chat_language(service: ChatService) -> None:
    answer = await say(service, HANS, "/lang klingon")
    assert "暂不支持 <code>klingon</code>" in answer and "用法：/lang en" in answer


async def test_group_members_cannot_change_the_language(service: ChatService, store: Store) -> None:
    member = replace(group(is_admin=False), language_code="zh-tw")
    answer = await say(service, member, "/lang en")
    assert "只有本群組的管理員可以變更訂閱和設定" in answer
    chat = store.get_chat(member.chat_id)
    assert chat is not None and chat.language is None
    admin = replace(group(is_admin=True), language_code="zh-tw")
    assert "English" in await say(service, admin, "/lang en")
    assert "No subscriptions yet." in await say(service, member, "/list")  # the group's choice, for everyone


async def test_recent_dates_follow_the_language(service: ChatService, store: Store) -> None:
    add_release(store, "滨州发布新闻", "滨州今天发布。")
    answer = await say(service, HANS, "/recent 滨州")
    assert "<b>匹配 <code>滨州</code> 的最新新闻稿</b>" in answer
    assert "月" in answer and "日 " in answer and "UTC" in answer
    assert "滨州发布新闻" in answer  # content as written


async def test_feed_health_in_chinese(store: Store) -> None:
    from datetime import UTC, datetime

    from feeds.models import FeedSpec

    store.sync_feeds([FeedSpec("Wire A", "http://127.0.0.1/a.xml", 60)], datetime.now(UTC))
    service = ChatService(store, MatchService(store), admins=frozenset({42}))
    admin = ChatContext(3004, ChatKind.PRIVATE, user_id=42, language_code="zh-cn")
    answer = await say(service, admin, "/feeds")
    assert "<b>信息源（1）</b>" in answer and "新加入" in answer and "从未" in answer


async def test_the_sender_language_is_remembered_for_alerts(service: ChatService, store: Store) -> None:
    await say(service, HK, "/help")
    chat = store.get_chat(HK.chat_id)
    assert chat is not None and (chat.language, chat.sender_language) == (None, "zh-Hant")
    await say(service, GERMAN, "/help")  # a language we don't speak changes nothing
    chat = store.get_chat(GERMAN.chat_id)
    assert chat is not None and chat.sender_language is None
