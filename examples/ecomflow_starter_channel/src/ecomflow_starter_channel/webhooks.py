"""Webhooks: ``X-Shop-Signature`` is base64 HMAC-SHA256 of the raw body (README.md)."""

from __future__ import annotations

import hashlib
import json

from ecomflow.adapters import OrderEvent, WebhookEvent, WebhookRequest
from ecomflow.errors import MappingError, SignatureVerificationError
from ecomflow.webhooks import verify_hmac

__all__ = ["ORDER_TOPICS", "SOURCE", "parse_webhook"]

SOURCE = "example_shop"

#: Topics that mean "re-read this order" (README.md, "Webhooks").
ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.paid", "order.cancelled"})


def parse_webhook(request: WebhookRequest, *, secret: str | None) -> list[WebhookEvent]:
    """Verify, then the order the delivery names (``[]`` for a ping or another topic)."""
    if not secret:
        raise SignatureVerificationError(
            "no webhook_secret is configured for example_shop; set it to accept webhooks",
            source=SOURCE,
        )
    verify_hmac(request.body, request.header("X-Shop-Signature"), secret, source=SOURCE)
    topic = request.header("X-Shop-Topic") or ""
    if topic not in ORDER_TOPICS:
        return []
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MappingError("a signed webhook whose body is not JSON", source=SOURCE) from None
    order_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(order_id, str | int) or isinstance(order_id, bool) or order_id == "":
        raise MappingError(f"a {topic} webhook without an order id", source=SOURCE)
    delivery = request.header("X-Shop-Delivery") or hashlib.sha256(request.body).hexdigest()
    return [
        OrderEvent(source=SOURCE, topic=topic, delivery_id=delivery, channel_order_id=str(order_id))
    ]
