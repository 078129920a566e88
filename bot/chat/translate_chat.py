"""The Translate button under an alert, and ``/translate`` sent as a reply to one: the alert's headline,
summary and matched sentence in the chat's language, as a reply to the alert, credited to the provider.

Like every alert button it acts only in the chat the alert was sent to; a stale or forged press changes
nothing and is answered. Without a translator configured there is no button, and ``/translate`` says so.
"""

from __future__ import annotations

import html
import logging
from typing import ClassVar

from bot.chat.buttons import AlertAction, parse_alert_callback
from bot.chat.context import AnswerRoute, ChatContext, Command, chat_translator
from bot.chat.i18n import Translator
from bot.chat.ports import AlertStore, ItemTranslator
from bot.chat.render import alert_sentence, alert_summary, cut_text, html_to_plain
from bot.chat.replies import ButtonAnswer, Reply
from bot.offload import off_loop
from feeds.translation import Translation, TranslationRequest, Unavailable
from feeds.values import PendingAlert

logger = logging.getLogger(__name__)

TITLE_LIMIT, SUMMARY_LIMIT, SENTENCE_LIMIT = 400, 3000, 400  # with the credit line, within 4096
_ALERT_DATA = (f"{AlertAction.TRANSLATE}:", f"{AlertAction.WHY}:")  # buttons that name a delivery


class TranslateCommands:
    """Translate presses and ``/translate`` replies, through ``translator`` (None: not configured)."""

    def __init__(self, store: AlertStore, translator: ItemTranslator | None) -> None:
        self._store = store
        self._translator = translator

    async def press(self, ctx: ChatContext, data: str) -> ButtonAnswer:
        """A Translate press: the translation as a reply to the alert (the press is always answered)."""
        t = chat_translator(ctx)
        pressed = parse_alert_callback(data)
        alert = await self._alert(ctx, pressed.ident if pressed else None)
        if alert is None or self._translator is None:
            logger.info("button_stale chat=%s data=%s", ctx.chat_id, data[:64])
            return ButtonAnswer(t.gettext("That button is no longer valid; nothing was changed."))
        reply, translated = await self._translated(alert, self._translator, t, ctx.message_id)
        notice = t.gettext("Translated: see the reply below.") if translated else html_to_plain(reply.html)
        return ButtonAnswer(notice, reply)

    async def translate(self, ctx: ChatContext, args: str) -> Reply:
        """``/translate`` as a reply to an alert."""
        t = chat_translator(ctx)
        if self._translator is None:
            return Reply(t.gettext("Translation is not set up on this bot."))
        delivery = next((data for data in ctx.replied_buttons if data.startswith(_ALERT_DATA)), None)
        pressed = parse_alert_callback(delivery) if delivery else None
        alert = await self._alert(ctx, pressed.ident if pressed else None)
        if alert is None:
            return Reply(t.gettext("Send /translate as a reply to an alert."))
        reply, _ = await self._translated(alert, self._translator, t, ctx.replied_id)
        return reply

    async def _alert(self, ctx: ChatContext, delivery_id: int | None) -> PendingAlert | None:
        """The alert, when it was sent to this chat."""
        if delivery_id is None:
            return None
        alert = await off_loop(self._store.get_delivery, delivery_id)
        return alert if alert is not None and alert.chat_id == ctx.chat_id else None

    async def _translated(
        self, alert: PendingAlert, translator: ItemTranslator, t: Translator, reply_to: int | None
    ) -> tuple[Reply, bool]:
        """The reply to the alert, and whether it holds a translation (else the "unavailable" line)."""
        item = alert.item
        summary = alert_summary(item)
        excerpt = alert_sentence(alert.query, item, summary)
        request = TranslationRequest(
            item.id,
            alert.chat_id,
            t.language,
            item.title,
            summary,
            excerpt.text if excerpt else "",
            item.language,
        )
        outcome = await translator.translate(request)
        if outcome.translation is None:
            return Reply(html.escape(unavailable_text(outcome.unavailable, t)), reply_to=reply_to), False
        return Reply(translation_html(outcome.translation, t), reply_to=reply_to), True

    COMMANDS: ClassVar[tuple[Command[TranslateCommands], ...]] = (Command(("translate",), translate),)
    ANSWERS: ClassVar[tuple[AnswerRoute[TranslateCommands], ...]] = (
        AnswerRoute((f"{AlertAction.TRANSLATE}:",), press),
    )


def unavailable_text(reason: Unavailable | None, t: Translator) -> str:
    """The one short line a press gets when there is no translation."""
    if reason is Unavailable.QUOTA:
        return t.gettext("translation unavailable: quota reached — try tomorrow")
    return t.gettext("translation unavailable: the translator did not answer — try again in a minute")


def translation_html(translation: Translation, t: Translator) -> str:
    """The translated headline (bold), summary and quoted sentence, escaped like feed text and cut to
    fit one message, and the machine-translation credit."""
    lines = [f"🌐 <b>{html.escape(cut_text(translation.title, TITLE_LIMIT))}</b>"]
    if translation.summary.strip():
        lines += ["", html.escape(cut_text(translation.summary, SUMMARY_LIMIT))]
    if translation.sentence.strip():
        lines += [f"<blockquote>{html.escape(cut_text(translation.sentence, SENTENCE_LIMIT))}</blockquote>"]
    credit = t.gettext("Machine translation by %(provider)s", provider=translation.provider)
    lines += ["", f"<i>{html.escape(credit)}</i>"]
    return "\n".join(lines)
