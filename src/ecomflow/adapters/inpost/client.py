"""InPost ShipX client twins: shipments, labels, tracking, points, webhooks.

Every operation that takes more than one call is written once, as a flow
(:mod:`ecomflow.http.flow`) on :class:`ShipXOperations`, and driven by
:class:`InPostClient` (plain calls) and :class:`AsyncInPostClient` (``await``).

**Exactly one shipment per reference.** ShipX has no idempotency key, so
``create_shipment`` looks for a live shipment with the same ``reference``
before creating one (unless the caller knows this is the first attempt), and
looks again with the same reference when the answer to the create call is lost
(timeout, dropped connection, 5xx, a truncated answer) — a retry, or a restart
after a crash between "created" and "recorded", finds the first shipment
instead of buying a second label.

The look-up reads the organization's shipment list (``GET
/v1/organizations/{id}/shipments``), newest first, page by page, and matches
``reference`` itself: ShipX documents no reference filter (ShipX-doc 28639266
"[1.23.0] Shipment search and sorting" lists id, dates, tracking number,
status, service… but not reference; shipx-php ``Method/Shipment/GetList.php``
the same), so none is sent. ``InPostSettings.lookup_days`` bounds how far back
it reads (``created_at_gteq``, documented there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ecomflow.adapters.inpost.mapper import (
    create_payload,
    read_page,
    to_shipment,
    to_tracking_events,
)
from ecomflow.adapters.inpost.settings import InPostSettings
from ecomflow.adapters.inpost.webhooks import WebhookGuard, parse_event
from ecomflow.adapters.inpost.wire import MAX_BULK_LABELS, MAX_IDS_PER_LIST, TRACKING_URL
from ecomflow.adapters.protocols import ShipmentEvent, WebhookEvent, WebhookRequest
from ecomflow.errors import (
    ConfigurationError,
    InvalidRequest,
    LabelNotReady,
    MappingError,
    RateLimited,
    RemoteAPIError,
    TransportError,
)
from ecomflow.http import MALFORMED, AsyncClient, Call, Client, Flow, RetryPolicy, Sleep, operation
from ecomflow.http.ratelimit import RateLimiter
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Label, LabelFormat, LabelSize, Shipment
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus

__all__ = ["AsyncInPostClient", "InPostClient", "ShipXOperations"]

# Label query values: format=Pdf|Zpl|Epl, type=normal|A6 (ShipX-doc 18153509).
_FORMATS = {LabelFormat.PDF: "Pdf", LabelFormat.ZPL: "Zpl", LabelFormat.EPL: "Epl"}
_TYPES = {LabelSize.A4: "normal", LabelSize.A6: "A6"}
_ID = re.compile(r"[0-9]{1,18}")


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


def _may_have_created(error: Exception) -> bool:
    """Whether a failed create may still have created the shipment (look again)."""
    if isinstance(error, TransportError):
        return True
    if isinstance(error, RateLimited):
        return False
    if isinstance(error, RemoteAPIError):
        return error.status is None or error.status >= 500 or error.code == MALFORMED
    return False


class ShipXOperations:
    """The ShipX operations both twins have: flows, and the pure code around them."""

    settings: InPostSettings

    def _setup(self, settings: InPostSettings) -> dict[str, Any]:
        self.settings = settings
        self._offered = settings.offered()
        self._guard = (
            WebhookGuard(
                settings.webhook_token.get_secret_value(), networks=settings.webhook_networks
            )
            if settings.webhook_token
            else None
        )
        return {
            "base_url": settings.url,
            "timeout": settings.timeout,
            "secrets": tuple(
                s.get_secret_value() for s in (settings.token, settings.webhook_token) if s
            ),
        }

    # -- hooks of the shared HTTP client ------------------------------------------------

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
        error = body.get("error")
        return message, str(error) if error else None, details if isinstance(details, dict) else {}

    def refine_error(self, error: RemoteAPIError, call: Call) -> RemoteAPIError:
        """``invalid_action`` on a label means: not confirmed yet, wait (ShipX-doc 18153509)."""
        if (
            isinstance(error, InvalidRequest)
            and error.code == "invalid_action"
            and call.endpoint in ("get_label", "get_labels")
        ):
            return LabelNotReady(
                "the label is not ready yet (the shipment is not confirmed); wait and retry",
                status=error.status,
                code=error.code,
                body=error.body,
                endpoint=error.endpoint,
            )
        return error

    # -- pure protocol methods -----------------------------------------------------------

    def services(self) -> frozenset[str]:
        """The catalogue service ids this account can create (``InPostSettings.services``)."""
        return self._offered

    def tracking_url(self, tracking_number: str) -> str | None:
        """InPost's public tracking page for ``tracking_number``.

        >>> settings = InPostSettings(token="t", organization_id=1)
        >>> InPostClient(settings).tracking_url("520000012680041086770098")
        'https://inpost.pl/sledzenie-przesylek?number=520000012680041086770098'
        """
        number = "".join(tracking_number.split())
        return TRACKING_URL.format(number=number) if number else None

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """Verify the URL token and source network, then the shipment events.

        :class:`~ecomflow.errors.SignatureVerificationError` when untrusted,
        :class:`~ecomflow.errors.MappingError` when malformed, ``[]`` for an event
        that names no shipment or another organization. Nothing is de-duplicated
        here: the receiver does that after applying an event.
        """
        if self._guard is None:
            raise ConfigurationError(
                "InPost webhooks need webhook_token in [carriers.inpost] (the secret in the "
                "webhook URL path); nothing applied"
            )
        self._guard.verify(path_token=request.path_token, remote_addr=request.remote_addr)
        event = parse_event(request.body)
        if event is None:
            return []
        if event.organization_id not in (None, self.settings.organization_id):
            return []
        return [
            ShipmentEvent(
                source="inpost",
                topic=event.event,
                delivery_id=event.event_id,
                shipment_id=event.shipment_id,
                tracking_number=event.tracking_number,
            )
        ]

    # -- calls and helper flows ------------------------------------------------------------

    def _org(self, path: str) -> str:
        return f"/v1/organizations/{self.settings.organization_id}{path}"

    def _shipment(self, data: Any) -> Shipment:
        return to_shipment(data, self.settings.carrier)

    def _get_call(self, shipment_id: str) -> Call:
        return Call("GET", f"/v1/shipments/{shipment_id}", "get_shipment")

    def _list(
        self,
        params: dict[str, Any],
        endpoint: str,
        stop: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Flow[list[dict[str, Any]]]:
        """Every page of the shipment list (until ``stop`` accepts an item)."""
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        page = 1
        while True:
            answer = yield Call(
                "GET", self._org("/shipments"), endpoint, params={**params, "page": page}
            )
            found = read_page(answer)
            ids = {str(item.get("id")) for item in found.items}
            if found.items and ids <= seen:
                raise MappingError(
                    f"ShipX sent page {page} of the shipment list again; stopped reading",
                    source="inpost",
                )
            seen |= ids
            items.extend(found.items)
            if stop is not None and any(stop(item) for item in found.items):
                return items
            if not found.items:
                return items
            if found.count is not None:
                done = page * (found.per_page or len(found.items)) >= found.count
            else:  # no total: a short page is the last one
                done = found.per_page is None or len(found.items) < found.per_page
            if done:
                return items
            page += 1

    def _find(self, reference: str) -> Flow[Shipment | None]:
        """The live (not cancelled) shipment with ``reference``, reading every page."""
        # Newest first (sort_by/sort_order, shipx-php GetList sortable fields): a lost
        # answer's shipment is on page 1, and a shipment created while paging only
        # pushes older ones to later pages (seen twice, never missed).
        params: dict[str, Any] = {"sort_by": "created_at", "sort_order": "desc"}
        if self.settings.lookup_days is not None:
            since = datetime.now(UTC) - timedelta(days=self.settings.lookup_days)
            params["created_at_gteq"] = since.isoformat(timespec="seconds")

        def live(item: dict[str, Any]) -> bool:
            return item.get("reference") == reference and item.get("status") != "canceled"

        items = yield from self._list(params, "find_shipments", stop=live)
        matches = [item for item in items if live(item)]
        return self._shipment(matches[0]) if matches else None

    # -- operations (one flow, both twins) -----------------------------------------------

    @operation
    def find_shipment(self, reference: str) -> Flow[Shipment | None]:
        """The live shipment with this reference, if one exists."""
        return (yield from self._find(reference))

    @operation
    def create_shipment(
        self, request: ShipmentRequest, *, first_attempt: bool = False
    ) -> Flow[Shipment]:
        """Create exactly one shipment for ``request.reference`` with ``request.service_id``.

        Everything ShipX would refuse is refused before any call
        (:class:`~ecomflow.errors.UnsupportedService`,
        :class:`~ecomflow.adapters.inpost.ServiceMismatch`,
        :class:`~ecomflow.errors.ValidationFailed`). ``first_attempt=True`` skips
        the look-up before creating: pass it only when the caller knows (from its
        own durable record) that no earlier attempt for this reference was made.
        The shipment usually comes back unconfirmed (no tracking number yet).
        """
        body = create_payload(
            request,
            offered=self._offered,
            carrier=self.settings.carrier,
            sending_method=self.settings.sending_method,
            dropoff_point=self.settings.dropoff_point,
            return_point=self.settings.return_point,
        )
        reference = body["reference"]
        if not first_attempt:
            existing = yield from self._find(reference)
            if existing is not None:
                return existing
        call = Call("POST", self._org("/shipments"), "create_shipment", json=body, idempotent=False)
        try:
            created = yield call
        except (TransportError, RemoteAPIError) as error:
            if not _may_have_created(error):
                raise
            found = yield from self._find(reference)
            if found is None:
                raise error from None
            return found
        return self._shipment(created)

    @operation
    def get_shipment(self, shipment_id: str) -> Flow[Shipment]:
        """The shipment as ShipX has it now."""
        return self._shipment((yield self._get_call(shipment_id)))

    @operation
    def get_shipments(self, shipment_ids: Sequence[str]) -> Flow[list[Shipment]]:
        """Many shipments in few calls (``?id=1,2``, ShipX-doc 28639266); unknown ids left out."""
        # ShipX ids are integers: anything else cannot exist (and never reaches the URL).
        wanted = list(dict.fromkeys(str(i) for i in shipment_ids if _ID.fullmatch(str(i))))
        found: dict[str, Shipment] = {}
        for start in range(0, len(wanted), MAX_IDS_PER_LIST):
            chunk = wanted[start : start + MAX_IDS_PER_LIST]
            items = yield from self._list({"id": ",".join(chunk)}, "get_shipments")
            for item in items:
                shipment = self._shipment(item)
                if shipment.id in chunk:
                    found[shipment.id] = shipment
        return [found[i] for i in wanted if i in found]

    @operation
    def wait_until_confirmed(
        self, shipment_id: str, *, timeout: float | None = None, poll: float = 0.2
    ) -> Flow[Shipment]:
        """Poll until the shipment has a tracking number (bounded; backs off up to 2 s).

        A convenience for scripts; the Orchestrator confirms with :meth:`get_shipments`.
        """
        limit = timeout or self.settings.confirm_timeout
        waited, delay = 0.0, poll
        while True:
            shipment = self._shipment((yield self._get_call(shipment_id)))
            if shipment.confirmed or shipment.status is TrackingStatus.CANCELLED:
                return shipment
            if waited + delay > limit:
                raise TransportError(
                    f"shipment {shipment_id} not confirmed within {limit:g} s; wait for the "
                    "shipment_confirmed webhook or read it again later",
                    endpoint="get_shipment",
                )
            yield Sleep(delay)
            waited += delay
            delay = min(delay * 2, 2.0)

    @operation
    def get_label(
        self,
        shipment_id: str,
        *,
        format: LabelFormat | str = LabelFormat.PDF,
        size: LabelSize | str = LabelSize.A6,
    ) -> Flow[Label]:
        """The label file; :class:`~ecomflow.errors.LabelNotReady` until confirmed."""
        fmt, kind = LabelFormat(format), LabelSize(size)
        content = yield Call(
            "GET",
            f"/v1/shipments/{shipment_id}/label",
            "get_label",
            params={"format": _FORMATS[fmt], "type": _TYPES[kind]},
            raw=True,
        )
        return Label(shipment_id=str(shipment_id), format=fmt, size=kind, content=content)

    @operation
    def get_labels(
        self,
        shipment_ids: Sequence[str],
        *,
        format: LabelFormat | str = LabelFormat.PDF,
        size: LabelSize | str = LabelSize.A6,
    ) -> Flow[list[bytes]]:
        """Bulk labels, at most 100 shipments per request (one file per request)."""
        fmt, kind = LabelFormat(format), LabelSize(size)
        files: list[bytes] = []
        for start in range(0, len(shipment_ids), MAX_BULK_LABELS):
            chunk = [str(i) for i in shipment_ids[start : start + MAX_BULK_LABELS]]
            files.append(
                (
                    yield Call(
                        "GET",
                        self._org("/shipments/labels"),
                        "get_labels",
                        params={
                            "shipment_ids[]": chunk,
                            "format": _FORMATS[fmt],
                            "type": _TYPES[kind],
                        },
                        raw=True,
                    )
                )
            )
        return files

    @operation
    def cancel_shipment(self, shipment_id: str) -> Flow[None]:
        """Cancel a shipment ShipX still lets go of; a repeat is harmless.

        ShipX cancels only shipments in status ``created`` or ``offers_prepared``
        (ShipX-doc 28639256): once the label is bought (``confirmed``) the API
        refuses with ``invalid_action``, and this raises
        :class:`~ecomflow.errors.InvalidRequest` (code ``invalid_action``,
        ``details["shipment_status"]``) saying so. A shipment already cancelled
        (a repeat, or a retry after a lost answer) is not an error.
        """
        try:
            yield Call("DELETE", f"/v1/shipments/{shipment_id}", "cancel_shipment")
        except InvalidRequest as error:
            if error.code != "invalid_action":
                raise
            current = self._shipment((yield self._get_call(shipment_id)))
            if current.carrier_status == "canceled":
                return None
            raise InvalidRequest(
                f"ShipX cannot cancel shipment {shipment_id} in status "
                f"{current.carrier_status!r}: only shipments not yet confirmed (created, "
                "offers_prepared) can be cancelled, and this label is bought. Keep the parcel "
                "and settle the unused label with InPost.",
                details={"action": "cancel", "shipment_status": current.carrier_status},
                status=error.status,
                code=error.code,
                body=error.body,
                endpoint=error.endpoint,
            ) from None
        return None

    @operation
    def get_tracking(self, tracking_number: str) -> Flow[list[TrackingEvent]]:
        """Tracking events, oldest first (public endpoint, ShipX-doc 11731050)."""
        data = yield Call("GET", f"/v1/tracking/{tracking_number}", "get_tracking")
        return to_tracking_events(data, self.settings.carrier)

    @operation
    def find_points(
        self,
        *,
        city: str | None = None,
        post_code: str | None = None,
        near: tuple[float, float] | None = None,
        max_distance: int | None = None,
        limit: int = 25,
    ) -> Flow[list[dict[str, Any]]]:
        """Locker points by city, post code or distance to ``near`` (lat, lng).

        Filters and sorting from shipx-php ``Method/Point/GetList.php`` (reference §5).
        """
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
        return read_page((yield Call("GET", "/v1/points", "find_points", params=params))).items

    @operation
    def get_point(self, name: str) -> Flow[dict[str, Any]]:
        """One point by its name (e.g. ``KRA010``)."""
        point = yield Call("GET", f"/v1/points/{name}", "get_point")
        if not isinstance(point, dict):
            raise MappingError(f"ShipX point {name} cannot be read", source="inpost")
        return point

    @operation
    def check_credentials(self) -> Flow[None]:
        """One cheap authenticated call: the token may list the organization's shipments.

        One shipment is asked for (``per_page=1``). :class:`~ecomflow.errors.AuthenticationFailed`
        for a token ShipX refuses; a wrong ``organization_id`` is refused as well.
        """
        yield Call("GET", self._org("/shipments"), "check_credentials", params={"per_page": 1})

    @operation
    def get_statuses(self, lang: str = "pl") -> Flow[list[dict[str, Any]]]:
        """Every ShipX status with its title and description (``GET /v1/statuses``)."""
        data = yield Call("GET", "/v1/statuses", "get_statuses", params={"lang": lang})
        return read_page(data).items


class InPostClient(ShipXOperations, Client):
    """The sync ShipX client.

    It is a ``ShipmentProvider``, ``ShipmentLister``, ``TrackingSource`` and
    ``WebhookSource`` (see :mod:`ecomflow.adapters.protocols`).
    """

    def __init__(
        self,
        settings: InPostSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            limiter=limiter,
            **self._setup(settings),
        )


class AsyncInPostClient(ShipXOperations, AsyncClient):
    """The async twin of :class:`InPostClient` (same methods as coroutines, ``aclose``)."""

    def __init__(
        self,
        settings: InPostSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            limiter=limiter,
            **self._setup(settings),
        )
