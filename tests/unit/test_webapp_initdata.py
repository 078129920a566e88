"""Init data checked as Telegram documents it, against data signed independently (tests.webapp_helpers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.web.initdata import InitDataError, WebAppUser, validate_init_data
from tests.webapp_helpers import TOKEN, init_data

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)

# A fixed vector computed outside Python with openssl, per Telegram's spec:
#   S=$(printf %s "$TOKEN" | openssl dgst -sha256 -hmac WebAppData -hex)
#   printf 'auth_date=1796644800\nquery_id=Q\nuser={"id":7}' \
#     | openssl dgst -sha256 -mac HMAC -macopt hexkey:$S
FIXED = "query_id=Q&user=%7B%22id%22%3A7%7D&auth_date=1796644800&hash="
FIXED_HASH = "4d4f1aae10b7c1c20b10c7f41035f32502b200a9aafc5f0fe6b506b015c708f0"


def test_a_vector_computed_with_openssl_is_accepted() -> None:
    at = datetime.fromtimestamp(1796644800 + 60, UTC)
    assert validate_init_data(FIXED + FIXED_HASH, TOKEN, DAY, at) == WebAppUser(7, None, "")
    with pytest.raises(InitDataError):
        validate_init_data(FIXED + FIXED_HASH[:-1] + "1", TOKEN, DAY, at)


def test_genuine_init_data_names_the_user() -> None:
    raw = init_data(42, NOW - timedelta(minutes=5), language="zh-hans")
    assert validate_init_data(raw, TOKEN, DAY, NOW) == WebAppUser(42, "zh-hans", "Lin")


def tampered(raw: str, key: str, value: str) -> str:
    fields = dict(parse_qsl(raw))
    fields[key] = value
    return urlencode(fields)


GOOD = init_data(42, NOW - timedelta(minutes=5))


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param(init_data(42, NOW, token="654321:another-bot"), id="another-bots-token"),
        pytest.param(tampered(GOOD, "user", '{"id":43,"first_name":"Lin"}'), id="user-changed"),
        pytest.param(tampered(GOOD, "signature", "x"), id="signature-field-changed"),
        pytest.param(tampered(GOOD, "hash", "0" * 64), id="hash-zeroed"),
        pytest.param("&".join(p for p in GOOD.split("&") if not p.startswith("hash=")), id="no-hash"),
        pytest.param(GOOD + "&auth_date=1", id="field-repeated"),
        pytest.param(init_data(42, NOW - DAY - timedelta(seconds=1)), id="older-than-max-age"),
        pytest.param(init_data(42, NOW + timedelta(hours=1)), id="from-the-future"),
        pytest.param("%%%", id="not-a-query-string"),
        pytest.param("a=" + "x" * 5000, id="too-long"),
    ],
)
def test_bad_or_stale_init_data_is_refused(raw: str) -> None:
    with pytest.raises(InitDataError):
        validate_init_data(raw, TOKEN, DAY, NOW)
