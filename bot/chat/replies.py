"""What the chat says: reply values and the fixed texts (help, usage lines), all HTML-safe."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from feeds.invisible import strip_hidden

ECHO_LIMIT = 120


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button; ``data`` must stay within Telegram's 64-byte callback limit."""

    text: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send back: Telegram HTML, and optional rows of inline buttons."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text made safe to quote back: control and invisible characters dropped, shortened, escaped."""
    text = " ".join(strip_hidden(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text, quote=False)


USAGE = {
    "subscribe": "Usage: /subscribe QUERY — for example <code>/subscribe Binzhou</code> or "
    '<code>/subscribe "Weiqiao Pioneering" OR 魏桥</code>',
    "unsubscribe": "Usage: /unsubscribe ID or /unsubscribe QUERY — the ids are shown by /list",
    "recent": "Usage: /recent [QUERY] — for example <code>/recent Shandong -aluminum</code>",
}

QUERY_HELP = """<b>Queries</b>
<code>Binzhou Shandong</code> — both words must appear
<code>"Weiqiao Pioneering"</code> — the exact phrase
<code>aluminium OR aluminum</code> — either one
<code>-sports</code> or <code>NOT sports</code> — must not appear
<code>(Binzhou OR Dongying) Shandong</code> — grouping
<code>alumin*</code> — words starting with "alumin" (3+ letters before *)
<code>title:Binzhou</code> — in the headline only
<code>source:globenewswire</code> — only from feeds whose name contains it
<code>滨州</code> — Chinese, Japanese and Korean terms match inside words
Case, accents and full-width letters are ignored; words match whole (coal ≠ coalition)."""

COMMANDS: tuple[tuple[str, str], ...] = (
    ("subscribe", "Alert me about a query: /subscribe Binzhou"),
    ("unsubscribe", "Stop a subscription: /unsubscribe ID"),
    ("list", "Show this chat's subscriptions"),
    ("recent", "Newest releases, optionally matching a query"),
    ("pause", "Pause alerts for this chat"),
    ("resume", "Resume alerts for this chat"),
    ("help", "What this bot does and the query language"),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (("feeds", "Feed health (admins only)"),)


def help_text(is_admin: bool) -> str:
    """The /start and /help answer."""
    lines = [
        "<b>Wirewatch</b> watches press-release and news wires and alerts you the moment your words appear.",
        "One alert per story, even when several wires carry it.",
        "",
        "<b>Commands</b>",
        *(f"/{name} — {escape(text)}" for name, text in COMMANDS),
        "/sub and /unsub are short for /subscribe and /unsubscribe.",
    ]
    if is_admin:
        lines.extend(f"/{name} — {escape(text)}" for name, text in ADMIN_COMMANDS)
    lines.extend(["", QUERY_HELP])
    return "\n".join(lines)
