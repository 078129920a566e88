"""The answer of an alert's Why? button: how the release matched the subscription (``wirewatch match
--explain``'s logic), each matched term with its words in context, in bold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from html import escape

from bot.chat.i18n import Translator
from bot.chat.render import bold_spans
from bot.chat.replies import echo
from feeds.documents import document_for
from feeds.query import MatchedTerm, QueryError, parse_query
from feeds.values import PendingAlert

CONTEXT = 40  # characters of context on each side of the first occurrence
MAX_TERMS = 8


def snippet(text: str, spans: Sequence[tuple[int, int]], width: int = CONTEXT) -> str:
    """HTML: the text around the first span (``width`` characters each side, ``…`` where cut), every span
    inside that window in bold; line breaks become spaces."""
    if not spans:
        return ""
    first_start, first_end = spans[0]
    start, end = max(0, first_start - width), min(len(text), first_end + width)
    inside = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
    body = bold_spans(text[start:end], inside)
    return ("…" if start else "") + " ".join(body.split()) + ("…" if end < len(text) else "")


def _term_line(t: Translator, term: MatchedTerm, text: str) -> str:
    values = {"term": escape(term.term, quote=False), "context": snippet(text, term.spans)}
    if term.field == "title":
        return "• " + t.gettext("<code>%(term)s</code> in the headline: %(context)s", **values)
    return "• " + t.gettext("<code>%(term)s</code> in the body: %(context)s", **values)


def explain_alert(alert: PendingAlert, t: Translator, zone: tzinfo = UTC) -> str:
    """Why this alert's release matched its subscription, as an HTML message (times in the chat's zone)."""
    head = t.gettext(
        "<b>Why?</b> #%(id)s <code>%(query)s</code>", id=alert.subscription_id, query=echo(alert.query or "")
    )
    item = alert.item
    when = t.gettext(
        "Published %(published)s, first seen %(seen)s.",
        published=t.format_zoned(item.published_at, zone),
        seen=t.format_zoned(item.first_seen_at, zone),
    )
    lines = [head, echo(item.title, 300) or t.gettext("(untitled)"), escape(when, quote=False)]
    try:
        query = parse_query(alert.query or "")
    except QueryError:
        return "\n".join([*lines, t.gettext("This release no longer matches the subscription.")])
    lines.append(t.gettext("Understood as: %(meaning)s", meaning=escape(query.describe(), quote=False)))
    document = document_for(alert.item)
    explanation = query.explain(document)
    if explanation is None:
        return "\n".join([*lines, t.gettext("This release no longer matches the subscription.")])
    texts = {"title": document.title.original, "body": document.body.original}
    lines += [_term_line(t, term, texts[term.field]) for term in explanation.terms[:MAX_TERMS]]
    return "\n".join(lines)
