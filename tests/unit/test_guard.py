"""feeds.guard: classification of every refused range and odd spelling, on addresses (no connection)."""

from __future__ import annotations

import ipaddress
import logging

import pytest

from feeds.guard import GuardRefused, UrlPolicy, classify, parse_host
from feeds.urls import inet_aton

REFUSED = [
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("100.64.0.1", "cgnat"),
    ("100.127.255.254", "cgnat"),
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("169.254.169.254", "link-local"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.0.0.8", "reserved"),
    ("192.0.2.1", "documentation"),
    ("192.88.99.1", "reserved"),
    ("192.168.1.1", "private"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("::127.0.0.1", "ipv4-compatible"),
    ("::8.8.8.8", "ipv4-compatible"),
    ("::ffff:127.0.0.1", "loopback (embedded)"),
    ("::ffff:10.1.2.3", "private (embedded)"),
    ("::ffff:169.254.169.254", "link-local (embedded)"),
    ("64:ff9b::7f00:1", "loopback (embedded)"),
    ("64:ff9b::a9fe:a9fe", "link-local (embedded)"),
    ("64:ff9b::c0a8:101", "private (embedded)"),
    ("64:ff9b:1::808:808", "nat64-local"),
    ("2002:7f00:1::", "loopback (embedded)"),
    ("2002:c0a8:101::1", "private (embedded)"),
    ("2002:6440:1::", "cgnat (embedded)"),
    ("100::1", "reserved"),
    ("2001::1", "teredo"),
    ("2001:2::1", "benchmarking"),
    ("2001:10::1", "reserved"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("fe80::1", "link-local"),
    ("febf::1", "link-local"),
    ("fec0::1", "private"),
    ("ff02::1", "multicast"),
    ("4000::1", "reserved"),
]


@pytest.mark.parametrize(("address", "kind"), REFUSED, ids=[a for a, _ in REFUSED])
def test_refused_ranges(address: str, kind: str) -> None:
    assert classify(ipaddress.ip_address(address)) == kind


PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.32.0.1",
    "198.20.0.1",
    "11.0.0.1",
    "2606:4700::1111",
    "2a00:1450:4001::1",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", PUBLIC, ids=PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert classify(ipaddress.ip_address(address)) is None
    UrlPolicy().check_address(ipaddress.ip_address(address), "example.com")


SPELLINGS = [
    ("2130706433", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("0x7F000001", "127.0.0.1"),
    ("017700000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("127.0.1", "127.0.0.1"),
    ("10.1", "10.0.0.1"),
    ("0", "0.0.0.0"),
    ("127.0.0.1.", "127.0.0.1"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ("[::1]", "::1"),
    ("[fe80::1%25eth0]", "fe80::1"),
    ("8.8.8.8", "8.8.8.8"),
]


@pytest.mark.parametrize(("host", "address"), SPELLINGS, ids=[h for h, _ in SPELLINGS])
def test_odd_spellings_are_the_addresses_they_are(host: str, address: str) -> None:
    assert parse_host(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "feeds.example.org.", "xn--bcher-kva.example", "1.2.3.com"])
def test_names_are_not_addresses(host: str) -> None:
    assert parse_host(host) is None


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "0x100.1", "089", "1.16777216", "[::zz]"])
def test_numeric_hosts_that_are_no_address_are_refused(host: str) -> None:
    with pytest.raises(GuardRefused, match="invalid address"):
        parse_host(host)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.2.3.4", 0x01020304),
        ("1.0x20304", 0x01020304),
        ("1.2.0x304", 0x01020304),
        ("4294967295", 2**32 - 1),
        ("4294967296", None),
        ("", None),
        ("1..2", None),
    ],
)
def test_inet_aton(text: str, value: int | None) -> None:
    assert inet_aton(text) == value


REFUSED_URLS = [
    ("file:///etc/passwd", "scheme not allowed"),
    ("ftp://example.com/feed.xml", "scheme not allowed"),
    ("gopher://example.com/", "scheme not allowed"),
    ("http:///nohost", "no host"),
    ("http://example.com:22/feed", "port not allowed"),
    ("http://example.com:99999/feed", "invalid port"),
    ("http://2130706433/", "private address"),
    ("http://0x7f.1/", "private address"),
    ("http://017700000001/", "private address"),
    ("http://127.1/", "private address"),
    ("http://[::ffff:127.0.0.1]/", "private address"),
    ("http://[::1]:80/", "private address"),
    ("https://169.254.169.254/latest/meta-data", "private address"),
    ("http://100.64.0.1/", "private address"),
    ("http://[64:ff9b::a00:1]/", "private address"),
    ("http://1.2.3.4.5/", "invalid address"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS, ids=[u for u, _ in REFUSED_URLS])
def test_refused_urls(url: str, reason: str) -> None:
    with pytest.raises(GuardRefused) as caught:
        UrlPolicy().check_url(url)
    assert caught.value.reason == reason
    assert str(caught.value) == f"refused: {reason}"


@pytest.mark.parametrize(
    "url",
    ["http://example.com/feed", "https://example.com:443/x", "http://8.8.8.8/", "https://[2606:4700::1]/"],
)
def test_admitted_urls(url: str) -> None:
    UrlPolicy().check_url(url)


def test_allowed_ports_extend_80_and_443() -> None:
    policy = UrlPolicy(allowed_ports=frozenset({8080}))
    policy.check_url("http://example.com:8080/feed")
    with pytest.raises(GuardRefused, match="port not allowed"):
        policy.check_url("http://example.com:8081/feed")


def test_allow_private_networks_lifts_only_the_address_check() -> None:
    policy = UrlPolicy(allow_private_networks=True)
    policy.check_url("http://192.168.1.10/rss")
    policy.check_url("http://[::1]/rss")
    with pytest.raises(GuardRefused, match="scheme not allowed"):
        policy.check_url("file:///etc/passwd")
    with pytest.raises(GuardRefused, match="port not allowed"):
        policy.check_url("http://192.168.1.10:1200/rss")


def test_admit_lets_one_address_through_and_not_its_neighbours() -> None:
    policy = UrlPolicy(admit=(ipaddress.ip_network("127.0.0.1/32"),))
    policy.check_url("http://127.0.0.1/")
    with pytest.raises(GuardRefused):
        policy.check_url("http://127.0.0.2/")


def test_refusal_logs_host_and_address(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.guard"), pytest.raises(GuardRefused):
        UrlPolicy().check_url("http://0x7f.1/feed")
    assert "host=127.0.0.1 address=127.0.0.1 range=loopback" in caplog.text  # the host as the client reads it
