"""/start and /help: what the bot does, every command, the query language."""

from __future__ import annotations

from typing import ClassVar

from bot.chat.context import ChatContext, Command, admin_id_hint, chat_translator, is_bot_admin
from bot.chat.replies import Reply, help_text


class HelpCommands:
    """The help text; the bot's administrators also see their commands."""

    def __init__(self, admins: frozenset[int]) -> None:
        self._admins = admins

    async def help(self, ctx: ChatContext, args: str) -> Reply:
        """/start, /help — what the bot does, every command, the query language; someone who is not a bot
        administrator also learns their user id (what ``telegram.admins`` lists)."""
        t = chat_translator(ctx)
        if is_bot_admin(ctx, self._admins):
            return Reply(help_text(is_admin=True, t=t))
        hint = admin_id_hint(ctx, t)
        return Reply(help_text(is_admin=False, t=t) + (f"\n\n{hint}" if hint else ""))

    COMMANDS: ClassVar[tuple[Command[HelpCommands], ...]] = (Command(("start", "help"), help),)
