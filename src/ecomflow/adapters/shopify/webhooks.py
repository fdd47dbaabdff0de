"""Shopify webhooks: HMAC of the raw body, deduplication by event and topic, routing.

Reference A6: ``X-Shopify-Hmac-Sha256`` is base64 HMAC-SHA256 of the raw body
with the app's client secret; Shopify retries a failed delivery for hours with
the same payload and ``X-Shopify-Event-Id``, so ``(event id, topic)`` is the
deduplication key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecomflow.errors import SignatureVerificationError
from ecomflow.webhooks import RecentDeliveries, SeenDeliveries, verify_hmac

__all__ = ["TOPICS", "ShopifyWebhook", "ShopifyWebhooks"]

#: The topics ecomflow routes (others are verified and ignored).
TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "refunds/create"}
)


@dataclass(frozen=True)
class ShopifyWebhook:
    """A verified delivery."""

    topic: str
    event_id: str | None
    payload: dict[str, Any]
    duplicate: bool = False
    routed: bool = True


class ShopifyWebhooks:
    """Verifies (before parsing) and deduplicates Shopify deliveries."""

    def __init__(self, secret: str, *, seen: SeenDeliveries | None = None) -> None:
        self._secret = secret
        self._seen = seen or RecentDeliveries()

    def handle(self, headers: Mapping[str, str], body: bytes) -> ShopifyWebhook:
        """The delivery, verified; repeats come back with ``duplicate=True``."""
        lower = {k.lower(): v for k, v in headers.items()}
        verify_hmac(body, lower.get("x-shopify-hmac-sha256"), self._secret, source="shopify")
        topic = lower.get("x-shopify-topic", "")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SignatureVerificationError(
                "signed webhook body is not JSON", source="shopify"
            ) from None
        event = lower.get("x-shopify-event-id")
        duplicate = event is not None and not self._seen.first_time(f"{event}:{topic}")
        return ShopifyWebhook(topic, event, payload, duplicate, topic in TOPICS)
