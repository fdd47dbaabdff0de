"""Webhooks: verify the signature, then say which shipment changed (README.md, "Webhooks").

The API signs ``"<X-KP-Timestamp>." + body`` with HMAC-SHA256 and sends it,
base64, in ``X-KP-Signature``; signing the timestamp with the body is what
makes the tolerance check stop replays.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from ecomflow.adapters import ShipmentEvent, WebhookEvent, WebhookRequest
from ecomflow.clock import Clock, utc_now
from ecomflow.errors import MappingError, SignatureVerificationError
from ecomflow.webhooks import verify_hmac
from ecomflow_starter_carrier.mapper import parse_wire
from ecomflow_starter_carrier.wire import WireWebhook

__all__ = ["SOURCE", "parse_webhook"]

SOURCE = "example_courier"


def parse_webhook(
    request: WebhookRequest,
    *,
    secret: str | None,
    tolerance: float = 300.0,
    clock: Clock = utc_now,
) -> list[WebhookEvent]:
    """The events of a trusted delivery; :class:`SignatureVerificationError` otherwise."""
    if not secret:
        raise SignatureVerificationError(
            "no webhook_secret is configured for example_courier; set it to accept webhooks",
            source=SOURCE,
        )
    stamp = request.header("X-KP-Timestamp") or ""
    if not stamp.isdigit() or len(stamp) > 12:
        raise SignatureVerificationError(
            "webhook has no valid X-KP-Timestamp; nothing applied", source=SOURCE
        )
    verify_hmac(
        stamp.encode() + b"." + request.body,
        request.header("X-KP-Signature"),
        secret,
        timestamp=datetime.fromtimestamp(int(stamp), UTC),
        tolerance=timedelta(seconds=tolerance),
        now=clock(),
        source=SOURCE,
    )
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MappingError("a signed webhook whose body is not JSON", source=SOURCE) from None
    body = parse_wire(WireWebhook, data, "a webhook")
    if body.event != "shipment.status_changed":
        return []  # "ping" and events this plugin does not use
    if body.shipment is None:
        raise MappingError("a shipment.status_changed webhook without 'shipment'", source=SOURCE)
    delivery = request.header("X-KP-Delivery") or hashlib.sha256(request.body).hexdigest()
    return [
        ShipmentEvent(
            source=SOURCE,
            topic=body.event,
            delivery_id=delivery,
            shipment_id=body.shipment.id,
            tracking_number=body.shipment.tracking_number,
        )
    ]
