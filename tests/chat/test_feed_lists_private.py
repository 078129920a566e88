"""Lists of feeds stay private: an administrator's /feeds or /export in a group is one line pointing to
the private chat (no URL reaches the group's members); the same commands in the private chat answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.chat.context import ChatContext
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind, FeedOrigin
from storage.store import Store

ADMIN = 42
SECRET_URL = "http://wire.example/private-feed.xml?key=k"
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
GROUPS = [ChatKind.GROUP, ChatKind.SUPERGROUP]


@pytest.fixture
def service(store: Store) -> ChatService:
    store.add_feed("Private Wire", SECRET_URL, 600, origin=FeedOrigin.CLI, now=NOW)
    return ChatService(store, MatchService(store), admins=frozenset({ADMIN}))


@pytest.mark.parametrize("kind", GROUPS, ids=[k.value for k in GROUPS])
@pytest.mark.parametrize("command", ["feeds", "export"])
async def test_an_admins_feed_list_in_a_group_is_one_line_pointing_to_the_private_chat(
    service: ChatService, kind: ChatKind, command: str
) -> None:
    group = ChatContext(-5001, kind, user_id=ADMIN)
    reply = await service.handle(group, command, "")
    assert reply.html == (f"The feed list stays private: send /{command} to me in a private chat.")
    assert reply.attachment is None and "\n" not in reply.html and "wire.example" not in reply.html


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("zh-hans", "信息源列表不公开给群组：请在与我的私聊中发送 /export。"),
        ("zh-hant", "資訊來源列表不公開給群組：請在與我的私人聊天中傳送 /export。"),
    ],
)
async def test_the_pointer_speaks_the_groups_language(
    store: Store, service: ChatService, language: str, line: str
) -> None:
    group = ChatContext(-5002, ChatKind.GROUP, user_id=ADMIN)
    await service.handle(group, "lang", language)
    assert (await service.handle(group, "export", "")).html == line


async def test_in_the_private_chat_the_admin_gets_the_list(service: ChatService) -> None:
    private = ChatContext(ADMIN, ChatKind.PRIVATE, user_id=ADMIN)
    assert "Private Wire" in (await service.handle(private, "feeds", "")).html
    exported = await service.handle(private, "export", "")
    assert exported.attachment is not None and b"private-feed.xml" in exported.attachment.data


async def test_a_member_who_is_not_an_admin_is_refused_as_before(service: ChatService) -> None:
    group = ChatContext(-5003, ChatKind.GROUP, user_id=7)
    refusal = (await service.handle(group, "feeds", "")).html
    assert refusal.startswith("/feeds is for the bot's administrators only.")  # then their id, to be added
    assert "feed list stays private" not in refusal
