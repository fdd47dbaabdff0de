r"""WooCommerce webhooks: verify, then say which order changed (the payload is only a hint).

What WooCommerce sends (WC-src ``includes/class-wc-webhook.php``, reference B5):

- a delivery: ``POST`` of ``trim(wp_json_encode(payload))`` — for ``order.*`` topics the
  REST v3 order, for ``*.deleted`` just ``{"id": N}`` (``build_payload``) — with
  ``X-WC-Webhook-Topic`` (``order.created``, ``order.updated``, ``order.deleted``,
  ``order.restored``…), ``X-WC-Webhook-Signature`` = base64 HMAC-SHA256 of the raw
  body with the webhook secret (``generate_signature``) and ``X-WC-Webhook-Delivery-ID``
  = ``wp_hash(webhook id . strtotime('now'))`` (``get_new_delivery_id``);
- the ping when a webhook is saved: body ``webhook_id=<id>``, no ``X-WC-Webhook-*``
  header, no signature (``deliver_ping``); anything but HTTP 200 fails the save.

The delivery id has one-second resolution: two deliveries of one webhook in the
same second (two orders paid at once) carry the *same* id. The event's
``delivery_id`` is therefore that id plus a digest of the body, so the
Orchestrator's de-duplication drops a repeat of one delivery but never the
second order. WooCommerce never re-sends a failed delivery: poll ``fetch_orders``
to reconcile. This module does no de-duplication (the Orchestrator marks a
delivery done after it was applied).

>>> import base64, hashlib, hmac
>>> body = b'{"id":727,"status":"processing"}'
>>> signature = base64.b64encode(hmac.new(b"whsec", body, hashlib.sha256).digest()).decode()
>>> request = WebhookRequest({"X-WC-Webhook-Topic": "order.updated",
...     "X-WC-Webhook-Signature": signature, "X-WC-Webhook-Delivery-ID": "d41d8c"}, body)
>>> [(e.topic, e.channel_order_id) for e in parse_webhook(request, secret="whsec")]
[('order.updated', '727')]
>>> parse_webhook(WebhookRequest({}, b"webhook_id=12"), secret="whsec")
[]
>>> parse_webhook(WebhookRequest({}, b"webhook_id=12\xff"), secret="whsec")
Traceback (most recent call last):
...
ecomflow.errors.SignatureVerificationError: unsigned webhook that is not WooCommerce's ping (webhook_id=<number>); nothing applied
"""

from __future__ import annotations

import hashlib
import json
import re

from ecomflow.adapters.protocols import OrderEvent, WebhookEvent, WebhookRequest
from ecomflow.errors import ConfigurationError, MappingError, SignatureVerificationError
from ecomflow.webhooks import verify_hmac

__all__ = ["ORDER_TOPICS", "parse_webhook"]

#: The order topics WooCommerce core fires (reference B5); each names one order.
ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.deleted", "order.restored"})

_PING = re.compile(rb"webhook_id=\d+")
_SOURCE = "woocommerce"


def parse_webhook(
    request: WebhookRequest, *, secret: str | None, source: str = _SOURCE
) -> list[WebhookEvent]:
    """Verify a WooCommerce delivery, then its events (``[]`` for the ping or another topic).

    :class:`~ecomflow.errors.SignatureVerificationError` when it is unsigned (and
    not the ping) or the signature does not match the exact body bytes;
    :class:`~ecomflow.errors.MappingError` when a verified body is not an order
    payload; :class:`~ecomflow.errors.ConfigurationError` when no secret is set.
    """
    signature = request.header("X-WC-Webhook-Signature")
    if not signature:
        if _PING.fullmatch(request.body):
            return []  # the unsigned creation ping: answer 200, apply nothing
        raise SignatureVerificationError(
            "unsigned webhook that is not WooCommerce's ping (webhook_id=<number>); nothing applied",
            source=source,
        )
    if not secret:
        raise ConfigurationError(
            "WooCommerce webhook received but no webhook_secret is set for the channel; set "
            "webhook_secret to the secret of the shop's webhook."
        )
    verify_hmac(request.body, signature, secret, source=source)
    topic = (request.header("X-WC-Webhook-Topic") or "").strip()
    if not topic:
        raise MappingError("signed webhook without X-WC-Webhook-Topic", source=source)
    if topic not in ORDER_TOPICS:
        return []  # product.*, customer.*, action.* …: nothing the Orchestrator acts on
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MappingError(f"{topic} webhook body is not JSON", source=source) from None
    order_id = payload.get("id") if isinstance(payload, dict) else None
    if isinstance(order_id, bool) or not isinstance(order_id, int | str):
        raise MappingError(f"{topic} webhook has no order id", source=source, field="id")
    text = str(order_id).strip()
    if not text.isdigit():
        raise MappingError(f"{topic} webhook order id {order_id!r} is not a number", source=source)
    body_digest = hashlib.sha256(request.body).hexdigest()[:16]
    header = (request.header("X-WC-Webhook-Delivery-ID") or "").strip()
    return [
        OrderEvent(
            source=source,
            topic=topic,
            delivery_id=f"{header or 'no-id'}:{body_digest}",
            channel_order_id=text,
        )
    ]
