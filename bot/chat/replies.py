"""What the chat says: reply values and the fixed texts (help, usage lines), all HTML-safe."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Literal

from bot.chat.i18n import N_, Translator, translator
from feeds.invisible import strip_hidden

ECHO_LIMIT = 120


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button; ``data`` must stay within Telegram's 64-byte callback limit."""

    text: str
    data: str


MAX_CAPTION = 1024  # Telegram's limit for a photo's or document's caption


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply: a picture (``photo``, e.g. a PNG chart) or any file (``document``)."""

    kind: Literal["photo", "document"]
    data: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send back: Telegram HTML, optional rows of inline buttons, and optionally a file,
    in which case ``html`` is its caption (at most ``MAX_CAPTION`` characters)."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text made safe to quote back: control and invisible characters dropped, shortened, escaped."""
    text = " ".join(strip_hidden(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text, quote=False)


USAGE = {
    "subscribe": N_(
        "Usage: /subscribe QUERY — for example <code>/subscribe Binzhou</code> or "
        '<code>/subscribe "Weiqiao Pioneering" OR 魏桥</code>'
    ),
    "unsubscribe": N_("Usage: /unsubscribe ID or /unsubscribe QUERY — the ids are shown by /list"),
    "recent": N_("Usage: /recent [QUERY] — for example <code>/recent Shandong -aluminum</code>"),
    "lang": N_("Usage: /lang en, /lang zh-hans or /lang zh-hant"),
}

QUERY_HELP = N_(
    """<b>Queries</b>
<code>Binzhou Shandong</code> — both words must appear
<code>"Weiqiao Pioneering"</code> — the exact phrase
<code>aluminium OR aluminum</code> — either one
<code>-sports</code> or <code>NOT sports</code> — must not appear
<code>(Binzhou OR Dongying) Shandong</code> — grouping
<code>alumin*</code> — words starting with "alumin" (3+ letters before *)
<code>title:Binzhou</code> — in the headline only
<code>source:globenewswire</code> — only from feeds whose name contains it
<code>滨州</code> — Chinese, Japanese and Korean terms match inside words
Case, accents and full-width letters are ignored; words match whole (coal ≠ coalition).
Operators and field names (OR, NOT, title:, source:) stay in English in every language."""
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("subscribe", N_("Alert me about a query: /subscribe Binzhou")),
    ("unsubscribe", N_("Stop a subscription: /unsubscribe ID")),
    ("list", N_("Show this chat's subscriptions")),
    ("recent", N_("Newest releases, optionally matching a query")),
    ("pause", N_("Pause alerts for this chat")),
    ("resume", N_("Resume alerts for this chat")),
    ("lang", N_("Choose the bot's language for this chat")),
    ("help", N_("What this bot does and the query language")),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (("feeds", N_("Feed health (admins only)")),)
# setMyCommands takes two-letter language codes only: "zh" gets Simplified Chinese, "" is everyone else.
MENU_LANGUAGES = {"en": "en", "zh": "zh-Hans"}


def usage(name: str, t: Translator) -> str:
    """The usage line of a command, in the chat's language."""
    return t.gettext(USAGE[name])


def help_text(is_admin: bool, t: Translator | None = None) -> str:
    """The /start and /help answer."""
    t = t or translator()
    lines = [
        t.gettext(
            "<b>Wirewatch</b> watches press-release and news wires "
            "and alerts you the moment your words appear."
        ),
        t.gettext("One alert per story, even when several wires carry it."),
        "",
        t.gettext("<b>Commands</b>"),
        *(f"/{name} — {escape(t.gettext(text))}" for name, text in COMMANDS),
        t.gettext("/sub and /unsub are short for /subscribe and /unsubscribe."),
    ]
    if is_admin:
        lines.extend(f"/{name} — {escape(t.gettext(text))}" for name, text in ADMIN_COMMANDS)
    lines.extend(["", t.gettext(QUERY_HELP)])
    return "\n".join(lines)


def command_menus(default_language: str = "en") -> dict[str, list[tuple[str, str]]]:
    """The command menu per Telegram ``language_code`` for setMyCommands ("": every other language)."""
    menus = {code: translator(language) for code, language in MENU_LANGUAGES.items()}
    menus[""] = translator(default_language)
    return {code: [(name, t.gettext(text)[:256]) for name, text in COMMANDS] for code, t in menus.items()}
