"""Shopify webhooks: verify the HMAC of the raw body, then name the order that changed.

Reference A6 (shopify.dev/docs/apps/build/webhooks/delivery-structure): the body is a
REST-shaped order (numeric ``id``, ``admin_graphql_api_id``); ``X-Shopify-Hmac-Sha256``
is base64 HMAC-SHA256 of the raw body with the app's client secret; ``X-Shopify-Topic``
names the event. The delivery id: Shopify's guide to duplicates says a repeated
``X-Shopify-Event-Id`` marks a duplicate (shopify.dev/apps/build/webhooks/
ignore-duplicates), and one merchant action shares its event id across topics, so the
id is ``<event id>:<topic>``; ``X-Shopify-Webhook-Id`` (whether it survives a retry is
UNCONFIRMED) only when there is no event id. Nothing is de-duplicated here: the
Orchestrator marks a delivery seen after it was applied.

>>> import base64, hashlib, hmac
>>> body = b'{"id": 1001, "admin_graphql_api_id": "gid://shopify/Order/1001"}'
>>> sig = base64.b64encode(hmac.new(b"shpss", body, hashlib.sha256).digest()).decode()
>>> request = WebhookRequest({"X-Shopify-Hmac-Sha256": sig, "X-Shopify-Topic": "orders/paid",
...                           "X-Shopify-Event-Id": "e-1"}, body)
>>> [(e.channel_order_id, e.topic, e.delivery_id) for e in parse_order_webhook(request, "shpss")]
[('1001', 'orders/paid', 'e-1:orders/paid')]
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ecomflow.adapters.protocols import OrderEvent, WebhookEvent, WebhookRequest
from ecomflow.errors import MappingError
from ecomflow.webhooks import verify_hmac

__all__ = ["SIGNATURE_HEADER", "TOPICS", "parse_order_webhook"]

#: The header that carries the signature.
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"

#: The order topics that become events (others are verified, then ignored).
TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/cancelled"})


def _order_id(payload: Any) -> str:
    if not isinstance(payload, dict):
        raise MappingError("Shopify webhook body is not a JSON object", source="shopify")
    value = payload.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return value
    api_id = payload.get("admin_graphql_api_id")
    if isinstance(api_id, str) and api_id.startswith("gid://shopify/Order/"):
        tail = api_id.rsplit("/", 1)[1]
        if tail.isdigit():
            return tail
    raise MappingError(
        f"Shopify webhook body has no order id (id={value!r}); is the topic an order topic?",
        source="shopify",
        field="id",
    )


def parse_order_webhook(
    request: WebhookRequest, secret: str, *, source: str = "shopify"
) -> list[WebhookEvent]:
    """Verify ``request`` with ``secret``, then its :class:`OrderEvent` (``[]`` for other topics).

    :class:`~ecomflow.errors.SignatureVerificationError` when the signature is missing or
    wrong (checked before the body is read); :class:`~ecomflow.errors.MappingError` when a
    signed order delivery has no readable order id.
    """
    verify_hmac(request.body, request.header(SIGNATURE_HEADER), secret, source=source)
    topic = (request.header("X-Shopify-Topic") or "").strip()
    if topic not in TOPICS:
        return []
    try:
        payload = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MappingError("signed Shopify webhook body is not JSON", source=source) from None
    order_id = _order_id(payload)
    event = request.header("X-Shopify-Event-Id")
    webhook = request.header("X-Shopify-Webhook-Id")
    if event:
        delivery = f"{event}:{topic}"
    elif webhook:
        delivery = webhook
    else:
        delivery = "sha256:" + hashlib.sha256(topic.encode() + b"\0" + request.body).hexdigest()
    return [OrderEvent(source=source, topic=topic, delivery_id=delivery, channel_order_id=order_id)]
