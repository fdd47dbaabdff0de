"""WooCommerce webhooks: signature, deduplication, topics, and the unsigned ping.

Reference B5: the body is signed as ``base64(hmac_sha256(raw body, secret))``
in ``X-WC-Webhook-Signature``; ``X-WC-Webhook-Delivery-ID`` identifies a
delivery; a new webhook first POSTs ``webhook_id=N`` with no signature, which
must get a 200. WooCommerce does not retry failed deliveries, so a shop also
reconciles by polling ``modified_after`` (``WooCommerceClient.fetch_orders``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecomflow.errors import SignatureVerificationError
from ecomflow.webhooks import RecentDeliveries, SeenDeliveries, verify_hmac

__all__ = ["WooWebhook", "WooWebhooks"]


@dataclass(frozen=True)
class WooWebhook:
    """A verified delivery (``topic`` is ``"ping"`` for the creation ping)."""

    topic: str
    delivery_id: str | None
    payload: dict[str, Any]
    duplicate: bool = False


class WooWebhooks:
    """Verifies and deduplicates WooCommerce deliveries before anything reads them."""

    def __init__(self, secret: str, *, seen: SeenDeliveries | None = None) -> None:
        self._secret = secret
        self._seen = seen or RecentDeliveries()

    def handle(self, headers: Mapping[str, str], body: bytes) -> WooWebhook:
        """The delivery, verified; a duplicate comes back with ``duplicate=True``."""
        lower = {k.lower(): v for k, v in headers.items()}
        topic = lower.get("x-wc-webhook-topic")
        if topic is None and body.startswith(b"webhook_id="):
            return WooWebhook("ping", None, {"webhook_id": body.split(b"=", 1)[1].decode()})
        verify_hmac(body, lower.get("x-wc-webhook-signature"), self._secret, source="woocommerce")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SignatureVerificationError(
                "signed webhook body is not JSON", source="woocommerce"
            ) from None
        delivery = lower.get("x-wc-webhook-delivery-id")
        duplicate = delivery is not None and not self._seen.first_time(delivery)
        return WooWebhook(str(topic), delivery, payload, duplicate)
