"""The Telegram adapter: python-telegram-bot handlers that translate updates to ``ChatService`` calls.

Nothing here decides anything; ``telegram.Update`` never leaves this module.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    BotCommand,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.chat.i18n import translator
from bot.chat.language import resolve_language
from bot.chat.render import html_to_plain
from bot.chat.replies import Attachment, Reply, command_menus
from bot.chat.service import UNSUBSCRIBE_PREFIX, ChatContext, ChatService
from bot.offload import off_loop
from bot.settings import TelegramSettings
from feeds.models import ChatKind
from storage.store import Store

logger = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_GONE_STATUSES = {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}


def _kind(chat_type: str) -> ChatKind:
    try:
        return ChatKind(chat_type)
    except ValueError:
        return ChatKind.PRIVATE


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    return InlineKeyboardMarkup(rows)


def split_command(message: Message, bot_username: str) -> tuple[str, str] | None:
    """``/cmd@bot args`` → (cmd, args); None when the command is addressed to another bot."""
    text = message.text or ""
    entity = next((e for e in message.entities if e.type == "bot_command" and e.offset == 0), None)
    length = entity.length if entity else len(text.split(maxsplit=1)[0])
    name, _, target = text[1:length].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name, text[length:]


async def send_reply(bot: Bot, chat_id: int, reply: Reply, attempts: int = 3) -> None:
    """Send a reply; wait out 429s, fall back to plain text if Telegram rejects our HTML."""
    for attempt in range(1, attempts + 1):
        try:
            if reply.attachment is not None:
                await _send_attachment(bot, chat_id, reply, reply.attachment)
                return
            await bot.send_message(
                chat_id,
                reply.html,
                parse_mode=ParseMode.HTML,
                link_preview_options=_NO_PREVIEW,
                reply_markup=_markup(reply),
            )
            return
        except RetryAfter as exc:
            if attempt == attempts:
                raise
            delay = exc.retry_after
            await asyncio.sleep(delay if isinstance(delay, int | float) else delay.total_seconds())
        except BadRequest as exc:
            if "parse entities" not in str(exc).lower():
                raise
            logger.warning("reply_markup_rejected chat=%s error=%s", chat_id, exc)
            await bot.send_message(chat_id, html_to_plain(reply.html), reply_markup=_markup(reply))
            return


async def _send_attachment(bot: Bot, chat_id: int, reply: Reply, attachment: Attachment) -> None:
    """sendPhoto or sendDocument with the reply's HTML as the caption."""
    upload = InputFile(attachment.data, filename=attachment.filename)
    if attachment.kind == "photo":
        await bot.send_photo(
            chat_id, upload, caption=reply.html, parse_mode=ParseMode.HTML, reply_markup=_markup(reply)
        )
    else:
        await bot.send_document(
            chat_id, upload, caption=reply.html, parse_mode=ParseMode.HTML, reply_markup=_markup(reply)
        )


ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


class TelegramFrontend:
    """Owns the python-telegram-bot ``Application`` and its handlers."""

    def __init__(
        self, settings: TelegramSettings, service: ChatService, store: Store, default_language: str = "en"
    ) -> None:
        if not settings.token:
            raise ValueError("a Telegram token is required")
        self.default_language = default_language
        self.service = service
        self.store = store
        self.application: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(settings.token)
            .base_url(settings.api_base_url)
            .base_file_url(settings.api_base_url.replace("/bot", "/file/bot"))
            .build()
        )
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
        await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)

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

        return ChatContext(
            chat.id,
            _kind(chat.type),
            user.id if user else None,
            is_admin,
            language_code=user.language_code if user else None,
        )

    async def _answer(self, update: Update, make: Callable[[ChatContext], Awaitable[Reply]]) -> None:
        ctx = self._context(update)
        reply = await make(ctx)
        await send_reply(self.application.bot, ctx.chat_id, reply)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any /command: known ones run, unknown ones get a pointer to /help."""
        message = update.effective_message
        if message is None or not message.text:
            return
        parsed = split_command(message, self.application.bot.username)
        if parsed is None:
            return
        command, args = parsed
        await self._answer(update, lambda ctx: self.service.handle(ctx, command, args))

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else in a private chat (text, a sticker, a photo): a pointer to the commands."""
        text = update.effective_message.text if update.effective_message else ""
        await self._answer(update, lambda ctx: self.service.text(ctx, text or ""))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button: unsubscribe then refresh the /list message, or show the button's answer."""
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        ctx = self._context(update)
        result = await self.service.button(ctx, query.data or "")
        await query.answer(html_to_plain(result.html)[:190])
        is_unsubscribe = (query.data or "").startswith(UNSUBSCRIBE_PREFIX)
        refreshed = await self.service.list(ctx, "") if is_unsubscribe else result
        if isinstance(query.message, Message):
            try:
                await query.message.edit_text(
                    refreshed.html, parse_mode=ParseMode.HTML, reply_markup=_markup(refreshed)
                )
            except BadRequest as exc:  # "message is not modified" and the like
                logger.info("list_refresh_skipped chat=%s error=%s", ctx.chat_id, exc)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its subscriptions move to the new id."""
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        old, new = message.chat.id, message.migrate_to_chat_id
        await off_loop(self.store.migrate_chat, old, new, ChatKind.SUPERGROUP)
        logger.info("chat_migrated old=%s new=%s", old, new)

    async def _on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was blocked, kicked or added."""
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        if change.new_chat_member.status in _GONE_STATUSES:
            await off_loop(self.store.deactivate_chat, chat.id)
            logger.info("chat_left chat=%s", chat.id)
        else:
            await off_loop(self.store.touch_chat, chat.id, _kind(chat.type))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and still answer the user."""
        logger.error("update_failed error=%r", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            user = update.effective_user
            # no database read on this path (it may be what failed): the sender's language, else the default
            t = translator(
                resolve_language(None, user.language_code if user else None, self.default_language)
            )
            try:
                await self.application.bot.send_message(
                    update.effective_chat.id,
                    t.gettext("Sorry, something went wrong on my side. Please try again."),
                )
            except TelegramError as exc:
                logger.warning("error_reply_failed chat=%s error=%s", update.effective_chat.id, exc)
