"""Canonical links: absolute http(s), lower-cased scheme and host, no default port, fragment or trackers.

No user info either (``https://good.example@evil.example/`` reads as the first host but goes to the second),
and no control or invisible characters (``feeds.invisible``)."""

from __future__ import annotations

from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from feeds.invisible import strip_hidden

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "_openstat",
        "feedtype",
        "feedname",
        "cmpid",
        "ncid",
        "sr_share",
        "spm",
        "s_cid",
    }
)
_TRACKING_PREFIXES = ("utm_", "wt.", "wt_")


def _is_tracking(pair: str) -> bool:
    """Whether a ``name=value`` query pair is a tracking parameter (names compared case-insensitively)."""
    name = unquote_plus(pair.partition("=")[0]).strip().lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def _absolute(link: str | None, base_url: str) -> str | None:
    """``link`` resolved against ``base_url`` if it is an http(s) URL with a host, else None."""
    link = strip_hidden(link).strip() if link else ""
    if not link:
        return None
    try:
        absolute = urljoin(strip_hidden(base_url).strip(), link)
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def canonical_link(link: str | None, base_url: str, orig_link: str | None = None) -> str | None:
    """The canonical form of an entry's link; FeedBurner's ``orig_link`` wins when it is a valid link."""
    return _absolute(orig_link, base_url) or _absolute(link, base_url)
