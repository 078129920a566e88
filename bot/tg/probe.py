"""What ``wirewatch doctor`` asks Telegram: who the token belongs to, and whether a webhook is set."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot
from telegram.error import InvalidToken, TelegramError


@dataclass(frozen=True, slots=True)
class TokenProbe:
    """The answer to getMe + getWebhookInfo; ``refused``: the token is invalid; ``error``: unreachable."""

    refused: bool = False
    error: str | None = None
    username: str | None = None
    bot_id: int | None = None
    webhook_url: str | None = None
    pending_updates: int = 0
    webhook_error: str | None = None  # Telegram's last failure to deliver to the webhook


async def probe_token(token: str, base_url: str) -> TokenProbe:
    """Ask Telegram about ``token`` (the error text may quote the token: the caller redacts it)."""
    try:
        async with Bot(token, base_url=base_url) as bot:
            me = await bot.get_me()
            webhook = await bot.get_webhook_info()
    except InvalidToken:
        return TokenProbe(refused=True)
    except TelegramError as exc:
        return TokenProbe(error=f"{type(exc).__name__}: {exc}")
    return TokenProbe(
        username=me.username,
        bot_id=me.id,
        webhook_url=webhook.url or None,
        pending_updates=webhook.pending_update_count,
        webhook_error=webhook.last_error_message or None,
    )
