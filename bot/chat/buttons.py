"""The inline buttons under alerts and grouped messages: Mute 1 d, Unsubscribe, Why? (and Translate).

Callback data is ``m:<subscription>``, ``u:<subscription>``, ``w:<delivery>`` or ``t:<delivery>`` (at
most 21 bytes, well within Telegram's 64). The data names only ids; the chat service checks that they
belong to the chat the button was pressed in, so forged or stale data changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.chat.i18n import Translator
from bot.chat.replies import Button
from feeds.language import same_language
from feeds.values import PendingAlert

Keyboard = tuple[tuple[Button, ...], ...]
MAX_GROUP_ROWS = 5  # a grouped message names at most this many subscriptions in its buttons
_MAX_ID_DIGITS = 18


class AlertAction(StrEnum):
    """What an alert button asks for (the callback data's prefix)."""

    MUTE = "m"
    UNSUBSCRIBE = "u"
    WHY = "w"
    TRANSLATE = "t"


@dataclass(frozen=True, slots=True)
class AlertCallback:
    """Parsed callback data: the action and the id it names (a subscription, or a delivery for Why?)."""

    action: AlertAction
    ident: int


def parse_alert_callback(data: str) -> AlertCallback | None:
    """``m:12`` -> (MUTE, 12); None for anything else (another button's data, or forged)."""
    prefix, colon, raw = data.partition(":")
    if not colon or prefix not in AlertAction.__members__.values():
        return None
    if not raw.isascii() or not raw.isdecimal() or len(raw) > _MAX_ID_DIGITS:
        return None
    return AlertCallback(AlertAction(prefix), int(raw))


def is_alert_callback(data: str) -> bool:
    """Whether the data has an alert button's shape (even when its id is stale)."""
    return data.partition(":")[0] in AlertAction.__members__.values() and ":" in data


def _row(subscription_id: int, delivery_id: int, t: Translator, label: str = "") -> tuple[Button, ...]:
    mute, unsubscribe, why = t.gettext("Mute 1 d"), t.gettext("Unsubscribe"), t.gettext("Why?")
    return (
        Button(f"🔕 {mute}{label}", f"{AlertAction.MUTE}:{subscription_id}"),
        Button(f"✖ {unsubscribe}{label}", f"{AlertAction.UNSUBSCRIBE}:{subscription_id}"),
        Button(f"❓ {why}{label}", f"{AlertAction.WHY}:{delivery_id}"),
    )


def alert_buttons(alert: PendingAlert, t: Translator, *, translate: bool = False) -> Keyboard:
    """One alert's row of buttons (none when its subscription is gone); ``translate`` (a translator is
    configured): a Translate button too when the item's language is not the chat's."""
    if alert.subscription_id is None:
        return ()
    row = _row(alert.subscription_id, alert.delivery_id, t)
    if translate and not same_language(alert.item.language, t.language):
        label = t.gettext("Translate")
        row = (*row, Button(f"🌐 {label}", f"{AlertAction.TRANSLATE}:{alert.delivery_id}"))
    return (row,)


def group_buttons(alerts: Sequence[PendingAlert], t: Translator) -> Keyboard:
    """A grouped message's buttons: one row per subscription it carries (the first few), each row's Why?
    explaining that subscription's first story in the message. One subscription: no ``#id`` labels."""
    first: dict[int, PendingAlert] = {}
    for alert in alerts:
        if alert.subscription_id is not None:
            first.setdefault(alert.subscription_id, alert)
    rows = list(first.items())[:MAX_GROUP_ROWS]
    if len(rows) == 1:
        return (_row(rows[0][0], rows[0][1].delivery_id, t),)
    return tuple(_row(sub_id, alert.delivery_id, t, f" #{sub_id}") for sub_id, alert in rows)
