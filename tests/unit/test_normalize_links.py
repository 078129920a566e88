"""Canonical links."""

from __future__ import annotations

import pytest

from feeds.links import canonical_link

BASE = "https://wire.example.com/feeds/news.rss"

CASES = [
    ("absolute kept", "https://example.com/a/b?id=3", None, "https://example.com/a/b?id=3"),
    ("relative resolved", "/news/1", None, "https://wire.example.com/news/1"),
    ("relative path resolved", "item?id=2", None, "https://wire.example.com/feeds/item?id=2"),
    ("scheme relative", "//cdn.example.com/x", None, "https://cdn.example.com/x"),
    ("scheme and host lowered", "HTTP://Example.COM/Path", None, "http://example.com/Path"),
    ("default https port dropped", "https://example.com:443/a", None, "https://example.com/a"),
    ("default http port dropped", "http://example.com:80/a", None, "http://example.com/a"),
    ("other port kept", "https://example.com:8443/a", None, "https://example.com:8443/a"),
    ("fragment dropped", "https://example.com/a#section", None, "https://example.com/a"),
    ("empty path becomes slash", "https://example.com", None, "https://example.com/"),
    ("utm dropped", "https://e.com/a?utm_source=rss&utm_medium=feed", None, "https://e.com/a"),
    ("utm uppercase dropped", "https://e.com/a?UTM_Campaign=x&id=1", None, "https://e.com/a?id=1"),
    (
        "click ids dropped",
        "https://e.com/a?fbclid=1&gclid=2&dclid=3&msclkid=4&yclid=5&igshid=6",
        None,
        "https://e.com/a",
    ),
    ("mailchimp dropped", "https://e.com/a?mc_cid=1&mc_eid=2&p=q", None, "https://e.com/a?p=q"),
    ("webtrends dropped", "https://e.com/a?WT.mc_id=1&wt_mc=2&WT.tsrc=3&x=1", None, "https://e.com/a?x=1"),
    ("feedburner dropped", "https://e.com/a?feedType=RSS&feedName=news", None, "https://e.com/a"),
    (
        "misc trackers dropped",
        "https://e.com/a?cmpid=1&ncid=2&sr_share=3&_hsenc=4&_hsmi=5&spm=6",
        None,
        "https://e.com/a",
    ),
    ("order kept", "https://e.com/a?z=1&utm_x=2&a=2&m=3", None, "https://e.com/a?z=1&a=2&m=3"),
    ("blank value kept", "https://e.com/a?flag&x=", None, "https://e.com/a?flag&x="),
    ("whitespace stripped", "\n  https://e.com/a  \n", None, "https://e.com/a"),
    (
        "orig link preferred",
        "https://feedproxy.example/~r/x/1",
        "https://e.com/real?utm_a=1",
        "https://e.com/real",
    ),
    ("bad orig link ignored", "https://e.com/a", "javascript:alert(1)", "https://e.com/a"),
    ("mailto is no link", "mailto:press@example.com", None, None),
    ("ftp is no link", "ftp://example.com/file", None, None),
    ("javascript is no link", "javascript:void(0)", None, None),
    ("none", None, None, None),
    ("blank", "   ", None, None),
    ("bad port", "https://e.com:99999/a", None, None),
    ("userinfo dropped, host lowered", "https://User@EXAMPLE.com/a", None, "https://example.com/a"),
    ("userinfo posing as host", "https://good.example@evil.example/path", None, "https://evil.example/path"),
    ("user and password dropped", "http://u:p@example.com:8080/a", None, "http://example.com:8080/a"),
    ("bidi and nul removed", "https://example.com/a\u202e\x00b", None, "https://example.com/ab"),
    ("only invisible is no link", "\u200b\u2066", None, None),
    ("ipv6 host", "http://[::1]:80/a", None, "http://[::1]/a"),
]


@pytest.mark.parametrize(("link", "orig", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_canonical_link(link: str | None, orig: str | None, expected: str | None) -> None:
    assert canonical_link(link, BASE, orig) == expected


def test_relative_link_without_usable_base_is_no_link() -> None:
    assert canonical_link("/news/1", "") is None
