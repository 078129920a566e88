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
    """An inline button: a callback button (``data`` within Telegram's 64-byte limit); with ``web_app``
    set, a button that opens that Mini App URL (private chats only); with ``url`` set, a link."""

    text: str
    data: str = ""
    web_app: str | None = None
    url: str | None = None


MAX_CAPTION = 1024  # Telegram's limit for a photo's or document's caption


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply: a picture (``photo``, e.g. a PNG chart) or any file (``document``)."""

    kind: Literal["photo", "document"]
    data: bytes
    filename: str


class FileTooLarge(Exception):
    """A file a command was given (the document ``/import`` replies to) is larger than it accepts."""


class FileUnavailable(Exception):
    """The file a command replies to could not be fetched from the messenger (the adapter logged why)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send back: Telegram HTML, optional rows of inline buttons, and optionally a file,
    in which case ``html`` is its caption (at most ``MAX_CAPTION`` characters)."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    reply_to: int | None = None  # sent as a reply to this message of the chat


@dataclass(frozen=True, slots=True)
class ButtonAnswer:
    """What a button press does: ``notice`` (plain text, the short answer every press gets), optionally a
    new message to the chat, and optionally a replacement for the message the button was under."""

    notice: str
    message: Reply | None = None
    edit: Reply | None = None


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
    "addfeed": N_(
        "Usage: /addfeed URL [NAME] — a feed, or a page that links one; "
        "NAME is what alerts and <code>source:</code> call it"
    ),
    "removefeed": N_("Usage: /removefeed NAME or /removefeed ID — /feeds lists them"),
    "test": N_(
        "Usage: /test QUERY — what it would have matched in the last 7 days, "
        "for example <code>/test Binzhou</code>"
    ),
    "trend": N_(
        "Usage: /trend QUERY or ID [DAYS] — stories per day (30 days unless you say, at most 365); "
        "<code>/trend Binzhou | Dongying 90</code> compares up to four"
    ),
    "spike": N_(
        "Usage: /spike ID on or /spike ID off — an extra alert when a subscription's day is unusually busy"
    ),
    "tz": N_(
        "Usage: /tz ZONE — an IANA time zone, for example <code>/tz Asia/Shanghai</code> or "
        "<code>/tz Europe/Berlin</code>"
    ),
    "digest": N_(
        "Usage: /digest HH:MM[,HH:MM…] [ID…] or /digest off [ID…] — for example "
        "<code>/digest 08:00,18:00</code> or <code>/digest off 3</code>"
    ),
    "quiet": N_("Usage: /quiet HH:MM-HH:MM or /quiet off — for example <code>/quiet 22:00-07:00</code>"),
    "mute": N_("Usage: /mute ID DURATION — for example <code>/mute 3 8h</code> (30m, 8h, 3d; up to 30 days)"),
    "unmute": N_("Usage: /unmute ID — for example <code>/unmute 3</code>"),
}

VOLUME_HELP = N_(
    """<b>When alerts come</b>
Times are local to the chat's time zone (/tz). A digest sends one message at each chosen time instead of \
instant alerts. Quiet hours hold alerts (they go out when the quiet hours end); a mute drops them (they \
stay in /recent). Every alert has buttons: Mute 1 d, Unsubscribe and Why? (which words matched, where)."""
)

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
Simplified and traditional characters match as one (滨州 = 濱州); pinyin never matches characters, \
it is ambiguous (Binzhou: 滨州, 彬州, 宾州): to catch both, write <code>滨州 OR Binzhou</code>.
Operators and field names (OR, NOT, title:, source:) stay in English in every language."""
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("subscribe", N_("Alert me about a query: /subscribe Binzhou")),
    ("unsubscribe", N_("Stop a subscription: /unsubscribe ID")),
    ("list", N_("Show this chat's subscriptions")),
    ("aliases", N_("Names in other scripts for a subscription: /aliases ID")),
    ("recent", N_("Newest releases, optionally matching a query")),
    ("test", N_("Try a query on the last 7 days without subscribing")),
    ("trend", N_("A chart of stories per day: /trend Binzhou")),
    ("spike", N_("Alerts on unusually busy days: /spike ID on")),
    ("pause", N_("Pause alerts for this chat")),
    ("resume", N_("Resume alerts for this chat")),
    ("tz", N_("Set the chat's time zone: /tz Asia/Shanghai")),
    ("digest", N_("One digest at set times instead of instant alerts: /digest 08:00")),
    ("quiet", N_("Hold alerts during quiet hours: /quiet 22:00-07:00")),
    ("mute", N_("Silence a subscription for a while: /mute 3 8h")),
    ("unmute", N_("End a mute early: /unmute 3")),
    ("status", N_("This chat's settings at a glance")),
    ("lang", N_("Choose the bot's language for this chat")),
    ("help", N_("What this bot does and the query language")),
    ("app", N_("Open the Mini App: subscriptions, live preview, trends and settings")),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("feeds", N_("Feed health (admins only)")),
    ("addfeed", N_("Add a feed by its link: /addfeed URL [NAME]")),
    ("removefeed", N_("Remove a feed added from chat: /removefeed NAME")),
    ("export", N_("All feeds as an OPML file (admins only)")),
    ("import", N_("Reply to an OPML file to add its feeds (admins only)")),
)
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
    lines.extend(["", t.gettext(VOLUME_HELP), "", t.gettext(QUERY_HELP)])
    return "\n".join(lines)


def command_menus(default_language: str = "en") -> dict[str, list[tuple[str, str]]]:
    """The command menu per Telegram ``language_code`` for setMyCommands ("": every other language)."""
    menus = {code: translator(language) for code, language in MENU_LANGUAGES.items()}
    menus[""] = translator(default_language)
    return {code: [(name, t.gettext(text)[:256]) for name, text in COMMANDS] for code, t in menus.items()}
