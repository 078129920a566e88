"""/start and /help: what the bot does, every command, the query language."""

from __future__ import annotations

from typing import ClassVar

from bot.chat.context import ChatContext, Command, chat_translator, is_bot_admin
from bot.chat.replies import Reply, help_text


class HelpCommands:
    """The help text; the bot's administrators also see their commands."""

    def __init__(self, admins: frozenset[int]) -> None:
        self._admins = admins

    async def help(self, ctx: ChatContext, args: str) -> Reply:
        """/start, /help — what the bot does, every command, the query language."""
        return Reply(help_text(is_admin=is_bot_admin(ctx, self._admins), t=chat_translator(ctx)))

    COMMANDS: ClassVar[tuple[Command[HelpCommands], ...]] = (Command(("start", "help"), help),)
