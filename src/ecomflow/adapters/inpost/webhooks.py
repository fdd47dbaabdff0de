"""ShipX webhooks: verified before parsing, parsed into events, deduplicated.

ShipX does not sign webhooks (reference §6), so trust comes from two checks
made **before** the body is read: a secret token in the webhook URL path
(compared in constant time) and, optionally, the source network (InPost sends
from 91.216.25.0/24). The payload is only a hint: the receiver re-fetches the
shipment before acting on it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecomflow.adapters.inpost.statuses import tracking_status
from ecomflow.errors import SignatureVerificationError
from ecomflow.shipping.tracking import TrackingStatus
from ecomflow.webhooks import RecentDeliveries

__all__ = ["ShipXEvent", "WebhookGuard", "parse_webhook"]

_EVENTS = ("shipment_confirmed", "shipment_status_changed", "offers_prepared")


@dataclass(frozen=True)
class ShipXEvent:
    """One webhook: what happened to which shipment (re-fetch before acting)."""

    event: str
    event_id: str
    at: datetime | None
    organization_id: int | None
    shipment_id: str
    status: TrackingStatus | None
    carrier_status: str | None
    tracking_number: str | None
    payload: dict[str, Any]


def parse_webhook(headers: dict[str, str], body: bytes) -> ShipXEvent:
    """Parse ``{event_ts, event, organization_id, payload}`` (reference §6).

    >>> event = parse_webhook({}, b'{"event_ts": "2026-11-24 10:08:42 +0100", '
    ...     b'"event": "shipment_status_changed", "organization_id": 1, '
    ...     b'"payload": {"shipment_id": 7, "status": "delivered", "tracking_number": "6001"}}')
    >>> event.status, event.shipment_id
    (<TrackingStatus.DELIVERED: 'delivered'>, '7')
    """
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SignatureVerificationError(
            "webhook body is not JSON; nothing applied", source="inpost"
        ) from None
    if not isinstance(data, dict) or data.get("event") not in _EVENTS:
        raise SignatureVerificationError(
            f"unknown ShipX webhook event {data.get('event') if isinstance(data, dict) else None!r}",
            source="inpost",
        )
    payload = data.get("payload") or {}
    if "shipment_id" not in payload:
        raise SignatureVerificationError("webhook payload has no shipment_id", source="inpost")
    status = payload.get("status")
    if data["event"] == "shipment_confirmed":
        status = status or "confirmed"
    stamp = data.get("event_ts")
    at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S %z") if stamp else None
    # ShipX sends no event id: the event, shipment, status and time identify a delivery.
    event_id = f"{data['event']}:{payload['shipment_id']}:{status}:{stamp}"
    return ShipXEvent(
        event=data["event"],
        event_id=event_id,
        at=at,
        organization_id=data.get("organization_id"),
        shipment_id=str(payload["shipment_id"]),
        status=tracking_status(status) if status else None,
        carrier_status=status,
        tracking_number=payload.get("tracking_number"),
        payload=payload,
    )


class WebhookGuard:
    """Checks a webhook's URL token and source address, and remembers what it has seen.

    >>> guard = WebhookGuard("s3cret", networks=["91.216.25.0/24"])
    >>> guard.verify(path_token="s3cret", remote_addr="91.216.25.7")
    >>> guard.verify(path_token="guess", remote_addr="91.216.25.7")
    Traceback (most recent call last):
    ...
    ecomflow.errors.SignatureVerificationError: webhook URL token does not match; nothing applied
    """

    def __init__(self, token: str, *, networks: Sequence[str] = (), remember: int = 10_000) -> None:
        if not token:
            raise ValueError("a webhook token is required (put it in the webhook URL path)")
        self._token = token.encode()
        self._networks = [ipaddress.ip_network(n) for n in networks]
        self._seen = RecentDeliveries(remember)

    def verify(self, *, path_token: str | None, remote_addr: str | None) -> None:
        """Raise :class:`SignatureVerificationError` unless token and source are right."""
        if not path_token or not hmac.compare_digest(path_token.encode(), self._token):
            raise SignatureVerificationError(
                "webhook URL token does not match; nothing applied", source="inpost"
            )
        if self._networks:
            try:
                address = ipaddress.ip_address(remote_addr or "")
            except ValueError:
                raise SignatureVerificationError(
                    f"webhook source {remote_addr!r} is not an IP address", source="inpost"
                ) from None
            if not any(address in network for network in self._networks):
                raise SignatureVerificationError(
                    f"webhook from {address}, outside the allowed networks; nothing applied",
                    source="inpost",
                )

    def first_time(self, event_id: str) -> bool:
        """Whether ``event_id`` is new (duplicates return ``False`` and are skipped)."""
        return self._seen.first_time(event_id)

    def __repr__(self) -> str:
        return f"WebhookGuard(networks={[str(n) for n in self._networks]})"
