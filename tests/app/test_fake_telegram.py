"""The fake Telegram server, driven by the real python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fake_telegram import ApiError, FakeTelegram, HtmlValidator, RateLimiter
from tests.fixtures_telegram import *  # noqa: F403

CHAT = 4242
GROUP = -1001234


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """A real python-telegram-bot Bot pointed at the fake."""
    async with Bot(
        fake_telegram.token, base_url=fake_telegram.base_url, base_file_url=fake_telegram.base_file_url
    ) as real_bot:
        yield real_bot


@pytest.fixture
async def limited_bot(
    fake_telegram_limited: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Bot]:
    """A real Bot pointed at a fake that enforces flood limits (RetryAfter.retry_after as timedelta)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    server = fake_telegram_limited
    async with Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url) as real_bot:
        yield real_bot


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data=data)]])


# ------------------------------------------------------------------------------------ happy paths


async def test_get_me_returns_the_configured_username(bot: Bot, fake_telegram: FakeTelegram) -> None:
    me = await bot.get_me()
    assert (me.username, me.is_bot) == ("wirewatch_test_bot", True)
    assert bot.username == "wirewatch_test_bot"
    assert fake_telegram.calls[0][0] == "getMe"


async def test_send_message_is_recorded_with_parse_mode_preview_and_markup(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    first = await bot.send_message(
        CHAT,
        "<b>Acme</b> &amp; co",
        parse_mode="HTML",
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=keyboard("more:1"),
    )
    second = await bot.send_message(CHAT, "plain")

    assert first.text == "Acme & co"  # Telegram answers with the parsed text
    assert second.message_id == first.message_id + 1
    sent = fake_telegram.messages_to(CHAT)
    assert [(m.text, m.parse_mode, m.disable_preview) for m in sent] == [
        ("<b>Acme</b> &amp; co", "HTML", True),
        ("plain", None, False),
    ]
    assert sent[0].reply_markup == {"inline_keyboard": [[{"text": "More", "callback_data": "more:1"}]]}
    assert sent[0].method == "sendMessage" and sent[0].at <= sent[1].at
    assert fake_telegram.messages_to(CHAT + 1) == []
    assert fake_telegram.stats.sent_ok == 2


async def test_edit_message_text_is_recorded_and_unchanged_edit_is_refused(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    message = await bot.send_message(CHAT, "v1")
    edited = await bot.edit_message_text("v2", chat_id=CHAT, message_id=message.message_id)
    assert edited.text == "v2"  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v2", chat_id=CHAT, message_id=message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("v3", chat_id=CHAT, message_id=999)
    assert [m.method for m in fake_telegram.messages_to(CHAT)] == ["sendMessage", "editMessageText"]


async def test_edit_reply_markup_replaces_the_keyboard(bot: Bot, fake_telegram: FakeTelegram) -> None:
    message = await bot.send_message(CHAT, "v1", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=keyboard("b"))
    edit = fake_telegram.messages_to(CHAT, method="editMessageReplyMarkup")
    assert [(e.text, e.reply_markup) for e in edit] == [("v1", keyboard("b").to_dict())]


@pytest.mark.parametrize(
    ("content_type", "body", "query"),
    [
        pytest.param("application/json", b'{"chat_id": 7, "text": "hi"}', "", id="json-body"),
        pytest.param("application/x-www-form-urlencoded", b"chat_id=7&text=hi", "", id="form-body"),
        pytest.param("", b"", "?chat_id=7&text=hi", id="query-string"),
    ],
)
async def test_parameters_are_read_from_json_form_and_query_string(
    fake_telegram: FakeTelegram, content_type: str, body: bytes, query: str
) -> None:
    url = f"{fake_telegram.base_url}{fake_telegram.token}/sendMessage{query}"
    async with httpx.AsyncClient() as client:
        response = await client.post(url, content=body, headers={"Content-Type": content_type})
    assert response.json()["ok"] is True
    assert [(m.chat_id, m.text) for m in fake_telegram.sent] == [(7, "hi")]


async def test_unknown_method_answers_404(fake_telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake_telegram.base_url}{fake_telegram.token}/sendTelepathy")
    assert (response.status_code, response.json()["ok"]) == (404, False)


# ----------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("<b>bold", 'end tag corresponding to start tag "b"', id="unclosed-b"),
        pytest.param("<b><i>x</b></i>", 'expected "</i>", found "</b>"', id="crossed-tags"),
        pytest.param("x</b>", "Unexpected end tag", id="stray-end-tag"),
        pytest.param("<p>para</p>", 'Unsupported start tag "p"', id="unsupported-p"),
        pytest.param("a <br/> b", 'Unsupported start tag "br/"', id="unsupported-br"),
        pytest.param("1 < 2 and 3 > 2", 'Unsupported start tag ""', id="unescaped-less-than"),
        pytest.param('<b style="x">y</b>', 'Unsupported attribute "style"', id="attribute-on-b"),
        pytest.param('<a href="u" onclick="x">y</a>', 'Unsupported attribute "onclick"', id="onclick"),
        pytest.param('<span class="red">y</span>', 'must have class "tg-spoiler"', id="span-not-spoiler"),
        pytest.param("caf&eacute;", 'Unsupported HTML entity "&eacute;"', id="named-entity"),
        pytest.param("<b", "Unclosed start tag", id="truncated-tag"),
    ],
)
async def test_bad_html_is_refused_like_telegram(bot: Bot, text: str, reason: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(CHAT, text, parse_mode="HTML")
    assert reason.lower() in caught.value.message.lower()  # PTB lower-cases all but the first letter


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        pytest.param("<b>a</b> <strong>b</strong> <i>c</i> <em>d</em>", "a b c d", id="bold-italic"),
        pytest.param(
            "<u>u</u><ins>i</ins><s>s</s><strike>t</strike><del>d</del>", "uistd", id="underline-strike"
        ),
        pytest.param('<a href="https://x.example/?a=1&amp;b=2">link</a>', "link", id="link"),
        pytest.param('<pre><code class="language-python">x = 1</code></pre>', "x = 1", id="pre-code"),
        pytest.param('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st", id="spoilers"),
        pytest.param("<blockquote expandable>q</blockquote>", "q", id="expandable-quote"),
        pytest.param('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", id="custom-emoji"),
        pytest.param("&lt;&gt;&amp;&quot;&#65;&#x42;", '<>&"AB', id="entities"),
        pytest.param("AT&T & R&D", "AT&T & R&D", id="lone-ampersands"),
        pytest.param("<B>upper</B>", "upper", id="upper-case-tags"),
    ],
)
def test_html_telegram_accepts_parses_to_its_visible_text(html: str, plain: str) -> None:
    assert HtmlValidator().plain_text(html) == plain


@pytest.mark.parametrize(
    ("text", "parse_mode", "accepted"),
    [
        pytest.param("x" * 4096, None, True, id="4096-plain"),
        pytest.param("x" * 4097, None, False, id="4097-plain"),
        pytest.param("<b>" + "x" * 4096 + "</b>", "HTML", True, id="4096-after-tags"),
        pytest.param("&amp;" * 4096, "HTML", True, id="4096-after-entities"),
        pytest.param("&amp;" * 4097, "HTML", False, id="4097-after-entities"),
        pytest.param("😀" * 2049, None, False, id="emoji-count-as-two-utf16-units"),
    ],
)
async def test_message_length_is_measured_after_entity_parsing(
    bot: Bot, text: str, parse_mode: str | None, accepted: bool
) -> None:
    if accepted:
        await bot.send_message(CHAT, text, parse_mode=parse_mode)
    else:
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, text, parse_mode=parse_mode)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("  \n", id="blank"),
        pytest.param("<b> </b>", id="tags-only"),
    ],
)
async def test_empty_text_is_refused(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, text, parse_mode="HTML")


