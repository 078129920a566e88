"""Documents for tests of adding feeds: a titled RSS feed with dated items, and HTML pages linking feeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from html import escape


def titled_feed(title: str, items: Sequence[tuple[str, str, datetime]]) -> bytes:
    """RSS 2.0 with a channel title and (guid, headline, date) items."""
    entries = "".join(
        f"<item><title>{escape(headline)}</title><link>https://wire.example.com/{guid}</link>"
        f"<guid>{guid}</guid><pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
        f"<description>{escape(headline)} was announced today.</description></item>"
        for guid, headline, when in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"{entries}</channel></rss>"
    ).encode()


def page_linking(links: Sequence[tuple[str, str]]) -> bytes:
    """An HTML page whose head links the (href, title) feeds as RSS alternates."""
    tags = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="{escape(href)}" title="{escape(title)}">'
        for href, title in links
    )
    return f"<!doctype html><html><head><title>Newsroom</title>{tags}</head><body>News</body></html>".encode()
