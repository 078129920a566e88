"""A sample release and a tiny RSS builder shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

RELEASE = (
    "Binzhou opens green aluminum park",
    "BINZHOU, China, Nov. 26, 2026 /Xinhua-AsiaNet/ -- The city of Binzhou opened a park where smelters and "
    "recyclers share one water loop. Officials expect 400,000 tonnes of scrap a year.",
)


def rss(items: Sequence[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 document of (guid, title, body) items."""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>https://wire.example.com/{g}</link><guid>{g}</guid>"
        f"<description>{escape(b)}</description></item>"
        for g, t, b in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>{entries}</channel></rss>'.encode()
    )
