"""The page's settings, feeds and "who am I": reads from the store, every change through the chat's own
command (/lang, /tz, /digest, /quiet, /pause, /resume, /addfeed, /removefeed), so the rules and answers are
the chat's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.chat.context import ChatContext, is_bot_admin
from bot.chat.feed_report import HEALTH, ORIGINS, error_summary, health
from bot.chat.groups import Groups
from bot.chat.i18n import LANGUAGES, N_, NATIVE_NAMES
from bot.chat.language import parse_language_argument
from bot.chat.replies import Reply
from bot.chat.volume_text import volume_error
from bot.offload import off_loop
from bot.web.guard import ApiError
from bot.web.ports import WebAppStore
from bot.web.session import Caller, body, plain
from bot.web.strings import page_strings
from feeds.models import FeedOrigin
from feeds.urls import mask_url
from feeds.volume import VolumeError, format_times, parse_digest_times, parse_quiet, parse_zone

Change = Callable[[ChatContext, str], Awaitable[Reply]]
ADMINS_ONLY = N_("Only the bot's administrators manage feeds.")
NO_FEED = N_("No such feed.")
BAD_SETTING = N_("This setting can't take that value.")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


class SettingsApi:
    """``/app/api/me``, ``/app/api/settings`` and ``/app/api/feeds``."""

    def __init__(self, groups: Groups, store: WebAppStore, admins: frozenset[int]) -> None:
        self._groups = groups
        self._store = store
        self._admins = admins

    async def me(self, request: web.Request, caller: Caller) -> web.Response:
        """The user, the language the page speaks and its strings, the languages to choose from."""
        return web.json_response(
            {
                "id": caller.ctx.user_id,
                "language": caller.t.language,
                "languages": [{"tag": tag, "name": NATIVE_NAMES[tag]} for tag in LANGUAGES],
                "admin": is_bot_admin(caller.ctx, self._admins),
                "strings": page_strings(caller.t),
            }
        )

    async def get(self, request: web.Request, caller: Caller) -> web.Response:
        """``{"language", "timezone", "digest_times", "quiet_hours", "paused"}``."""
        return web.json_response(await self._settings(caller))

    async def put(self, request: web.Request, caller: Caller) -> web.Response:
        """Apply any of the settings, each through its chat command; 422 (nothing applied) for a bad one."""
        changes = self._changes(await body(request), caller)
        messages = [plain(await change(caller.ctx, args)) for change, args in changes]
        return web.json_response({**await self._settings(caller), "messages": messages})

    def _changes(self, wanted: dict[str, Any], caller: Caller) -> list[tuple[Change, str]]:
        """The chat commands that make ``wanted`` so, each value checked first by the command's own rule."""
        volume, settings = self._groups.volume, self._groups.settings
        changes: list[tuple[Change, str]] = []
        try:
            if "language" in wanted:
                language = parse_language_argument(str(wanted["language"] or ""))
                if language is None:
                    raise ApiError(422, "invalid_setting", BAD_SETTING)
                changes.append((settings.lang, language))
            if "timezone" in wanted:
                changes.append((volume.tz, parse_zone(str(wanted["timezone"] or "")).key))
            if "digest_times" in wanted:
                times = wanted["digest_times"] or []
                if not isinstance(times, list):
                    raise ApiError(422, "invalid_setting", BAD_SETTING)
                joined = ",".join(str(one) for one in times)
                changes.append((volume.digest, format_times(parse_digest_times(joined)) if times else "off"))
            if "quiet_hours" in wanted:
                quiet = wanted["quiet_hours"]
                changes.append((volume.quiet, str(parse_quiet(str(quiet))) if quiet else "off"))
            if "paused" in wanted:
                if not isinstance(wanted["paused"], bool):
                    raise ApiError(422, "invalid_setting", BAD_SETTING)
                changes.append((settings.pause if wanted["paused"] else settings.resume, ""))
        except VolumeError as exc:
            message = volume_error(caller.t, exc)
            raise ApiError(422, "invalid_setting", plain(Reply(message)), translated=True) from None
        return changes

    async def _settings(self, caller: Caller) -> dict[str, Any]:
        chat_id = caller.ctx.chat_id
        volume = await off_loop(self._store.chat_volume, chat_id)
        chat = await off_loop(self._store.get_chat, chat_id)
        return {
            "language": caller.t.language if chat is None or chat.language is None else chat.language,
            "timezone": volume.zone.key,
            "digest_times": [at.strftime("%H:%M") for at in volume.digest],
            "quiet_hours": str(volume.quiet) if volume.quiet else None,
            "paused": bool(chat and chat.paused),
        }

    # --- feeds (the bot's administrators) ---------------------------------------------------------------
    def _admin(self, caller: Caller) -> None:
        if not is_bot_admin(caller.ctx, self._admins):
            raise ApiError(403, "forbidden", ADMINS_ONLY)

    async def feeds(self, request: web.Request, caller: Caller) -> web.Response:
        """The health table of /feeds."""
        self._admin(caller)
        t = caller.t
        rows = [
            {
                "id": feed.id,
                "name": feed.name,
                "url": mask_url(feed.url),
                "health": feed_health,
                "health_text": t.gettext(HEALTH[feed_health]),
                "origin": t.gettext(ORIGINS[feed.origin]),
                "removable": feed.origin is not FeedOrigin.CONFIG,
                "last_success_at": _iso(feed.last_success_at),
                "consecutive_failures": feed.consecutive_failures,
                "last_error": error_summary(feed.last_error),
            }
            for feed in await off_loop(self._store.list_feeds)
            for feed_health in (health(feed),)
        ]
        return web.json_response({"feeds": rows})

    async def add_feed(self, request: web.Request, caller: Caller) -> web.Response:
        """Add a feed by URL as /addfeed does (through the same guard); its answer as the message."""
        self._admin(caller)
        url = (await body(request)).get("url")
        if not isinstance(url, str) or not url.strip() or any(c.isspace() for c in url.strip()):
            raise ApiError(422, "invalid_url", BAD_SETTING)
        reply = await self._groups.feeds.addfeed(caller.ctx, url.strip())
        return web.json_response({"message": plain(reply)})

    async def remove_feed(self, request: web.Request, caller: Caller) -> web.Response:
        """Remove a feed as /removefeed does; 404 for an id that is no enabled feed."""
        self._admin(caller)
        ident = request.match_info["id"]
        feeds = {feed.id for feed in await off_loop(self._store.list_feeds)}
        if not ident.isdecimal() or len(ident) >= 19 or int(ident) not in feeds:
            raise ApiError(404, "not_found", NO_FEED)
        reply = await self._groups.feeds.removefeed(caller.ctx, ident)
        return web.json_response({"message": plain(reply)})
