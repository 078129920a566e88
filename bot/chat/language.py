"""Which language a chat is answered in (pure): its own setting, else the sender's, else the default."""

from __future__ import annotations

import re

from bot.chat.i18n import DEFAULT_LANGUAGE, LANGUAGES
from feeds.models import Chat

_SUBTAGS = re.compile(r"[-_]")
_SCRIPTS = {"hans": "zh-Hans", "hant": "zh-Hant"}
_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}
# What /lang accepts (after lower-casing and "_" → "-"), besides the tags themselves.
_LANG_ARGUMENTS = {tag.lower(): tag for tag in LANGUAGES}


def from_telegram(language_code: str | None) -> str | None:
    """A Telegram user's ``language_code`` as one of ``LANGUAGES``, or None when we don't speak it.

    ``zh``, ``zh-cn``, ``zh-hans``, ``zh-sg`` → zh-Hans; ``zh-tw``, ``zh-hk``, ``zh-hant``, ``zh-mo`` →
    zh-Hant; ``en-*`` → en. Case-insensitive, ``-`` or ``_``; a script subtag beats the region."""
    if not language_code:
        return None
    primary, *rest = _SUBTAGS.split(language_code.strip().lower())
    if primary == "en":
        return "en"
    if primary != "zh":
        return None
    for subtag in rest:
        if subtag in _SCRIPTS:
            return _SCRIPTS[subtag]
    return "zh-Hant" if _TRADITIONAL_REGIONS.intersection(rest) else "zh-Hans"


def resolve_language(chat_language: str | None, user_language_code: str | None, default: str) -> str:
    """The chat's own choice, else the sender's Telegram language, else the configured default."""
    if chat_language in LANGUAGES:
        return chat_language
    return from_telegram(user_language_code) or (default if default in LANGUAGES else DEFAULT_LANGUAGE)


def stored_language(chat: Chat | None, default: str) -> str:
    """A chat's language when nobody is talking to it (alerts, notices): its /lang choice, else the last
    sender's Telegram language, else the configured default."""
    chosen = (chat.language or chat.sender_language) if chat is not None else None
    return resolve_language(chosen, None, default)


def parse_language_argument(text: str) -> str | None:
    """The ``/lang`` argument (``en``, ``zh-hans``, ``zh-hant``; any case, ``-`` or ``_``), or None."""
    return _LANG_ARGUMENTS.get(text.strip().lower().replace("_", "-"))
