"""verify_hmac against vectors computed independently with hmac in the test."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from ecomflow.errors import SignatureVerificationError
from ecomflow.webhooks import RecentDeliveries, verify_hmac

BODY = b'{"id": 820982911946154508, "email": "jon@example.com"}'
SECRET = "hush"


def b64(algorithm: str = "sha256", body: bytes = BODY) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, algorithm).digest()).decode()


def test_base64_and_hex_vectors() -> None:
    verify_hmac(BODY, b64(), SECRET)
    verify_hmac(
        BODY, hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest(), SECRET, encoding="hex"
    )
    verify_hmac(BODY, b64("sha1"), SECRET.encode(), algorithm="sha1")


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "no signature"),
        ("", "no signature"),
        ("%%%not-base64%%%", "not valid base64"),
        (b64(body=BODY + b"x"), "does not match"),
    ],
)
def test_rejections(signature: str | None, message: str) -> None:
    with pytest.raises(SignatureVerificationError, match=message):
        verify_hmac(BODY, signature, SECRET, source="test")


def test_stale_timestamps() -> None:
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    verify_hmac(
        BODY,
        b64(),
        SECRET,
        timestamp=now - timedelta(minutes=4),
        tolerance=timedelta(minutes=5),
        now=now,
    )
    with pytest.raises(SignatureVerificationError, match="old"):
        verify_hmac(
            BODY,
            b64(),
            SECRET,
            timestamp=now - timedelta(minutes=6),
            tolerance=timedelta(minutes=5),
            now=now,
        )


def test_recent_deliveries_are_bounded() -> None:
    seen = RecentDeliveries(size=2)
    # "a" is refreshed by its repeat, so "c" pushes out "b", which then counts as new again
    results = [seen.first_time(x) for x in ("a", "b", "a", "c", "b")]
    assert results == [True, True, False, True, True]
    assert seen.first_time("b") is False
