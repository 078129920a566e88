"""The Telegram adapter: python-telegram-bot handlers that translate updates to ``ChatService`` calls.

Nothing here decides anything; ``telegram.Update`` never leaves this module.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram import BotCommand, CallbackQuery, ChatMember, MenuButtonWebApp, Message, Update, WebAppInfo
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.chat.context import ChatContext
from bot.chat.flood import FloodGuard, Verdict
from bot.chat.groups import COMMAND_NAMES
from bot.chat.i18n import translator
from bot.chat.ports import MembershipStore
from bot.chat.render import html_to_plain
from bot.chat.replies import Reply, command_menus
from bot.chat.service import ChatService
from bot.offload import off_loop
from bot.ops.metrics import Metrics, process_metrics
from bot.pipeline.pacing import Pacer
from bot.settings import TelegramSettings
from bot.tg.downloads import download_document
from bot.tg.lanes import ChatLanes, Work, lane_key
from bot.tg.outgoing import ReplySender
from bot.tg.request import TokenWatch, WatchedRequest
from feeds.models import ChatKind

logger = logging.getLogger(__name__)

_ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_GONE_STATUSES = {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}
_MAX_CALLBACK_TEXT = 190


def _kind(chat_type: str) -> ChatKind:
    try:
        return ChatKind(chat_type)
    except ValueError:
        return ChatKind.PRIVATE


def split_command(message: Message, bot_username: str) -> tuple[str, str, bool] | None:
    """``/cmd@bot args`` → (cmd, args, addressed to us by name); None when addressed to another bot."""
    text = message.text or ""
    entity = next((e for e in message.entities if e.type == "bot_command" and e.offset == 0), None)
    length = entity.length if entity else len(text.split(maxsplit=1)[0])
    name, _, target = text[1:length].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name, text[length:], bool(target)


def _describe(update: Update, bot_username: str) -> tuple[str, str]:
    """(kind, command) of an update for logs and flood counting: never message text or user names."""
    if update.callback_query is not None:
        return "button", (update.callback_query.data or "").partition(":")[0][:20]
    message = update.message
    if message is not None and message.text and message.text.startswith("/"):
        parsed = split_command(message, bot_username)
        return ("command", parsed[0][:40]) if parsed else ("other_bot", "")
    if message is not None:
        return "message", ""
    return "my_chat_member" if update.my_chat_member else "other", ""


ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
POLL_TIMEOUT_SECONDS = 10  # getUpdates long-poll timeout: an idle poll is answered after this long


class TelegramFrontend:
    """Owns the python-telegram-bot ``Application`` and its handlers.

    Chats are served concurrently, each chat's updates in order (``ChatLanes``); replies share the alerts'
    ``Pacer``; a flooding chat gets one warning and a cool-down (``FloodGuard``); a token refused while
    running is reported to ``token_watch``, which stops the process. Every Bot API call of the
    application (replies, the deliver transport built on ``application.bot``, the long poll) is counted
    in ``metrics``; ``on_poll`` is called after each answered getUpdates."""

    def __init__(
        self,
        settings: TelegramSettings,
        service: ChatService,
        store: MembershipStore,
        default_language: str = "en",
        *,
        pacer: Pacer | None = None,
        token_watch: TokenWatch | None = None,
        flood: FloodGuard | None = None,
        metrics: Metrics | None = None,
        on_poll: Callable[[], None] | None = None,
        webapp_url: str | None = None,
    ) -> None:
        if not settings.token:
            raise ValueError("a Telegram token is required")
        self.default_language = default_language
        self.webapp_url = webapp_url
        self.service = service
        self.store = store
        self.token_watch = token_watch or TokenWatch()
        self.flood = flood or FloodGuard()
        metrics = metrics or process_metrics()

        def answered(method: str) -> None:
            if method == "getUpdates" and on_poll is not None:
                on_poll()

        self.application: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(settings.token)
            .base_url(settings.api_base_url)
            .base_file_url(settings.api_base_url.replace("/bot", "/file/bot"))
            .request(WatchedRequest(self.token_watch, metrics, connection_pool_size=256))
            .get_updates_request(WatchedRequest(self.token_watch, metrics, answered, connection_pool_size=1))
            .concurrent_updates(ChatLanes(self._admit))
            .build()
        )
        self.pacer = pacer or Pacer()
        self.replies = ReplySender(self.application.bot, self.pacer)
        self._register()

    def _register(self) -> None:
        app = self.application
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(MessageHandler(filters.COMMAND, self._on_command))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, self._on_text))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)

    async def start_polling(self) -> None:
        """Publish the command menu, start handling updates and long-poll Telegram for them."""
        await self.register_commands()
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=POLL_TIMEOUT_SECONDS, allowed_updates=ALLOWED_UPDATES
        )

    async def start_handling(self) -> None:
        """Publish the command menu and handle updates put on the application's queue (webhook mode)."""
        await self.register_commands()
        await self.application.start()

    async def stop_polling(self) -> None:
        """Stop long polling and update handling (the application stays initialized)."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()

    async def register_commands(self) -> None:
        """Publish the command menu per language (setMyCommands); a failure is logged, not fatal."""
        for code, menu in command_menus(self.default_language).items():
            try:
                await self.application.bot.set_my_commands(
                    [BotCommand(n, t) for n, t in menu], language_code=code or None
                )
            except TelegramError as exc:
                logger.warning("set_commands_failed language=%s error=%s", code or "default", exc)
        if self.webapp_url is not None:
            await self._set_menu_button(self.webapp_url)

    async def _set_menu_button(self, url: str) -> None:
        """Private chats' menu button opens the Mini App (setChatMenuButton); a failure is logged."""
        text = translator(self.default_language).gettext("Open Wirewatch")
        try:
            await self.application.bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(text, WebAppInfo(url))
            )
        except TelegramError as exc:
            logger.warning("set_menu_button_failed error=%s", exc)

    # --- admission: every update as it arrives, before its chat's lane ---------------------------------
    def _admit(self, update: object, work: Work) -> Work:
        """Log the update (ids and command only) and apply flood control to what would be answered."""
        if not isinstance(update, Update):
            return work
        kind, command = _describe(update, self.application.bot.username)
        key = lane_key(update)
        logger.debug(
            "update_received update=%s chat=%s kind=%s command=%s", update.update_id, key, kind, command
        )
        answered = kind in ("button", "command") or (kind == "message" and self._is_private(update))
        if key is None or not answered:
            return work
        verdict = self.flood.check(key)
        if verdict is Verdict.ANSWER:
            return work
        work.close()
        return self._slow_down(update) if verdict is Verdict.WARN else self._ignore(update)

    @staticmethod
    def _is_private(update: Update) -> bool:
        return update.effective_chat is not None and update.effective_chat.type == "private"

    async def _slow_down(self, update: Update) -> None:
        """The one answer a flooding chat gets before its cool-down."""
        seconds = round(self.flood.cooldown)
        if update.effective_chat is None:
            await self._ignore(update)
            return
        ctx = self._context(update)
        reply = await self.service.slow_down(ctx, seconds)
        if update.callback_query is not None:
            await self._answer_query(update.callback_query, html_to_plain(reply.html))
        await self.replies.send(ctx.chat_id, ctx.kind, reply)

    async def _ignore(self, update: Update) -> None:
        """Nothing for a cooling chat, except that a button press is answered (or its client spins)."""
        if update.callback_query is not None:
            await self._answer_query(update.callback_query, "")

    # --- handlers ---------------------------------------------------------------------------------------
    def _context(self, update: Update) -> ChatContext:
        chat = update.effective_chat
        assert chat is not None
        user = update.effective_user
        message = update.effective_message
        bot = self.application.bot

        async def is_admin() -> bool:
            if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
                return True  # an anonymous group administrator
            if user is None:
                return False
            member: ChatMember = await bot.get_chat_member(chat.id, user.id)
            return member.status in _ADMIN_STATUSES

        async def replied_document() -> bytes | None:
            replied = message.reply_to_message if message is not None else None
            return await download_document(bot, replied)

        replied = message.reply_to_message if message is not None else None
        return ChatContext(
            chat.id,
            _kind(chat.type),
            user.id if user else None,
            is_admin,
            language_code=user.language_code if user else None,
            replied_document=replied_document,
            message_id=message.message_id if message is not None else None,
            replied_id=replied.message_id if replied is not None else None,
            replied_buttons=_button_data(replied),
            bot_username=self.application.bot.username,
        )

    async def _answer(self, update: Update, make: Callable[[ChatContext], Awaitable[Reply]]) -> None:
        ctx = self._context(update)
        reply = await make(ctx)
        await self.replies.send(ctx.chat_id, ctx.kind, reply)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A /command: ours run; unknown ones get a pointer to /help, in groups only when addressed to us."""
        message = update.effective_message
        if message is None or not message.text:
            return
        parsed = split_command(message, self.application.bot.username)
        if parsed is None:
            return
        command, args, addressed = parsed
        is_group = message.chat.type != "private"
        if is_group and not addressed and command.lower() not in COMMAND_NAMES:
            return  # another bot's command in a shared group: not ours to answer
        await self._answer(update, lambda ctx: self.service.handle(ctx, command, args))

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else in a private chat (text, a sticker, a photo): a pointer to the commands."""
        text = update.effective_message.text if update.effective_message else ""
        await self._answer(update, lambda ctx: self.service.text(ctx, text or ""))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button: always answered; the chat service decides (refusing chats not allowed), then
        its answer's message is sent and the message under the button replaced, when it says so."""
        query = update.callback_query
        if query is None:
            return
        answered = False
        try:
            if update.effective_chat is None:  # under an inline message: nothing of ours to act on
                return
            ctx = self._context(update)
            answer = await self.service.callback(ctx, query.data or "")
            answered = await self._answer_query(query, html_to_plain(answer.notice))
            if answer.message is not None:
                await self.replies.send(ctx.chat_id, ctx.kind, answer.message)
            if answer.edit is not None and isinstance(query.message, Message):
                await self._edit(ctx, query.message, answer.edit)
        finally:
            if not answered:
                await self._answer_query(query, "")

    async def _edit(self, ctx: ChatContext, message: Message, reply: Reply) -> None:
        """Redraw the message under the pressed button (the /list after an unsubscribe, /lang, offers)."""
        try:
            await self.replies.edit(message, ctx.kind, reply)
        except BadRequest as exc:  # "message is not modified" and the like
            logger.info("button_edit_skipped chat=%s error=%s", ctx.chat_id, exc)

    @staticmethod
    async def _answer_query(query: CallbackQuery, text: str) -> bool:
        """Answer a button press (stops the client's spinner); a failure is logged, not raised."""
        try:
            await query.answer(text[:_MAX_CALLBACK_TEXT] or None)
        except BadRequest as exc:  # too old, already answered
            logger.info("callback_answer_failed query=%s error=%s", query.id, exc)
            return False
        return True

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its subscriptions move to the new id."""
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        old, new = message.chat.id, message.migrate_to_chat_id
        await off_loop(self.store.migrate_chat, old, new, ChatKind.SUPERGROUP)
        logger.info("chat_migrated old=%s new=%s", old, new)

    async def _on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was blocked, kicked or added (a chat is only remembered when it is allowed)."""
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        if change.new_chat_member.status in _GONE_STATUSES:
            await off_loop(self.store.deactivate_chat, chat.id)
            logger.info("chat_left chat=%s", chat.id)
        else:
            await self.service.joined(chat.id, _kind(chat.type))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and still answer the user (a refused token was reported already: quiet)."""
        if isinstance(context.error, InvalidToken):
            return
        logger.error("update_failed error=%r", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            ctx = self._context(update)
            with contextlib.suppress(InvalidToken):
                try:
                    await self.replies.send(ctx.chat_id, ctx.kind, self.service.failure(ctx))
                except TelegramError as exc:
                    logger.warning("error_reply_failed chat=%s error=%s", ctx.chat_id, exc)


def _button_data(message: Message | None) -> tuple[str, ...]:
    """The callback data of the inline buttons under ``message`` (an alert's name its delivery)."""
    if message is None or message.reply_markup is None:
        return ()
    rows = message.reply_markup.inline_keyboard
    return tuple(
        button.callback_data for row in rows for button in row if isinstance(button.callback_data, str)
    )
