"""ShipX webhooks: trusted first (URL token and source network), then read.

ShipX does not sign webhooks (reference §6: the ShipX docs describe no
signature header), so trust comes from two checks made **before** the body is
read: a secret token in the webhook URL path, compared in constant time, and
the source address, which must be in InPost's webhook network 91.216.25.0/24
(ShipX-doc "Webhooks" 18153494). Both are on by default.

ShipX sends no event id either, so a delivery is identified by its envelope:
event, shipment id, status and ``event_ts`` (:attr:`ShipXEvent.event_id`); a
redelivery of the same body has the same id. The payload is only a hint: the
receiver re-reads the shipment before acting, and de-duplicates (after success).

>>> guard = WebhookGuard("s3cret")
>>> guard.verify(path_token="s3cret", remote_addr="::ffff:91.216.25.7")
>>> guard.verify(path_token="s3cret", remote_addr="10.0.0.1")
Traceback (most recent call last):
...
ecomflow.errors.SignatureVerificationError: webhook from 10.0.0.1, outside the allowed networks (91.216.25.0/24); nothing applied
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ecomflow.adapters.inpost.settings import WEBHOOK_NETWORK
from ecomflow.adapters.inpost.statuses import tracking_status
from ecomflow.adapters.inpost.wire import WireEnvelope
from ecomflow.errors import ConfigurationError, MappingError, SignatureVerificationError
from ecomflow.shipping.tracking import TrackingStatus

__all__ = ["SHIPMENT_EVENTS", "ShipXEvent", "WebhookGuard", "parse_event"]

#: Events about one shipment (ShipX-doc 18153494). ``offers_prepared`` concerns
#: offers the simplified mode selects by itself; it is ignored.
SHIPMENT_EVENTS = ("shipment_confirmed", "shipment_status_changed")


@dataclass(frozen=True)
class ShipXEvent:
    """One webhook: what happened to which shipment (re-read the shipment before acting)."""

    event: str
    event_id: str
    at: datetime | None
    organization_id: int | None
    shipment_id: str
    status: TrackingStatus | None
    carrier_status: str | None
    tracking_number: str | None
    payload: dict[str, Any]


def parse_event(body: bytes) -> ShipXEvent | None:
    """Read ``{event_ts, event, organization_id, payload}``; ``None`` for an event to ignore.

    :class:`MappingError` when the body is not such an envelope.

    >>> event = parse_event(b'{"event_ts": "2026-11-24 10:08:42 +0100", '
    ...     b'"event": "shipment_status_changed", "organization_id": 1, '
    ...     b'"payload": {"shipment_id": 7, "status": "delivered", "tracking_number": "6001"}}')
    >>> event.status, event.shipment_id, event.event_id
    (<TrackingStatus.DELIVERED: 'delivered'>, '7', 'shipment_status_changed:7:delivered:2026-11-24 10:08:42 +0100')
    """
    try:
        envelope = WireEnvelope.model_validate(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError) as error:
        what = "not JSON" if not isinstance(error, ValidationError) else "not a ShipX envelope"
        raise MappingError(
            f"ShipX webhook body is {what} ({{event_ts, event, organization_id, payload}} "
            "expected); nothing applied",
            source="inpost",
        ) from None
    if envelope.event not in SHIPMENT_EVENTS:
        return None
    payload = envelope.payload
    shipment_id = payload.get("shipment_id")
    if not isinstance(shipment_id, int | str) or isinstance(shipment_id, bool) or not shipment_id:
        raise MappingError(
            f"ShipX {envelope.event} webhook has no shipment_id; nothing applied", source="inpost"
        )
    status = payload.get("status")
    if envelope.event == "shipment_confirmed":
        status = status or "confirmed"
    carrier_status = str(status) if status else None
    try:
        at: datetime | None = datetime.strptime(envelope.event_ts, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        at = None  # only informative; the id below keeps the text as sent
    number = payload.get("tracking_number")
    return ShipXEvent(
        event=envelope.event,
        event_id=f"{envelope.event}:{shipment_id}:{carrier_status or ''}:{envelope.event_ts}",
        at=at,
        organization_id=envelope.organization_id,
        shipment_id=str(shipment_id),
        status=tracking_status(carrier_status) if carrier_status else None,
        carrier_status=carrier_status,
        tracking_number=str(number) if number else None,
        payload=payload,
    )


class WebhookGuard:
    """Checks a webhook's URL token (constant time) and its source network.

    ``networks`` defaults to InPost's webhook network; pass ``[]`` only when the
    peer address cannot be known (and say why in your configuration). An
    IPv4-mapped IPv6 peer (``::ffff:91.216.25.7``) is checked as its IPv4 address.

    >>> WebhookGuard("s3cret").verify(path_token="guess", remote_addr="91.216.25.7")
    Traceback (most recent call last):
    ...
    ecomflow.errors.SignatureVerificationError: webhook URL token does not match; nothing applied
    """

    def __init__(self, token: str, *, networks: Sequence[str] = (WEBHOOK_NETWORK,)) -> None:
        if not token:
            raise ConfigurationError(
                "a webhook token is required: set webhook_token in [carriers.inpost] and put "
                "it in the webhook URL path"
            )
        self._token = token.encode()
        try:
            self._networks = [ipaddress.ip_network(n) for n in networks]
        except ValueError as error:
            raise ConfigurationError(f"bad webhook network: {error}") from None

    def verify(self, *, path_token: str | None, remote_addr: str | None) -> None:
        """Raise :class:`SignatureVerificationError` unless token and source are right."""
        if not path_token or not hmac.compare_digest(path_token.encode(), self._token):
            raise SignatureVerificationError(
                "webhook URL token does not match; nothing applied", source="inpost"
            )
        if not self._networks:
            return
        try:
            address = ipaddress.ip_address((remote_addr or "").strip())
        except ValueError:
            raise SignatureVerificationError(
                f"webhook source {remote_addr!r} is not an IP address; nothing applied",
                source="inpost",
            ) from None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not any(address in network for network in self._networks):
            allowed = ", ".join(str(n) for n in self._networks)
            raise SignatureVerificationError(
                f"webhook from {address}, outside the allowed networks ({allowed}); "
                "nothing applied",
                source="inpost",
            )

    def __repr__(self) -> str:
        return f"WebhookGuard(networks={[str(n) for n in self._networks]})"
