"""InPost ShipX client twins: shipments, labels, tracking, points and statuses.

**Exactly one shipment per parcel.** ShipX has no idempotency key, so
``create_shipment`` looks for a shipment with the same ``reference`` before
creating one, and looks again when the answer to the create call is lost
(timeout, dropped connection, 5xx) — so a retry, or a restart after a crash
between "created" and "recorded", finds the first shipment instead of buying
a second label.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import httpx

from ecomflow.adapters.inpost.mapper import create_payload, to_shipment, to_tracking_events
from ecomflow.adapters.inpost.settings import InPostSettings
from ecomflow.adapters.inpost.webhooks import ShipXEvent, parse_webhook
from ecomflow.errors import (
    InvalidRequest,
    LabelNotReady,
    RemoteAPIError,
    TransportError,
)
from ecomflow.http import AsyncClient, Call, Client, RetryPolicy
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Label, LabelFormat, LabelSize, Shipment
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus

__all__ = ["AsyncInPostClient", "InPostClient"]

_FORMATS = {LabelFormat.PDF: "Pdf", LabelFormat.ZPL: "Zpl", LabelFormat.EPL: "Epl"}
_TYPES = {LabelSize.A4: "normal", LabelSize.A6: "A6"}
MAX_BULK_LABELS = 100  # reference §3: at most 100 shipments per bulk label request


def _flatten(details: Any, prefix: str = "") -> list[str]:
    if isinstance(details, dict):
        found: list[str] = []
        for key, value in details.items():
            found += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(details, list):
        text = ", ".join(str(d) for d in details if not isinstance(d, dict | list))
        nested = [x for d in details if isinstance(d, dict | list) for x in _flatten(d, prefix)]
        return ([f"{prefix}: {text}"] if text else []) + nested
    return [f"{prefix}: {details}" if prefix else str(details)]


class _ShipXWire:
    """Pure request building and error shaping shared by the twins."""

    settings: InPostSettings

    def _setup(self, settings: InPostSettings) -> dict[str, Any]:
        self.settings = settings
        return {
            "base_url": settings.url,
            "timeout": settings.timeout,
            "secrets": tuple(
                s.get_secret_value() for s in (settings.token, settings.webhook_token) if s
            ),
        }

    def auth_headers(self) -> dict[str, str]:
        """``Authorization: Bearer <token>`` (reference §1)."""
        return {"Authorization": f"Bearer {self.settings.token.get_secret_value()}"}

    def error_fields(
        self, response: httpx.Response
    ) -> tuple[str | None, str | None, dict[str, Any]]:
        """ShipX errors are ``{status, error, message, details}`` (reference §8)."""
        try:
            body = response.json()
        except ValueError:
            return None, None, {}
        if not isinstance(body, dict):
            return None, None, {}
        details = body.get("details")
        readable = _flatten(details) if details else []
        message = str(body.get("message") or body.get("error") or "")
        if readable:
            message = f"{message}: {'; '.join(readable)}"
        return message, body.get("error"), details if isinstance(details, dict) else {}

    def refine_error(self, error: RemoteAPIError, call: Call) -> RemoteAPIError:
        """``invalid_action`` on a label means: not confirmed yet, wait."""
        if (
            isinstance(error, InvalidRequest)
            and error.code == "invalid_action"
            and ("label" in call.endpoint)
        ):
            return LabelNotReady(
                "the label is not ready yet (the shipment is not confirmed); wait and retry",
                status=error.status,
                code=error.code,
                body=error.body,
                endpoint=error.endpoint,
            )
        return error

    def _org(self, path: str) -> str:
        return f"/v1/organizations/{self.settings.organization_id}{path}"

    def _label_call(self, shipment_id: str, fmt: LabelFormat, size: LabelSize) -> Call:
        return Call(
            "GET",
            f"/v1/shipments/{shipment_id}/label",
            "get_label",
            params={"format": _FORMATS[fmt], "type": _TYPES[size]},
        )

    def _find_call(self, reference: str) -> Call:
        # Search by reference: GET /v1/organizations/{org}/shipments?reference=… (ShipX
        # "shipments list" filters; the reference filter is UNCONFIRMED in our sources).
        return Call(
            "GET", self._org("/shipments"), "find_shipments", params={"reference": reference}
        )

    @staticmethod
    def _pick(found: Any, reference: str) -> Shipment | None:
        items = found.get("items", []) if isinstance(found, dict) else []
        live = [
            s for s in items if s.get("reference") == reference and s.get("status") != "canceled"
        ]
        return to_shipment(live[0]) if live else None

    @staticmethod
    def _label(shipment_id: str, fmt: LabelFormat, size: LabelSize, content: bytes) -> Label:
        return Label(shipment_id=shipment_id, format=fmt, size=size, content=content)

    @staticmethod
    def _points_params(
        city: str | None,
        post_code: str | None,
        near: tuple[float, float] | None,
        max_distance: int | None,
        limit: int,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"per_page": limit}
        if city:
            params["city"] = city
        if post_code:
            params["post_code"] = post_code
        if near:
            params["relative_point"] = f"{near[0]},{near[1]}"
            params["sort_by"] = "distance_to_relative_point"
        if max_distance:
            params["max_distance"] = max_distance
        return params


class InPostClient(_ShipXWire, Client):
    """Sync ShipX client; a ``ShipmentProvider`` and ``TrackingSource``."""

    def __init__(
        self,
        settings: InPostSettings,
        *,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            **self._setup(settings),
        )

    def _raw(self, call: Call) -> bytes:
        """A call whose answer is a file (labels)."""
        content: bytes = self.exchange(call, raw=True)[0]
        return content

    def find_shipment(self, reference: str) -> Shipment | None:
        """The live shipment with this reference, if one exists."""
        return self._pick(self.request(self._find_call(reference)), reference)

    def create_shipment(self, request: ShipmentRequest, *, first_attempt: bool = False) -> Shipment:
        """Create exactly one shipment for ``request`` (see the module docstring).

        ``first_attempt=True`` skips the look-up before creating: pass it only
        when the caller knows (from its own durable record) that no earlier
        attempt for this reference was made.
        """
        body = create_payload(request)
        existing = None if first_attempt else self.find_shipment(request.reference)
        if existing is not None:
            return existing
        call = Call("POST", self._org("/shipments"), "create_shipment", json=body, idempotent=False)
        try:
            return to_shipment(self.request(call))
        except (TransportError, RemoteAPIError) as error:
            if isinstance(error, RemoteAPIError) and (error.status or 500) < 500:
                raise
            found = self.find_shipment(request.reference)
            if found is None:
                raise
            return found

    def get_shipment(self, shipment_id: str) -> Shipment:
        """The shipment as ShipX has it now."""
        return to_shipment(
            self.request(Call("GET", f"/v1/shipments/{shipment_id}", "get_shipment"))
        )

    def wait_until_confirmed(
        self, shipment_id: str, *, timeout: float | None = None, poll: float = 0.2
    ) -> Shipment:
        """Poll until the shipment has a tracking number (bounded; backs off up to 2 s)."""
        deadline = time.monotonic() + (timeout or self.settings.confirm_timeout)
        delay = poll
        while True:
            shipment = self.get_shipment(shipment_id)
            if shipment.confirmed or shipment.status is TrackingStatus.CANCELLED:
                return shipment
            if time.monotonic() + delay > deadline:
                raise TransportError(
                    f"shipment {shipment_id} not confirmed within the timeout; "
                    "wait for the shipment_confirmed webhook or poll later",
                    endpoint="get_shipment",
                )
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def get_label(
        self,
        shipment_id: str,
        *,
        format: LabelFormat | str = LabelFormat.PDF,
        size: LabelSize | str = LabelSize.A6,
    ) -> Label:
        """The label file; :class:`LabelNotReady` until the shipment is confirmed."""
        fmt, kind = LabelFormat(format), LabelSize(size)
        return self._label(
            shipment_id, fmt, kind, self._raw(self._label_call(shipment_id, fmt, kind))
        )

    def get_labels(
        self,
        shipment_ids: Sequence[str],
        *,
        format: LabelFormat | str = LabelFormat.PDF,
        size: LabelSize | str = LabelSize.A6,
    ) -> list[bytes]:
        """Bulk labels, at most 100 shipments per request (one file per request)."""
        fmt, kind = LabelFormat(format), LabelSize(size)
        files = []
        for start in range(0, len(shipment_ids), MAX_BULK_LABELS):
            chunk = list(shipment_ids[start : start + MAX_BULK_LABELS])
            files.append(
                self._raw(
                    Call(
                        "GET",
                        self._org("/shipments/labels"),
                        "get_labels",
                        params={
                            "shipment_ids[]": chunk,
                            "format": _FORMATS[fmt],
                            "type": _TYPES[kind],
                        },
                    )
                )
            )
        return files

    def cancel_shipment(self, shipment_id: str) -> None:
        """Cancel a shipment that has not been dispatched."""
        self.request(Call("DELETE", f"/v1/shipments/{shipment_id}", "cancel_shipment"))

    def get_tracking(self, tracking_number: str) -> list[TrackingEvent]:
        """Tracking events, oldest first."""
        return to_tracking_events(
            self.request(Call("GET", f"/v1/tracking/{tracking_number}", "get_tracking"))
        )

    def find_points(
        self,
        *,
        city: str | None = None,
        post_code: str | None = None,
        near: tuple[float, float] | None = None,
        max_distance: int | None = None,
        limit: int = 25,
    ) -> list[dict[str, Any]]:
        """Locker points by city, post code or distance to ``near`` (lat, lng)."""
        params = self._points_params(city, post_code, near, max_distance, limit)
        items: list[dict[str, Any]] = self.request(
            Call("GET", "/v1/points", "find_points", params=params)
        )["items"]
        return items

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> ShipXEvent:
        """``TrackingSource``: a ShipX webhook as an event (verify it with a WebhookGuard first)."""
        return parse_webhook(headers, body)

    def get_point(self, name: str) -> dict[str, Any]:
        """One point by its name (e.g. ``KRA010``)."""
        point: dict[str, Any] = self.request(Call("GET", f"/v1/points/{name}", "get_point"))
        return point

    def get_statuses(self, lang: str = "pl") -> list[dict[str, Any]]:
        """Every ShipX status with its title and description."""
        items: list[dict[str, Any]] = self.request(
            Call("GET", "/v1/statuses", "get_statuses", params={"lang": lang})
        )["items"]
        return items


class AsyncInPostClient(_ShipXWire, AsyncClient):
    """The async twin of :class:`InPostClient`."""

    def __init__(
        self,
        settings: InPostSettings,
        *,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            **self._setup(settings),
        )

    async def _raw(self, call: Call) -> bytes:
        content: bytes = (await self.exchange(call, raw=True))[0]
        return content

    async def find_shipment(self, reference: str) -> Shipment | None:
        """The live shipment with this reference, if one exists."""
        return self._pick(await self.request(self._find_call(reference)), reference)

    async def create_shipment(
        self, request: ShipmentRequest, *, first_attempt: bool = False
    ) -> Shipment:
        """Create exactly one shipment for ``request`` (``first_attempt``: see the sync twin)."""
        body = create_payload(request)
        existing = None if first_attempt else await self.find_shipment(request.reference)
        if existing is not None:
            return existing
        call = Call("POST", self._org("/shipments"), "create_shipment", json=body, idempotent=False)
        try:
            return to_shipment(await self.request(call))
        except (TransportError, RemoteAPIError) as error:
            if isinstance(error, RemoteAPIError) and (error.status or 500) < 500:
                raise
            found = await self.find_shipment(request.reference)
            if found is None:
                raise
            return found

    async def get_shipment(self, shipment_id: str) -> Shipment:
        """The shipment as ShipX has it now."""
        return to_shipment(
            await self.request(Call("GET", f"/v1/shipments/{shipment_id}", "get_shipment"))
        )

    async def wait_until_confirmed(
        self, shipment_id: str, *, timeout: float | None = None, poll: float = 0.2
    ) -> Shipment:
        """Poll until the shipment has a tracking number (bounded)."""
        deadline = time.monotonic() + (timeout or self.settings.confirm_timeout)
        delay = poll
        while True:
            shipment = await self.get_shipment(shipment_id)
            if shipment.confirmed or shipment.status is TrackingStatus.CANCELLED:
                return shipment
            if time.monotonic() + delay > deadline:
                raise TransportError(
                    f"shipment {shipment_id} not confirmed within the timeout",
                    endpoint="get_shipment",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def get_label(
        self,
        shipment_id: str,
        *,
        format: LabelFormat | str = LabelFormat.PDF,
        size: LabelSize | str = LabelSize.A6,
    ) -> Label:
        """The label file; :class:`LabelNotReady` until the shipment is confirmed."""
        fmt, kind = LabelFormat(format), LabelSize(size)
        content = await self._raw(self._label_call(shipment_id, fmt, kind))
        return self._label(shipment_id, fmt, kind, content)

    async def cancel_shipment(self, shipment_id: str) -> None:
        """Cancel a shipment that has not been dispatched."""
        await self.request(Call("DELETE", f"/v1/shipments/{shipment_id}", "cancel_shipment"))

    async def get_tracking(self, tracking_number: str) -> list[TrackingEvent]:
        """Tracking events, oldest first."""
        data = await self.request(Call("GET", f"/v1/tracking/{tracking_number}", "get_tracking"))
        return to_tracking_events(data)

    async def find_points(
        self,
        *,
        city: str | None = None,
        post_code: str | None = None,
        near: tuple[float, float] | None = None,
        max_distance: int | None = None,
        limit: int = 25,
    ) -> list[dict[str, Any]]:
        """Locker points by city, post code or distance."""
        params = self._points_params(city, post_code, near, max_distance, limit)
        data = await self.request(Call("GET", "/v1/points", "find_points", params=params))
        items: list[dict[str, Any]] = data["items"]
        return items
