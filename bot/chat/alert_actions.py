"""What the buttons under an alert do: Mute 1 d, Unsubscribe, Why?

A button acts only in the chat it was pressed in: the subscription (or delivery) it names must belong to
that chat, else the press is stale or forged and gets a short answer that changes nothing. In groups only
administrators may mute or unsubscribe; anyone may ask Why?.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

from bot.chat.buttons import AlertAction, AlertCallback, parse_alert_callback
from bot.chat.context import (
    AnswerRoute,
    ChatContext,
    IndexUpdates,
    chat_translator,
    notice_of,
    refuse_unless_manager,
)
from bot.chat.i18n import Translator
from bot.chat.ports import AlertStore
from bot.chat.replies import ButtonAnswer, Reply, echo
from bot.chat.volume_chat import VolumeCommands
from bot.chat.why import explain_alert
from bot.offload import off_loop

logger = logging.getLogger(__name__)

BUTTON_MUTE = timedelta(days=1)


class AlertButtons:
    """The alert buttons' actions; muting is ``VolumeCommands.mute_for``, the same as /mute."""

    def __init__(
        self,
        store: AlertStore,
        matcher: IndexUpdates,
        volume: VolumeCommands,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._matcher = matcher
        self._volume = volume
        self._clock = clock

    async def alert_button(self, ctx: ChatContext, data: str) -> ButtonAnswer:
        """One press of an alert button; every press gets a notice, a change also a message to the chat."""
        t = chat_translator(ctx)
        pressed = parse_alert_callback(data)
        if pressed is None:
            return self._stale(ctx, t, data)
        if pressed.action is AlertAction.WHY:
            return await self._why(ctx, t, pressed)
        subs = await off_loop(self._store.list_subscriptions, ctx.chat_id)
        sub = next((s for s in subs if s.id == pressed.ident), None)
        if sub is None:
            return self._stale(ctx, t, data)
        if refusal := await refuse_unless_manager(ctx, t):
            return ButtonAnswer(notice_of(refusal))
        if pressed.action is AlertAction.MUTE:
            reply = await self._volume.mute_for(ctx, t, sub.id, self._clock() + BUTTON_MUTE)
            return ButtonAnswer(notice_of(reply), reply)
        removed = await off_loop(self._store.remove_subscription, ctx.chat_id, sub.id)
        if removed is None:
            return self._stale(ctx, t, data)
        self._matcher.remove(removed.id)
        reply = Reply(
            t.gettext(
                "Unsubscribed #%(id)s: <code>%(query)s</code>", id=removed.id, query=echo(removed.query)
            )
        )
        return ButtonAnswer(notice_of(reply), reply)

    async def _why(self, ctx: ChatContext, t: Translator, pressed: AlertCallback) -> ButtonAnswer:
        alert = await off_loop(self._store.get_delivery, pressed.ident)
        if alert is None or alert.chat_id != ctx.chat_id:
            return self._stale(ctx, t, f"{pressed.action}:{pressed.ident}")
        if alert.subscription_id is None:
            return ButtonAnswer(t.gettext("That subscription no longer exists."))
        zone = (await off_loop(self._store.chat_volume, ctx.chat_id)).zone
        reply = Reply(explain_alert(alert, t, zone))
        return ButtonAnswer(t.gettext("Why this alert matched: see the message below."), reply)

    def _stale(self, ctx: ChatContext, t: Translator, data: str) -> ButtonAnswer:
        logger.info("button_stale chat=%s data=%s", ctx.chat_id, data[:64])
        return ButtonAnswer(t.gettext("That button is no longer valid; nothing was changed."))

    ANSWERS: ClassVar[tuple[AnswerRoute[AlertButtons], ...]] = (
        AnswerRoute(
            tuple(f"{action}:" for action in AlertAction if action is not AlertAction.TRANSLATE), alert_button
        ),
    )
