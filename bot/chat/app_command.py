"""/app: the button that opens the Mini App (Telegram allows web_app buttons in private chats only, so a
group is pointed to the private chat; group settings stay in the chat)."""

from __future__ import annotations

from typing import ClassVar

from bot.chat.context import ChatContext, Command, chat_translator
from bot.chat.replies import Button, Reply


class AppCommands:
    """``url``: the Mini App's public URL (``[webapp] url``); None: the bot has no Mini App."""

    def __init__(self, url: str | None) -> None:
        self._url = url

    async def app(self, ctx: ChatContext, args: str) -> Reply:
        """/app — a button opening the Mini App in a private chat; in a group, where to find it."""
        t = chat_translator(ctx)
        if self._url is None:
            return Reply(t.gettext("This bot has no Mini App. Every setting is a command: /help lists them."))
        if ctx.is_group:
            return Reply(
                t.gettext(
                    "Telegram opens Mini Apps only in private chats: open my private chat and send /app "
                    "there. This group's settings stay in the chat (/help)."
                )
            )
        button = Button(t.gettext("Open Wirewatch"), web_app=self._url)
        return Reply(
            t.gettext("Subscriptions with a live preview, trends and settings, in one page:"), ((button,),)
        )

    COMMANDS: ClassVar[tuple[Command[AppCommands], ...]] = (Command(("app",), app),)
