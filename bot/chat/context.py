"""What the command groups share: who is talking (``ChatContext``), where subscription changes go
(``IndexUpdates``), how a group declares its commands and buttons, and the checks and texts every group
uses, so that no command group imports the router (``bot.chat.service``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from bot.chat.i18n import DEFAULT_LANGUAGE, Translator, translator
from bot.chat.query_text import query_error_text
from bot.chat.render import html_to_plain
from bot.chat.replies import ButtonAnswer, Reply, usage
from feeds.models import ChatKind, Subscription
from feeds.query import Query, QueryError

G = TypeVar("G")
Handler = Callable[["ChatContext", str], Awaitable[Reply]]
NOTICE_LIMIT = 190  # answerCallbackQuery shows at most 200 characters


class IndexUpdates(Protocol):
    """Where the chat reports subscription changes (the match stage's in-memory index)."""

    def add(self, subscription: Subscription, query: Query | None = None) -> None: ...

    def remove(self, subscription_id: int) -> None: ...


async def _always_allowed() -> bool:
    return True


async def _no_document() -> bytes | None:
    return None


@dataclass(frozen=True, slots=True)
class ChatContext:
    """Who is talking: the chat, its kind, the user, and how to ask whether the user administers the chat.

    ``language_code`` is the sender's Telegram language; ``language`` is the one the chat is answered in
    (resolved by the router from the chat's setting, that code and the configured default)."""

    chat_id: int
    kind: ChatKind
    user_id: int | None
    is_chat_admin: Callable[[], Awaitable[bool]] = _always_allowed
    language_code: str | None = None
    language: str | None = None
    replied_document: Callable[[], Awaitable[bytes | None]] = _no_document  # the file a message replies to
    message_id: int | None = None  # the message this update is (a command) or is under (a button)
    replied_id: int | None = None  # the message a command replies to, and the data of its buttons
    replied_buttons: tuple[str, ...] = ()
    bot_username: str | None = None  # the bot's @name (links to its private chat); None: unknown

    @property
    def is_group(self) -> bool:
        return self.kind in (ChatKind.GROUP, ChatKind.SUPERGROUP)


@dataclass(frozen=True, slots=True)
class Command(Generic[G]):
    """A command of group ``G``: its names (the first is the main one, the others aliases) and its handler,
    which gets the argument text (stripped) and answers with a reply."""

    names: tuple[str, ...]
    handler: Callable[[G, ChatContext, str], Awaitable[Reply]]

    def bind(self, group: G) -> dict[str, Handler]:
        """Each name and alias → the handler, bound to ``group``."""
        handler = self.handler

        async def bound(ctx: ChatContext, args: str) -> Reply:
            return await handler(group, ctx, args)

        return dict.fromkeys(self.names, bound)


async def _shown(group: object, ctx: ChatContext, reply: Reply) -> Reply:
    return reply


@dataclass(frozen=True, slots=True)
class ButtonRoute(Generic[G]):
    """A button of a group's reply: callback data starting with ``prefix``; ``press`` gets the rest and
    answers; ``edit`` gives what replaces the message the button was under (by default the answer)."""

    prefix: str
    press: Callable[[G, ChatContext, str], Awaitable[Reply]]
    edit: Callable[[G, ChatContext, Reply], Awaitable[Reply]] = _shown

    def bind(self, group: G) -> BoundButton:
        """This route with its handlers bound to ``group``."""
        press, edit = self.press, self.edit

        async def pressed(ctx: ChatContext, rest: str) -> Reply:
            return await press(group, ctx, rest)

        async def edited(ctx: ChatContext, reply: Reply) -> Reply:
            return await edit(group, ctx, reply)

        return BoundButton(self.prefix, pressed, edited)


def bind_commands(group: G, commands: Sequence[Command[G]]) -> dict[str, Handler]:
    """A group's declared commands, by each name and alias, bound to ``group``."""
    return {name: handler for command in commands for name, handler in command.bind(group).items()}


@dataclass(frozen=True, slots=True)
class BoundButton:
    """A button route of one group, ready for the router."""

    prefix: str
    press: Callable[[ChatContext, str], Awaitable[Reply]]
    edit: Callable[[ChatContext, Reply], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class AnswerRoute(Generic[G]):
    """Buttons answered in full by their group (the alert buttons): data starting with one of ``prefixes``
    goes, whole, to ``answer``."""

    prefixes: tuple[str, ...]
    answer: Callable[[G, ChatContext, str], Awaitable[ButtonAnswer]]

    def bind(self, group: G) -> BoundAnswer:
        """This route with its handler bound to ``group``."""
        answer = self.answer

        async def answered(ctx: ChatContext, data: str) -> ButtonAnswer:
            return await answer(group, ctx, data)

        return BoundAnswer(self.prefixes, answered)


@dataclass(frozen=True, slots=True)
class BoundAnswer:
    """An answer route of one group, ready for the router."""

    prefixes: tuple[str, ...]
    answer: Callable[[ChatContext, str], Awaitable[ButtonAnswer]]


def chat_translator(ctx: ChatContext) -> Translator:
    """The translator of the language the router resolved for this chat (``ctx.language``)."""
    return translator(ctx.language or DEFAULT_LANGUAGE)


def is_bot_admin(ctx: ChatContext, admins: frozenset[int]) -> bool:
    """Bot administrators: the configured user ids, and the operator at the console."""
    return ctx.kind is ChatKind.CONSOLE or ctx.user_id in admins


def admin_id_hint(ctx: ChatContext, t: Translator) -> str:
    """For a user who is not a bot administrator: their own id and the setting that makes them one."""
    if ctx.user_id is None:
        return ""
    return t.gettext(
        "Your Telegram user id is <code>%(id)s</code>. The operator makes it a bot administrator "
        "in telegram.admins of the config file.",
        id=ctx.user_id,
    )


async def refuse_unless_manager(ctx: ChatContext, t: Translator) -> Reply | None:
    """In a group, only its administrators change subscriptions and settings; None when the user may."""
    if not ctx.is_group or await ctx.is_chat_admin():
        return None
    return Reply(
        t.gettext(
            "Only this group's administrators can change its subscriptions and settings. "
            "Anyone may /list and /recent."
        )
    )


def bad_query(t: Translator, error: QueryError, command: str) -> str:
    """The refusal of a query that does not parse, with the command's usage line."""
    reason = t.gettext("That query doesn't work: %(reason)s.", reason=query_error_text(error, t))
    return f"{reason}\n{usage(command, t)}"


def notice_of(reply: Reply) -> str:
    """A reply as the short plain text of a callback answer."""
    text = " ".join(html_to_plain(reply.html).split())
    return text if len(text) <= NOTICE_LIMIT else text[: NOTICE_LIMIT - 1] + "…"
