"""Untrusted feed URLs as text: normalized the way the HTTP client reads them, and masked for showing.

``normalize_feed_url`` parses with yarl, the URL library aiohttp requests with, so the host the guard judges
is the host the client connects to: IDNA/UTS 46 mapping (full-width digits and letters, the dot variants
U+3002 U+FF0E U+FF61) turns ``１２７。０。０。２`` into ``127.0.0.2``. A host whose last label is numeric is
read as IPv4 with ``inet_aton`` semantics (``2130706434``, ``0177.0.0.2``, ``0x7f.0.0.2``, ``127.2``, a
trailing dot), as the WHATWG URL standard and the C library read it, and written as a dotted quad; that is
the URL to check and to store.

``mask_url`` hides the user info's password (``http://user:***@host/…``); every surface that shows a feed
URL (chat, CLI, OPML export, logs, errors) shows it through this one function, and ``mask_urls_in`` applies
it to every URL in a text (errors, log lines). The password stays in the database, for Basic auth.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from yarl import URL

_NUMERIC_LABEL = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")
_NAME = re.compile(r"^[a-z0-9._-]+$")  # a host after the IDNA mapping, when it is no IPv6 address
_AUTHORITY = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*:)?//(?P<authority>[^/?#]*)")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#<>\"']*")  # up to the end of the authority
MASK = "***"


class UrlError(ValueError):
    """A URL the HTTP client cannot read; ``reason`` is one of the guard's reasons (``invalid URL``,
    ``invalid address``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalize_feed_url(text: str) -> str:
    """``text`` as the HTTP client will request it, a numeric IPv4 host as a dotted quad; ``UrlError``."""
    text = text.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise UrlError("invalid URL") from None
    try:
        parts.port  # noqa: B018 - read for its ValueError
    except ValueError:
        raise UrlError("invalid port") from None
    try:
        url = URL(text)
        host = url.raw_host
    except (ValueError, UnicodeError):
        raise UrlError("invalid URL") from None
    if not host:
        return str(url)
    if ":" not in host and ("[" in parts.netloc or not _NAME.match(host)):
        raise UrlError("invalid URL")  # ``[127.0.0.2]``, ``[v1.x]``, spaces or controls in a name
    address = ipv4_host(host)
    if address is not None:
        url = url.with_host(str(address))
    return str(url)


def ipv4_host(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells in any ``inet_aton`` form; None for a name or an IPv6 address.

    Raises ``UrlError("invalid address")`` for a numeric host that is no address (``1.2.3.4.5``)."""
    text = host[:-1] if host.endswith(".") and not host.endswith("..") else host
    if ":" in text or not _NUMERIC_LABEL.match(text.split(".")[-1]):
        return None
    value = inet_aton(text)
    if value is None:
        raise UrlError("invalid address")
    return ipaddress.IPv4Address(value)


def inet_aton(text: str) -> int | None:
    """IPv4 in the C library's ``inet_aton`` forms: 1–4 parts, each decimal, 0x-hex or 0-octal."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if not part or not part.isascii():
            return None
        try:
            if part[:2] in ("0x", "0X"):
                values.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                values.append(int(part[1:], 8))
            else:
                values.append(int(part, 10))
        except ValueError:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    result = 0
    for v in head:
        result = result << 8 | v
    return result << 8 * (4 - len(head)) | last


def mask_url(url: str) -> str:
    """``url`` with the password of its user info shown as ``***`` (a user alone, which may be a token, too).

    Works on text that does not parse as a URL as well, so refusals and errors can show it."""
    match = _AUTHORITY.match(url)
    if match is None or "@" not in match["authority"]:
        return url
    userinfo, _, hostport = match["authority"].rpartition("@")
    user, colon, _ = userinfo.partition(":")
    shown = f"{user}:{MASK}" if colon else MASK
    return f"{match['scheme'] or ''}//{shown}@{hostport}{url[match.end() :]}"


def mask_urls_in(text: str) -> str:
    """``text`` (an error, a log line) with every URL in it masked by ``mask_url``."""
    return _URL_IN_TEXT.sub(lambda match: mask_url(match.group(0)), text) if "@" in text else text
