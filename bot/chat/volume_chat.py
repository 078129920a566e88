"""The volume commands of the chat: /tz, /digest, /quiet, /mute, /unmute and /status. Times are shown in
the chat's zone; every refusal carries the command's usage line."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time
from typing import ClassVar
from zoneinfo import ZoneInfo

from bot.chat.context import ChatContext, Command, chat_translator, refuse_unless_manager
from bot.chat.i18n import Translator
from bot.chat.ports import VolumeStore
from bot.chat.replies import Reply, echo, usage
from bot.chat.volume_text import digest_line, local_time, no_subscriptions, quiet_line, volume_error
from bot.offload import off_loop
from feeds.models import Subscription
from feeds.volume import (
    SubscriptionVolume,
    VolumeError,
    format_times,
    next_digest_slot,
    parse_digest_times,
    parse_mute,
    parse_quiet,
    parse_zone,
    quiet_end,
)

_ID = re.compile(r"#?(\d{1,18})")
OFF = ("off", "none")


def parse_ids(tokens: list[str]) -> list[int] | None:
    """``3 #4`` -> [3, 4]; None when a token is not an id."""
    ids = [_ID.fullmatch(token) for token in tokens]
    return None if any(m is None for m in ids) else [int(m.group(1)) for m in ids if m is not None]


