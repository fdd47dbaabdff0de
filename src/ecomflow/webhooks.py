"""Webhook signature verification (constant time) and delivery deduplication.

Shopify signs with ``X-Shopify-Hmac-Sha256`` and WooCommerce with
``X-WC-Webhook-Signature``: both are base64 HMAC-SHA256 of the **raw** body.

>>> import base64, hashlib, hmac
>>> body = b'{"id": 7}'
>>> good = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
>>> verify_hmac(body, good, "s3cret")
>>> verify_hmac(body + b" ", good, "s3cret")
Traceback (most recent call last):
...
ecomflow.errors.SignatureVerificationError: webhook signature does not match the body; nothing applied
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Literal, Protocol

from ecomflow.clock import ensure_aware, utc_now
from ecomflow.errors import SignatureVerificationError

__all__ = ["RecentDeliveries", "SeenDeliveries", "verify_hmac"]


def verify_hmac(
    body: bytes,
    signature: str | None,
    secret: str | bytes,
    *,
    algorithm: str = "sha256",
    encoding: Literal["base64", "hex"] = "base64",
    timestamp: datetime | None = None,
    tolerance: timedelta | None = None,
    now: datetime | None = None,
    source: str | None = None,
) -> None:
    """Raise :class:`SignatureVerificationError` unless ``signature`` signs ``body``.

    Checks, in order: a signature is present, it decodes, the optional
    ``timestamp`` is within ``tolerance`` of ``now``, and the HMAC matches
    (compared in constant time).
    """
    if not signature:
        raise SignatureVerificationError(
            "webhook has no signature header; nothing applied", source=source
        )
    try:
        given = (
            base64.b64decode(signature, validate=True)
            if encoding == "base64"
            else bytes.fromhex(signature)
        )
    except (binascii.Error, ValueError):
        raise SignatureVerificationError(
            f"webhook signature is not valid {encoding}; nothing applied", source=source
        ) from None
    if timestamp is not None and tolerance is not None:
        age = abs(ensure_aware(now or utc_now(), "now") - ensure_aware(timestamp, "timestamp"))
        if age > tolerance:
            raise SignatureVerificationError(
                f"webhook is {age} old, more than {tolerance}; nothing applied", source=source
            )
    key = secret.encode() if isinstance(secret, str) else secret
    expected = hmac.new(key, body, getattr(hashlib, algorithm)).digest()
    if not hmac.compare_digest(expected, given):
        raise SignatureVerificationError(
            "webhook signature does not match the body; nothing applied", source=source
        )


class SeenDeliveries(Protocol):
    """Remembers delivery ids (plug in a store-backed one for several workers)."""

    def first_time(self, delivery_id: str) -> bool:
        """``True`` the first time ``delivery_id`` is seen, ``False`` after."""


class RecentDeliveries:
    """An in-memory, bounded :class:`SeenDeliveries` (the most recent ``size`` ids).

    >>> seen = RecentDeliveries(size=2)
    >>> seen.first_time("a"), seen.first_time("a")
    (True, False)
    """

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def first_time(self, delivery_id: str) -> bool:
        """Record ``delivery_id``; ``False`` when it was seen before."""
        if delivery_id in self._seen:
            self._seen.move_to_end(delivery_id)
            return False
        self._seen[delivery_id] = None
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True
