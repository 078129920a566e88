"""``wirewatch translate ITEM_ID --to zh-hans``: an item's headline and summary translated (cache first),
through the configured translator, counted against the budgets as chat 0 (the operator)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.chat.i18n import translator
from bot.chat.render import alert_summary, html_to_terminal
from bot.chat.translate_chat import translation_html, unavailable_text
from bot.entry.runtime import open_store
from bot.entry.translation import translation_service
from bot.settings import Settings
from feeds.translation import TranslationRequest

OPERATOR_CHAT = 0
NOT_CONFIGURED, NO_ITEM, UNAVAILABLE = 2, 1, 1


def translate(args: argparse.Namespace, settings: Settings) -> int:
    """Print the translation; 2 without ``[translate]``, 1 for an unknown item or no translation."""
    store = open_store(settings)
    try:
        service = translation_service(settings.translate, store)
        if service is None:
            print("wirewatch: translation is not configured (no [translate] provider)", file=sys.stderr)
            return NOT_CONFIGURED
        item = store.get_item(args.item_id)
        if item is None:
            print(f"wirewatch: no item {args.item_id}", file=sys.stderr)
            return NO_ITEM
        request = TranslationRequest(
            item.id, OPERATOR_CHAT, args.to, item.title, alert_summary(item), "", item.language
        )

        async def once() -> int:
            try:
                outcome = await service.translate(request)
            finally:
                await service.close()
            t = translator(args.to)
            if outcome.translation is None:
                print(unavailable_text(outcome.unavailable, t), file=sys.stderr)
                return UNAVAILABLE
            print(html_to_terminal(translation_html(outcome.translation, t)))
            return 0

        return asyncio.run(once())
    finally:
        store.close()
