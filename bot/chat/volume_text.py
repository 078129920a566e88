"""The volume texts in the chat's language, HTML-safe: refusals of settings (``feeds.volume.VolumeError``),
local times, and the digest and quiet-hours lines of /digest, /quiet and /status."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.i18n import N_, Translator
from bot.chat.replies import echo
from feeds.volume import ChatVolume, VolumeError, format_times, next_digest_slot, quiet_end

# VolumeError.code -> msgid; the placeholders are the error's values (text ones are echoed safely).
MESSAGES = {
    "zone_empty": N_("Name a time zone, e.g. Europe/Berlin or Asia/Shanghai."),
    "zone_offset": N_(
        "<code>%(text)s</code> is an offset, and offsets change with daylight saving. "
        "Name the place's zone instead, e.g. <code>/tz %(place)s</code>."
    ),
    "zone_unknown": N_("Unknown time zone <code>%(text)s</code>."),
    "not_time": N_("<code>%(text)s</code> is not a time of day (HH:MM, e.g. %(example)s)."),
    "digest_empty": N_("Give digest times as HH:MM[,HH:MM…], e.g. 08:00,18:00."),
    "digest_too_many": N_("At most %(limit)s digest times a day, got %(count)s."),
    "digest_ids": N_("Subscription ids are numbers, as /list shows them."),
    "quiet_format": N_("Give quiet hours as HH:MM-HH:MM, e.g. 22:00-07:00."),
    "quiet_same": N_("Quiet hours must start and end at different times, e.g. 22:00-07:00."),
    "mute_format": N_(
        "<code>%(text)s</code> is not a duration: use minutes, hours or days, e.g. 30m, 8h, 3d."
    ),
    "mute_range": N_("A mute lasts from 1 minute to %(days)s days, e.g. 8h or 3d."),
}


def volume_error(t: Translator, error: VolumeError) -> str:
    """The refusal in ``t``'s language; an unknown code falls back to the English message, escaped."""
    msgid = MESSAGES.get(error.code)
    if msgid is None:
        return echo(str(error), 300)
    values = {
        name: echo(value, 40) if isinstance(value, str) else value for name, value in error.values.items()
    }
    values.pop("suggestions", None)
    text = t.gettext(msgid, **values)
    suggestions = error.values.get("suggestions")
    if error.code == "zone_unknown":
        if suggestions:
            text += " " + t.gettext("Did you mean %(zones)s?", zones=echo(str(suggestions), 120))
        text += " " + t.gettext("Use an IANA name such as Europe/Berlin or Asia/Shanghai.")
    return text


def local_time(t: Translator, at: datetime, zone: ZoneInfo) -> str:
    """An instant as the chat reads it: ``Jan 28, 08:00`` in its zone and language."""
    return t.format_datetime(at, zone)


def digest_line(t: Translator, chat: ChatVolume, now: datetime) -> str:
    """The chat's digest schedule in one line."""
    if not chat.digest:
        return t.gettext("Digest: off, alerts are sent as they come.")
    upcoming = next_digest_slot(now, chat.zone, chat.digest)
    return t.gettext(
        "Digest: %(times)s every day; the next one: %(next)s.",
        times=format_times(chat.digest),
        next=local_time(t, upcoming, chat.zone),
    )


def quiet_line(t: Translator, chat: ChatVolume, now: datetime) -> str:
    """The chat's quiet hours in one line (and whether it is quiet now)."""
    if chat.quiet is None:
        return t.gettext("Quiet hours: none.")
    line = t.gettext("Quiet hours: %(window)s.", window=str(chat.quiet))
    if (end := quiet_end(now, chat.zone, chat.quiet)) is not None:
        line += " " + t.gettext("It is quiet now, until %(end)s.", end=local_time(t, end, chat.zone))
    return line


def no_subscriptions(t: Translator, ids: list[int]) -> str:
    """The answer naming subscription ids the chat does not have."""
    numbers = ", ".join(f"#{i}" for i in ids)
    return t.gettext("No subscription %(ids)s in this chat. /list shows the ones you have.", ids=numbers)
