"""Every word the page shows, as gettext msgids in the chat's catalogs; the page gets them translated as
JSON (``/app/api/me``) and fills ``%(name)s`` placeholders itself."""

from __future__ import annotations

from bot.chat.i18n import N_, Translator

PAGE_STRINGS: dict[str, str] = {
    "title": N_("Wirewatch"),
    "loading": N_("Loading…"),
    "tab_subscriptions": N_("Subscriptions"),
    "tab_trends": N_("Trends"),
    "tab_settings": N_("Settings"),
    "tab_feeds": N_("Feeds"),
    "new_subscription": N_("New subscription"),
    "query_placeholder": N_("e.g. Binzhou OR 滨州"),
    "subscribe": N_("Subscribe"),
    "preview_hint": N_("Type a query to see what it would have matched in the last 7 days."),
    "preview_count": N_("Stories in the last 7 days: %(count)s"),
    "preview_newest": N_("Newest headlines"),
    "preview_none": N_("Nothing matched in the last 7 days."),
    "aliases": N_("Also written as (tap to add):"),
    "no_subscriptions": N_("No subscriptions yet."),
    "delete": N_("Delete"),
    "mute": N_("Mute 24 h"),
    "unmute": N_("Unmute"),
    "muted_until": N_("Muted until %(when)s"),
    "last_match": N_("Last match %(when)s"),
    "no_match": N_("No match in 30 days"),
    "paused_note": N_("Alerts are paused."),
    "trend_query": N_("Subscription or query"),
    "days": N_("%(days)s days"),
    "show": N_("Show"),
    "trend_total": N_("Stories: %(count)s"),
    "language": N_("Language"),
    "timezone": N_("Time zone"),
    "timezone_hint": N_("Your device says %(zone)s."),
    "use_zone": N_("Use it"),
    "digest_times": N_("Digest times"),
    "digest_hint": N_("Empty: alerts as they come. For example 08:00,18:00"),
    "quiet_hours": N_("Quiet hours"),
    "quiet_hint": N_("Empty: none. For example 22:00-07:00"),
    "paused": N_("Pause alerts"),
    "save": N_("Save"),
    "feed_url": N_("Feed URL"),
    "add_feed": N_("Add feed"),
    "remove": N_("Remove"),
    "error": N_("Something went wrong. Please try again."),
}


def page_strings(t: Translator) -> dict[str, str]:
    """The page's strings in ``t``'s language, by key."""
    return {key: t.catalog.gettext(msgid) for key, msgid in PAGE_STRINGS.items()}