class VolumeCommands:
    """Chat commands for zones, digests, quiet hours and mutes; ``wake_sender`` is called when a change
    released held alerts, so the sender looks at once."""

    def __init__(
        self, store: VolumeStore, clock: Callable[[], datetime], wake_sender: Callable[[], None]
    ) -> None:
        self._store = store
        self._clock = clock
        self.wake_sender = wake_sender

    # --- /tz -------------------------------------------------------------------------------------------
    async def tz(self, ctx: ChatContext, args: str) -> Reply:
        """/tz [ZONE] — show or set the chat's IANA time zone; the answer shows the local time now."""
        t = chat_translator(ctx)
        now = self._clock()
        if not args:
            zone = (await off_loop(self._store.chat_volume, ctx.chat_id)).zone
            shown = t.gettext(
                "This chat's time zone: %(zone)s. Local time now: %(now)s.",
                zone=zone.key,
                now=local_time(t, now, zone),
            )
            return Reply(f"{shown}\n{usage('tz', t)}")
        try:
            zone = parse_zone(args)
        except VolumeError as exc:
            return Reply(f"{volume_error(t, exc)}\n{usage('tz', t)}")
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        await off_loop(self._store.set_timezone, ctx.chat_id, zone, now)
        self.wake_sender()
        return Reply(
            t.gettext(
                "Time zone set to %(zone)s. Local time now: %(now)s.",
                zone=zone.key,
                now=local_time(t, now, zone),
            )
        )

    # --- /digest ---------------------------------------------------------------------------------------
    async def digest(self, ctx: ChatContext, args: str) -> Reply:
        """/digest [HH:MM,…|off] [ID…] — show the schedule, or set it for the chat or some subscriptions."""
        t = chat_translator(ctx)
        if not args:
            return Reply(await self._digest_schedule(ctx, t))
        tokens = args.split()
        split = next((i for i, tok in enumerate(tokens) if i and parse_ids([tok]) is not None), len(tokens))
        setting, ids = " ".join(tokens[:split]), parse_ids(tokens[split:])
        times: tuple[time, ...] = ()
        try:
            if ids is None:
                raise VolumeError("bad subscription ids", "digest_ids")
            if setting.lower() not in OFF:
                times = parse_digest_times(setting)
        except VolumeError as exc:
            return Reply(f"{volume_error(t, exc)}\n{usage('digest', t)}")
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        if ids:
            return await self._digest_for(ctx, t, ids, times)
        await off_loop(self._store.set_chat_digest, ctx.chat_id, times, self._clock())
        self.wake_sender()
        if not times:
            return Reply(
                t.gettext(
                    "Digest off: alerts are sent as they come again; those waiting for a digest go now."
                )
            )
        return Reply(
            t.gettext(
                "Alerts now come as one digest at %(times)s every day (%(zone)s); the next one: %(next)s. "
                "/digest off goes back to instant alerts.",
                **await self._schedule_values(ctx, t, times),
            )
        )

    async def _digest_for(
        self, ctx: ChatContext, t: Translator, ids: list[int], times: tuple[time, ...]
    ) -> Reply:
        """``/digest HH:MM ID…`` and ``/digest off ID…``: an override for these subscriptions only."""
        found = await off_loop(self._store.set_subscription_digest, ctx.chat_id, ids, times, self._clock())
        self.wake_sender()
        missing = sorted(set(ids) - set(found))
        lines = []
        if found:
            numbers = ", ".join(f"#{i}" for i in found)
            if times:
                values = await self._schedule_values(ctx, t, times)
                lines.append(
                    t.gettext(
                        "Digest for %(ids)s at %(times)s every day (%(zone)s); the next one: %(next)s.",
                        ids=numbers,
                        **values,
                    )
                )
            else:
                lines.append(
                    t.gettext("Instant alerts for %(ids)s, whatever the chat's digest.", ids=numbers)
                )
        if missing:
            lines.append(no_subscriptions(t, missing))
        return Reply("\n".join(lines))

    async def _schedule_values(
        self, ctx: ChatContext, t: Translator, times: tuple[time, ...]
    ) -> dict[str, str]:
        zone = (await off_loop(self._store.chat_volume, ctx.chat_id)).zone
        upcoming = next_digest_slot(self._clock(), zone, times)
        return {"times": format_times(times), "zone": zone.key, "next": local_time(t, upcoming, zone)}

    async def _digest_schedule(self, ctx: ChatContext, t: Translator) -> str:
        chat = await off_loop(self._store.chat_volume, ctx.chat_id)
        lines = [digest_line(t, chat, self._clock())]
        lines += await self._overrides(ctx, t)
        lines.append(usage("digest", t))
        return "\n".join(lines)

    async def _overrides(self, ctx: ChatContext, t: Translator) -> list[str]:
        """Subscriptions with their own schedule, one line each (none: nothing)."""
        volumes = await off_loop(self._store.subscription_volumes, ctx.chat_id)
        subs = await off_loop(self._store.list_subscriptions, ctx.chat_id)
        lines = []
        for sub in subs:
            own = volumes.get(sub.id, SubscriptionVolume()).digest
            if own is not None:
                setting = format_times(own) if own else t.gettext("instant")
                lines.append(f"#{sub.id} <code>{echo(sub.query, 60)}</code>: {setting}")
        if lines:
            lines.insert(0, t.gettext("Subscriptions with their own schedule:"))
        return lines

    # --- /quiet ----------------------------------------------------------------------------------------
    async def quiet(self, ctx: ChatContext, args: str) -> Reply:
        """/quiet [HH:MM-HH:MM|off] — show or set quiet hours; off releases held alerts right away."""
        t = chat_translator(ctx)
        if not args:
            chat = await off_loop(self._store.chat_volume, ctx.chat_id)
            return Reply(f"{quiet_line(t, chat, self._clock())}\n{usage('quiet', t)}")
        window = None
        if args.lower() not in OFF:
            try:
                window = parse_quiet(args)
            except VolumeError as exc:
                return Reply(f"{volume_error(t, exc)}\n{usage('quiet', t)}")
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        now = self._clock()
        await off_loop(self._store.set_quiet, ctx.chat_id, window, now)
        self.wake_sender()
        if window is None:
            return Reply(t.gettext("Quiet hours off. Held alerts go out now."))
        chat = await off_loop(self._store.chat_volume, ctx.chat_id)
        answer = t.gettext(
            "Quiet hours set: %(window)s (%(zone)s). Alerts that come meanwhile are held, not dropped, "
            "and go out when the quiet hours end.",
            window=str(window),
            zone=chat.zone.key,
        )
        if (end := quiet_end(now, chat.zone, window)) is not None:
            answer += "\n" + t.gettext("It is quiet now, until %(end)s.", end=local_time(t, end, chat.zone))
        return Reply(answer)

    # --- /mute, /unmute --------------------------------------------------------------------------------
    async def mute(self, ctx: ChatContext, args: str) -> Reply:
        """/mute ID DURATION — the subscription sends nothing until the time is up (matches not queued)."""
        t = chat_translator(ctx)
        parts = args.split()
        ids = parse_ids(parts[:1])
        if len(parts) != 2 or not ids:
            return Reply(usage("mute", t))
        try:
            duration = parse_mute(parts[1])
        except VolumeError as exc:
            return Reply(f"{volume_error(t, exc)}\n{usage('mute', t)}")
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        return await self.mute_for(ctx, t, ids[0], self._clock() + duration)

    async def mute_for(self, ctx: ChatContext, t: Translator, sub_id: int, until: datetime) -> Reply:
        """Mute one subscription of the chat until ``until`` (the caller checked who may)."""
        sub = await self._subscription(ctx, sub_id)
        if sub is None or not await off_loop(self._store.set_mute, ctx.chat_id, sub_id, until, self._clock()):
            return Reply(no_subscriptions(t, [sub_id]))
        zone = (await off_loop(self._store.chat_volume, ctx.chat_id)).zone
        return Reply(
            t.gettext(
                "Muted #%(id)s <code>%(query)s</code> until %(until)s (%(zone)s). Matches meanwhile are not "
                "queued; /recent shows them. /unmute %(id)s ends it early.",
                id=sub.id,
                query=echo(sub.query),
                until=local_time(t, until, zone),
                zone=zone.key,
            )
        )

    async def unmute(self, ctx: ChatContext, args: str) -> Reply:
        """/unmute ID — end a mute early."""
        t = chat_translator(ctx)
        ids = parse_ids(args.split())
        if not ids or len(ids) != 1:
            return Reply(usage("unmute", t))
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        sub = await self._subscription(ctx, ids[0])
        if sub is None or not await off_loop(self._store.set_mute, ctx.chat_id, sub.id, None, self._clock()):
            return Reply(no_subscriptions(t, ids))
        return Reply(
            t.gettext(
                "Unmuted #%(id)s <code>%(query)s</code>: alerts again from now on.",
                id=sub.id,
                query=echo(sub.query),
            )
        )

    async def _subscription(self, ctx: ChatContext, sub_id: int) -> Subscription | None:
        subs = await off_loop(self._store.list_subscriptions, ctx.chat_id)
        return next((s for s in subs if s.id == sub_id), None)

    # --- /status ---------------------------------------------------------------------------------------
    async def status(self, ctx: ChatContext, args: str) -> Reply:
        """/status — zone and local time, digest, quiet hours, paused, mutes, sent in 24 h, waiting."""
        t = chat_translator(ctx)
        now = self._clock()
        chat = await off_loop(self._store.chat_volume, ctx.chat_id)
        stored = await off_loop(self._store.get_chat, ctx.chat_id)
        counts = await off_loop(self._store.volume_counts, ctx.chat_id, now)
        lines = [
            t.gettext("<b>Status</b>"),
            t.gettext(
                "Time zone: %(zone)s, local time %(now)s",
                zone=chat.zone.key,
                now=local_time(t, now, chat.zone),
            ),
            digest_line(t, chat, now),
            *await self._overrides(ctx, t),
            quiet_line(t, chat, now),
        ]
        if stored is not None and stored.paused:
            lines.append(t.gettext("Alerts are paused. /resume turns them back on."))
        lines += await self._mutes(ctx, t, chat.zone, now)
        lines.append(t.gettext("Alerts sent in the last 24 hours: %(count)s", count=counts.sent_24h))
        lines.append(t.gettext("Alerts waiting: %(count)s", count=counts.waiting))
        return Reply("\n".join(lines))

    async def _mutes(self, ctx: ChatContext, t: Translator, zone: ZoneInfo, now: datetime) -> list[str]:
        volumes = await off_loop(self._store.subscription_volumes, ctx.chat_id)
        subs = await off_loop(self._store.list_subscriptions, ctx.chat_id)
        lines = []
        for sub in subs:
            until = volumes.get(sub.id, SubscriptionVolume()).mute_until
            if until is not None and until > now:
                lines.append(
                    t.gettext(
                        "Muted: #%(id)s <code>%(query)s</code> until %(until)s",
                        id=sub.id,
                        query=echo(sub.query, 60),
                        until=local_time(t, until, zone),
                    )
                )
        return lines

    COMMANDS: ClassVar[tuple[Command[VolumeCommands], ...]] = (
        Command(("tz",), tz),
        Command(("digest",), digest),
        Command(("quiet",), quiet),
        Command(("mute",), mute),
        Command(("unmute",), unmute),
        Command(("status",), status),
    )