@pytest.mark.parametrize(
    ("data", "accepted"),
    [
        pytest.param("x" * 64, True, id="64-bytes"),
        pytest.param("é" * 32, True, id="64-bytes-in-32-chars"),
        pytest.param("x" * 65, False, id="65-bytes"),
        pytest.param("é" * 32 + "x", False, id="65-bytes-in-33-chars"),
    ],
)
async def test_callback_data_is_limited_to_64_bytes(
    bot: Bot, fake_telegram: FakeTelegram, data: str, accepted: bool
) -> None:
    if accepted:
        await bot.send_message(CHAT, "hi", reply_markup=keyboard(data))
    else:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(CHAT, "hi", reply_markup=keyboard(data))
    assert len(fake_telegram.sent) == (1 if accepted else 0)


# ------------------------------------------------------------------------------- injected errors


async def test_injected_429_raises_retry_after_once(
    bot: Bot, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # retry_after as a timedelta, without the deprecation warning
    fake_telegram.fail_next("sendMessage", code=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(CHAT, "hi")  # only the next call failed
    assert (fake_telegram.stats.too_many_requests, fake_telegram.stats.sent_ok) == (1, 1)


async def test_injected_failure_can_target_one_chat_several_times(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", code=400, description="Bad Request: nope", chat_id=CHAT, times=2)
    await bot.send_message(CHAT + 1, "other chat is fine")
    for _ in range(2):
        with pytest.raises(BadRequest, match="Nope"):
            await bot.send_message(CHAT, "hi")
    await bot.send_message(CHAT, "third time works")
    assert [m.chat_id for m in fake_telegram.sent] == [CHAT + 1, CHAT]


@pytest.mark.parametrize(
    ("chat_id", "reason"),
    [
        pytest.param(CHAT, "bot was blocked by the user", id="private-blocked"),
        pytest.param(GROUP, "bot was kicked from the group chat", id="group-kicked"),
    ],
)
async def test_blocked_chat_raises_forbidden(
    bot: Bot, fake_telegram: FakeTelegram, chat_id: int, reason: str
) -> None:
    await bot.send_message(chat_id, "before")
    fake_telegram.block(chat_id)
    with pytest.raises(Forbidden, match=rf"(?i){reason}"):
        await bot.send_message(chat_id, "after")
    assert len(fake_telegram.messages_to(chat_id)) == 1
    await bot.send_message(CHAT + 1, "other chats unaffected")


async def test_migrated_group_raises_chat_migrated_with_new_id(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.migrate_group(-42, -1009999)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-42, "hi")
    assert caught.value.new_chat_id == -1009999
    message = await bot.send_message(-1009999, "hi again")
    assert message.chat.type == "supergroup"


@pytest.mark.parametrize("code", [pytest.param(500, id="500"), pytest.param(502, id="502")])
async def test_server_errors_raise_network_error(bot: Bot, fake_telegram: FakeTelegram, code: int) -> None:
    fake_telegram.fail_next("sendMessage", code=code)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(CHAT, "hi")
    assert type(caught.value) is NetworkError  # not BadRequest/TimedOut, which subclass it


async def test_down_server_answers_502_until_back_up(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.set_down(True)
    with pytest.raises(NetworkError, match="Bad Gateway") as caught:
        await bot.send_message(CHAT, "hi")
    assert type(caught.value) is NetworkError
    fake_telegram.set_down(False)
    await bot.send_message(CHAT, "hi")
    assert len(fake_telegram.sent) == 1


async def test_stopped_server_raises_network_error(fake_telegram: FakeTelegram) -> None:
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url) as real_bot:
        fake_telegram.stop()
        with pytest.raises(NetworkError):
            await real_bot.send_message(CHAT, "hi")


# ------------------------------------------------------------------------------------ updates in


async def test_get_updates_returns_injected_updates_and_honours_offset(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    first = fake_telegram.user_says(CHAT, "/start")
    second = fake_telegram.user_says(GROUP, "hello", chat_type="supergroup", user_id=7, title="Desk")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, second]
    assert updates[0].message is not None and updates[0].message.from_user is not None
    assert (updates[0].message.chat.type, updates[0].message.from_user.id) == ("private", CHAT)
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[1].message is not None and updates[1].message.chat.title == "Desk"
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()


async def test_get_updates_long_polls_until_an_update_arrives(bot: Bot, fake_telegram: FakeTelegram) -> None:
    threading.Timer(0.3, fake_telegram.user_says, args=(CHAT, "late")).start()
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert 0.2 < elapsed < 3


async def test_get_updates_waits_its_timeout_when_nothing_arrives(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


async def test_press_button_needs_a_sent_message(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(ValueError, match="no message 9"):
        fake_telegram.press_button(CHAT, 9, "x")


async def test_application_receives_commands_and_button_presses(fake_telegram: FakeTelegram) -> None:
    args_seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args_seen.append(list(context.args or []))
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "welcome", reply_markup=keyboard("more:1"))

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer(f"got {update.callback_query.data}")

    app = (
        Application.builder()
        .token(fake_telegram.token)
        .base_url(fake_telegram.base_url)
        .base_file_url(fake_telegram.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        fake_telegram.user_says(CHAT, "/start@other_bot ignored")
        fake_telegram.user_says(CHAT, "/start@wirewatch_test_bot hello")
        [welcome] = await fake_telegram.wait_for_messages(CHAT, 1, timeout=10)
        fake_telegram.press_button(CHAT, welcome.message_id, "more:1")
        await fake_telegram.wait_for_messages(CHAT, 2, timeout=10)
        await app.updater.stop()
        await app.stop()
    assert args_seen == [["hello"]]
    answer = fake_telegram.messages_to(CHAT, method="answerCallbackQuery")
    assert [(a.text, a.message_id) for a in answer] == [("got more:1", welcome.message_id)]


async def test_wait_for_messages_fails_with_a_transcript(bot: Bot, fake_telegram: FakeTelegram) -> None:
    await bot.send_message(CHAT, "only one")
    with pytest.raises(AssertionError, match=r"(?s)expected 2 messages.*'only one'"):
        await fake_telegram.wait_for_messages(CHAT, 2, timeout=0.2)


# ------------------------------------------------------------------------------------ chat members


async def test_get_chat_member_reports_admins_and_members(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.set_admins(GROUP, {1, 2})
    admin = await bot.get_chat_member(GROUP, 2)
    member = await bot.get_chat_member(GROUP, 3)
    assert isinstance(admin, ChatMemberAdministrator) and admin.user.id == 2
    assert isinstance(member, ChatMemberMember) and member.user.id == 3
    assert sorted(a.user.id for a in await bot.get_chat_administrators(GROUP)) == [1, 2]
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat_member(-555, 1)


# ------------------------------------------------------------------------------------- rate limits


async def test_private_chat_burst_of_three_then_429_then_ok_when_paced(
    limited_bot: Bot, fake_telegram_limited: FakeTelegram
) -> None:
    for n in range(3):
        await limited_bot.send_message(CHAT, f"burst {n}")
    with pytest.raises(RetryAfter):
        await limited_bot.send_message(CHAT, "one too many")
    await limited_bot.send_message(CHAT + 1, "another chat is not throttled")
    await asyncio.sleep(1.1)
    await limited_bot.send_message(CHAT, "paced")
    assert fake_telegram_limited.stats.too_many_requests == 1
    assert len(fake_telegram_limited.messages_to(CHAT)) == 4


async def test_group_allows_twenty_per_minute(limited_bot: Bot, fake_telegram_limited: FakeTelegram) -> None:
    for n in range(20):
        await limited_bot.send_message(GROUP, f"group {n}")
    with pytest.raises(RetryAfter):
        await limited_bot.send_message(GROUP, "21st")
    assert fake_telegram_limited.stats.sent_ok == 20


async def test_limits_are_off_by_default(bot: Bot, fake_telegram: FakeTelegram) -> None:
    for n in range(25):
        await bot.send_message(GROUP, f"group {n}")
    assert fake_telegram.stats.too_many_requests == 0


@pytest.mark.parametrize(
    ("sends", "probe", "retry_after"),
    [
        pytest.param([(c, 0.0) for c in range(1, 31)], (99, 0.5), 1, id="31st-in-one-second-overall"),
        pytest.param([(c, 0.0) for c in range(1, 31)], (99, 1.01), None, id="31st-after-the-window"),
        pytest.param([(1, 0.0)] * 3, (1, 0.0), 1, id="4th-private-burst"),
        pytest.param([(1, 0.0)] * 3, (1, 1.0), None, id="private-refilled-after-1s"),
        pytest.param([(1, t * 1.0) for t in range(10)], (1, 10.0), None, id="private-paced-1-per-second"),
        pytest.param([(-5, t * 1.0) for t in range(20)], (-5, 30.0), 30, id="group-21st-within-minute"),
        pytest.param([(-5, t * 1.0) for t in range(20)], (-5, 60.0), None, id="group-after-the-minute"),
        pytest.param([(-5, t * 1.0) for t in range(20)], (-6, 30.0), None, id="other-group-unaffected"),
    ],
)
def test_rate_limiter(
    sends: list[tuple[int, float]], probe: tuple[int, float], retry_after: int | None
) -> None:
    limiter = RateLimiter()
    for chat_id, now in sends:
        assert limiter.acquire(chat_id, now) is None
    assert limiter.acquire(*probe) == retry_after


def test_api_error_body_has_telegrams_shape() -> None:
    body = ApiError(429, "Too Many Requests: retry after 3", {"retry_after": 3}).body()
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


@pytest.mark.parametrize(
    ("chat_id", "chat_type", "expected_type", "expected_user"),
    [
        pytest.param(CHAT, "private", "private", CHAT, id="private-user-is-the-chat"),
        pytest.param(-42, "group", "group", 777, id="group"),
        pytest.param(-42, "private", "group", 777, id="negative-id-is-never-private"),
        pytest.param(-1001234, "private", "supergroup", 777, id="minus-100-is-a-supergroup"),
    ],
)
async def test_user_says_builds_consistent_chats(
    bot: Bot,
    fake_telegram: FakeTelegram,
    chat_id: int,
    chat_type: str,
    expected_type: str,
    expected_user: int,
) -> None:
    fake_telegram.user_says(chat_id, "hi", chat_type=chat_type)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.from_user is not None
    assert (update.message.chat.type, update.message.from_user.id) == (expected_type, expected_user)


async def test_negative_offset_and_drop_pending_updates_forget_old_updates(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    ids = [fake_telegram.user_says(CHAT, f"m{n}") for n in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[-1:]
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
