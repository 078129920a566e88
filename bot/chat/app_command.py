"""/app: the button that opens the Mini App (Telegram allows web_app buttons in private chats only, so a
group gets a link to the private chat, which opens with ``/start app``; group settings stay in the chat)."""

from __future__ import annotations

from typing import ClassVar

from bot.chat.context import ChatContext, Command, chat_translator
from bot.chat.replies import Button, Reply

DEEP_LINK = "app"  # /start app: what the group's link opens the private chat with


def private_chat_link(bot_username: str) -> str:
    """The t.me link that opens the bot's private chat and sends ``/start app`` there."""
    return f"https://t.me/{bot_username}?start={DEEP_LINK}"


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
            text = t.gettext(
                "Telegram opens Mini Apps only in private chats: open my private chat and send /app "
                "there. This group's settings stay in the chat (/help)."
            )
            if ctx.bot_username is None:
                return Reply(text)
            link = Button(t.gettext("Open the private chat"), url=private_chat_link(ctx.bot_username))
            return Reply(text, ((link,),))
        button = Button(t.gettext("Open Wirewatch"), web_app=self._url)
        return Reply(
            t.gettext("Subscriptions with a live preview, trends and settings, in one page:"), ((button,),)
        )

    COMMANDS: ClassVar[tuple[Command[AppCommands], ...]] = (Command(("app",), app),)
