"""The client twins, each operation written once as a flow (:mod:`ecomflow.http.flow`).

**Exactly one shipment per reference.** The API does not refuse a second
shipment with the same reference, so ``create_shipment`` looks for a live one
first (unless the caller's durable record says this is the ``first_attempt``)
and looks again when the answer to the create is lost (timeout, reset, 5xx):
the retry finds the first shipment instead of buying a second label.

Retries, the rate limiter, typed errors and secret redaction come from
:class:`ecomflow.http.Client` / :class:`~ecomflow.http.AsyncClient`; this
module only says which calls to make.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from ecomflow.adapters import WebhookEvent, WebhookRequest
from ecomflow.clock import Clock, utc_now
from ecomflow.errors import (
    InvalidRequest,
    LabelNotReady,
    RemoteAPIError,
    TransportError,
    ValidationFailed,
)
from ecomflow.http import AsyncClient, Call, Client, Flow, RateLimiter, RetryPolicy, operation
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Label, LabelFormat, LabelSize, Shipment
from ecomflow.shipping.tracking import TrackingEvent
from ecomflow_starter_carrier import mapper
from ecomflow_starter_carrier.settings import ExampleCourierSettings
from ecomflow_starter_carrier.webhooks import parse_webhook

__all__ = ["AsyncExampleCourierClient", "ExampleCourierClient"]

#: README.md, "Shipments": at most 50 ids per bulk read.
MAX_IDS = 50
#: Public tracking page (README.md, "Tracking page").
TRACKING_PAGE = "https://kurier-przykladowy.example/sledzenie/{number}"
_FORMATS = {LabelFormat.PDF: "pdf", LabelFormat.ZPL: "zpl"}


class _Operations:
    """What both twins share: configuration, pure helpers, and every flow."""

    settings: ExampleCourierSettings

    def _setup(self, settings: ExampleCourierSettings, clock: Clock | None) -> dict[str, Any]:
        self.settings = settings
        self._clock = clock or utc_now
        secrets = (settings.token, settings.webhook_secret)
        return {
            "base_url": settings.url,
            "timeout": settings.timeout,
            "secrets": tuple(s.get_secret_value() for s in secrets if s is not None),
            "user_agent": "ecomflow-starter-carrier/0.1",
        }

    # -- hooks of ecomflow.http.BaseClient -------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        """``Authorization: Bearer <token>`` (README.md, "Authentication")."""
        return {"Authorization": f"Bearer {self.settings.token.get_secret_value()}"}

    def error_fields(
        self, response: httpx.Response
    ) -> tuple[str | None, str | None, dict[str, Any]]:
        """Errors are ``{"error": code, "message": text, "details": {field: problem}}``."""
        try:
            body = response.json()
        except ValueError:
            return None, None, {}
        if not isinstance(body, dict):
            return None, None, {}
        raw_details = body.get("details")
        details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
        message = str(body.get("message") or body.get("error") or "")
        if details:
            message += ": " + "; ".join(f"{k}: {v}" for k, v in details.items())
        code = body.get("error")
        code = code if isinstance(code, str) else None
        return message, code, details

    def refine_error(self, error: RemoteAPIError, call: Call) -> RemoteAPIError:
        """``409 not_confirmed`` on a label means: not confirmed yet, ask again later."""
        if isinstance(error, InvalidRequest) and error.code == "not_confirmed":
            return LabelNotReady(
                "the label is not ready (the shipment is not confirmed yet); ask again later",
                status=error.status,
                code=error.code,
                body=error.body,
                endpoint=error.endpoint,
            )
        return error

    # -- pure --------------------------------------------------------------------------

    def services(self) -> frozenset[str]:
        """The catalogue service ids this carrier sells."""
        return frozenset(mapper.SERVICES)

    def tracking_url(self, tracking_number: str) -> str | None:
        """The public tracking page."""
        return TRACKING_PAGE.format(number=quote(tracking_number, safe=""))

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """Verify a webhook (signature, timestamp), then the shipment it names."""
        secret = self.settings.webhook_secret
        return parse_webhook(
            request,
            secret=secret.get_secret_value() if secret else None,
            tolerance=self.settings.webhook_tolerance,
            clock=self._clock,
        )

    @staticmethod
    def _path(shipment_id: str, tail: str = "") -> str:
        return f"/v1/shipments/{quote(shipment_id, safe='')}{tail}"

    @staticmethod
    def _find(reference: str) -> Call:
        return Call("GET", "/v1/shipments", "find_shipments", params={"reference": reference})

    # -- flows: written once, run by both twins ----------------------------------------

    @operation
    def create_shipment(
        self, request: ShipmentRequest, *, first_attempt: bool = False
    ) -> Flow[Shipment]:
        """Create exactly one shipment for ``request.reference`` (see the module docstring)."""
        carrier = self.settings.carrier
        body = mapper.create_body(request, carrier=carrier)  # refuses before any call
        if not first_attempt:
            found = yield self._find(request.reference)
            existing = mapper.live_with_reference(found, request.reference, carrier=carrier)
            if existing is not None:
                return existing
        create = Call("POST", "/v1/shipments", "create_shipment", json=body, idempotent=False)
        try:
            made = yield create
        except (TransportError, RemoteAPIError) as error:
            if isinstance(error, RemoteAPIError) and (error.status or 500) < 500:
                raise  # refused (4xx): nothing was created
            found = yield self._find(request.reference)  # the answer was lost: look again
            existing = mapper.live_with_reference(found, request.reference, carrier=carrier)
            if existing is None:
                raise
            return existing
        return mapper.to_shipment(made, carrier=carrier)

    @operation
    def get_shipment(self, shipment_id: str) -> Flow[Shipment]:
        """The shipment as the carrier has it now."""
        data = yield Call("GET", self._path(shipment_id), "get_shipment")
        return mapper.to_shipment(data, carrier=self.settings.carrier)

    @operation
    def get_shipments(self, shipment_ids: Sequence[str]) -> Flow[list[Shipment]]:
        """Many shipments, 50 per call (unknown ids left out)."""
        found: list[Shipment] = []
        ids = list(dict.fromkeys(shipment_ids))
        for start in range(0, len(ids), MAX_IDS):
            chunk = ids[start : start + MAX_IDS]
            data = yield Call("GET", "/v1/shipments", "get_shipments", params={"id": chunk})
            found += mapper.to_shipments(data, carrier=self.settings.carrier)
        return found

    @operation
    def get_label(self, shipment_id: str, *, format: LabelFormat = LabelFormat.PDF) -> Flow[Label]:
        """The A6 label; :class:`LabelNotReady` until the shipment is confirmed."""
        kind = _FORMATS.get(LabelFormat(format))
        if kind is None:
            raise ValidationFailed(f"Kurier Przykładowy labels are pdf or zpl, not {format!s}")
        content = yield Call(
            "GET",
            self._path(shipment_id, "/label"),
            "get_label",
            params={"format": kind, "size": "A6"},
            raw=True,
        )
        return Label(
            shipment_id=shipment_id, format=LabelFormat(format), size=LabelSize.A6, content=content
        )

    @operation
    def cancel_shipment(self, shipment_id: str) -> Flow[None]:
        """Cancel before pickup (a repeat is harmless; after pickup: ``InvalidRequest``)."""
        yield Call("DELETE", self._path(shipment_id), "cancel_shipment")

    @operation
    def get_tracking(self, tracking_number: str) -> Flow[list[TrackingEvent]]:
        """Tracking events, oldest first."""
        path = f"/v1/tracking/{quote(tracking_number, safe='')}"
        data = yield Call("GET", path, "get_tracking")
        return mapper.to_events(data, carrier=self.settings.carrier)


class ExampleCourierClient(_Operations, Client):
    """The sync client: ``ShipmentProvider``, ``ShipmentLister``, ``TrackingSource``, webhooks."""

    def __init__(
        self,
        settings: ExampleCourierSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry,
            limiter=limiter,
            **self._setup(settings, clock),
        )


class AsyncExampleCourierClient(_Operations, AsyncClient):
    """The async twin: the same flows, awaited."""

    def __init__(
        self,
        settings: ExampleCourierSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry,
            limiter=limiter,
            **self._setup(settings, clock),
        )
