"""FakeShipX: InPost's ShipX API on loopback, with state, faults and webhooks.

Written from the ShipX documentation, not from ecomflow's client: it imports
nothing from :mod:`ecomflow.adapters.inpost`, and it refuses what the docs say
ShipX refuses — a wrong token, an unknown service, a locker shipment without an
existing target point, a bad phone or postcode, a reference outside 3–100
characters, an oversized parcel, cancelling a confirmed shipment, a shipment
without a receiver unless it is a return (``is_return``: the organization's
address is used), a return without the customer as its sender. Sources are
named as in ``shared/reference/baselinker-inpost-api.md`` (ShipX-doc page ids;
magento = InPost's Magento plugin ``InPost-Magento/smartmage_inpost``).

Shipments move ``created`` → ``confirmed`` (a tracking number appears) after
``confirm_after`` seconds, as the real API does in the background (or at once
with :meth:`FakeShipX.confirm`); labels are a small valid PDF or ZPL text;
tracking history grows as tests :meth:`~FakeShipX.advance` shipments; a seeded
set of locker points answers searches. The shipment list is paged
(``page_size`` items per page) and honours only the documented filters.

>>> with FakeShipX(token="t", confirm_after=0) as fake:
...     import httpx
...     answer = httpx.get(f"{fake.url}/v1/points/KRA010").json()
>>> answer["name"], answer["address_details"]["city"]
('KRA010', 'Kraków')
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from ecomflow.testing.server import LoopbackServer, Reply, Request, Route

__all__ = ["POINTS", "REFERENCE_STATUSES", "SHIPX_SERVICES", "FakeShipX"]

#: Every ShipX status name, hand-copied from the reference (§4 "Tracking and
#: statuses": InPost's Magento plugin ``Model/Config/Source/Status.php``, in its
#: groups; ``claim_created`` from python-sendparcel). Deliberately **not** taken
#: from ecomflow's own status table: tests check that table against this list.
REFERENCE_STATUSES: dict[str, tuple[str, ...]] = {
    "creation": ("created", "offers_prepared", "offer_selected", "confirmed"),
    "collection from sender": (
        "dispatched_by_sender",
        "dispatched_by_sender_to_pok",
        "collected_from_sender",
        "taken_by_courier",
        "taken_by_courier_from_pok",
    ),
    "in transit": (
        "adopted_at_source_branch",
        "sent_from_source_branch",
        "adopted_at_sorting_center",
        "sent_from_sorting_center",
        "adopted_at_target_branch",
    ),
    "out for delivery": ("out_for_delivery", "out_for_delivery_to_address"),
    "awaiting pickup": (
        "ready_to_pickup",
        "ready_to_pickup_from_pok",
        "ready_to_pickup_from_pok_registered",
        "ready_to_pickup_from_branch",
        "pickup_reminder_sent",
        "pickup_reminder_sent_address",
        "pickup_time_expired",
    ),
    "final and returns": (
        "delivered",
        "avizo",
        "claimed",
        "returned_to_sender",
        "return_pickup_confirmation_to_sender",
        "canceled",
        "other",
        "missing",
    ),
    "delivery failures": (
        "oversized",
        "rejected_by_receiver",
        "undelivered",
        "undelivered_wrong_address",
        "undelivered_incomplete_address",
        "undelivered_unknown_receiver",
        "undelivered_cod_cash_receiver",
        "undelivered_no_mailbox",
        "undelivered_not_live_address",
        "undelivered_lack_of_access_letterbox",
    ),
    "rerouting": (
        "delay_in_delivery",
        "redirect_to_box",
        "canceled_redirect_to_box",
        "readdressed",
    ),
    "stacking": (
        "stack_in_customer_service_point",
        "stack_parcel_pickup_time_expired",
        "unstack_from_customer_service_point",
        "courier_avizo_in_customer_service_point",
        "taken_by_courier_from_customer_service_point",
        "stack_in_box_machine",
        "unstack_from_box_machine",
        "stack_parcel_in_box_machine_pickup_time_expired",
    ),
    "python-sendparcel": ("claim_created",),
}
_STATUS_NAMES = frozenset(name for group in REFERENCE_STATUSES.values() for name in group)

#: The services the fake organization has (ids from reference §2; lockers take
#: templates, the courier services dimensions and weight — magento AbstractSave).
SHIPX_SERVICES: dict[str, str] = {
    "inpost_locker_standard": "locker",
    "inpost_courier_standard": "courier",
    "inpost_courier_express_1000": "courier",
    "inpost_courier_express_1200": "courier",
    "inpost_courier_express_1700": "courier",
}
#: Locker templates A/B/C, 25 kg each (ShipX-doc 18153507).
_TEMPLATES = ("small", "medium", "large")  # xlarge (D) is for inpost_courier_c2c only
#: Courier maximum "domestic – 350 × 240 × 240 cm" (ShipX-doc 47186432).
_COURIER_CM = (240, 240, 350)
#: sending_method values; dropoff_point needed with the first three (ShipX-doc 18153492).
_DROPOFF_METHODS = ("parcel_locker", "pok", "courier_pok")
_SENDING_METHODS = (*_DROPOFF_METHODS, "pop", "branch", "dispatch_order")
#: "the shipment has to be in created or offers_prepared status" (ShipX-doc 28639256).
_CANCELLABLE = ("created", "offers_prepared")
_LABEL_FORMATS = ("pdf", "zpl", "epl")
_PUBLIC = frozenset({"get_tracking", "get_point", "find_points", "get_statuses"})

PDF_LABEL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

#: Seeded locker points (realistic names and places; coordinates approximate).
POINTS: list[dict[str, Any]] = [
    {
        "name": name,
        "type": ["parcel_locker"],
        "status": "Operating",
        "location": {"latitude": lat, "longitude": lng},
        "location_247": True,
        "opening_hours": "24/7",
        "location_description": description,
        "address": {"line1": street, "line2": f"{post_code} {city}"},
        "address_details": {
            "city": city,
            "province": province,
            "post_code": post_code,
            "street": street,
            "building_number": "",
        },
        "functions": ["parcel_collect", "parcel_send"],
        "payment_available": True,
    }
    for name, city, province, post_code, street, lat, lng, description in [
        ("KRA010", "Kraków", "małopolskie", "31-147", "Długa 1", 50.0686, 19.9383, "Przy Żabce"),
        ("KRA112", "Kraków", "małopolskie", "30-552", "Wielicka 28", 50.0381, 19.9610, "Parking"),
        (
            "WAW22M",
            "Warszawa",
            "mazowieckie",
            "00-950",
            "Marszałkowska 104",
            52.2323,
            21.0072,
            "Stacja metra",
        ),
        ("WAW08A", "Warszawa", "mazowieckie", "02-677", "Wołoska 12", 52.1890, 21.0022, "Galeria"),
        (
            "GDA01N",
            "Gdańsk",
            "pomorskie",
            "80-837",
            "Długie Ogrody 8",
            54.3490,
            18.6600,
            "Przy poczcie",
        ),
        (
            "POZ05M",
            "Poznań",
            "wielkopolskie",
            "61-896",
            "Półwiejska 42",
            52.4010,
            16.9290,
            "Stary Browar",
        ),
        ("WRO16H", "Wrocław", "dolnośląskie", "50-075", "Świdnicka 40", 51.1040, 17.0300, "Rynek"),
    ]
]


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _error(status: int, error: str, message: str, details: Any = None) -> Reply:
    """ShipX error body ``{status, error, message, details}`` (reference §8)."""
    return Reply(
        status, {"status": status, "error": error, "message": message, "details": details or {}}
    )


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _money_problem(money: Any, low: Decimal = Decimal("0.01")) -> str | None:
    if not isinstance(money, dict):
        return "invalid"
    value = _decimal(money.get("amount"))
    if value is None or value < low:
        return "invalid"
    if value != value.quantize(Decimal("0.01")):
        return "too_many_decimals"  # UNCONFIRMED how ShipX words it; money has 2 decimals
    return None


def _time(text: str) -> datetime | None:
    """``created_at_gteq`` takes ISO 8601 or a timestamp (ShipX-doc 28639266)."""
    if re.fullmatch(r"[0-9]+", text):
        return datetime.fromtimestamp(int(text), UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FakeShipX(LoopbackServer):
    """A stateful ShipX API on ``127.0.0.1``.

    Args:
        token: the Bearer token accepted.
        organization_id: the organization in org-scoped paths.
        confirm_after: seconds after creation until a shipment is ``confirmed``.
        webhook_url: where webhooks (``shipment_confirmed``,
            ``shipment_status_changed``) are POSTed; all are kept in ``webhooks_sent``.
        clock: seconds for ``confirm_after`` (default ``time.monotonic``).
        page_size: items per page of the shipment list.
        services: the services the organization has (default :data:`SHIPX_SERVICES`).
        courier_max_kg: the heaviest courier parcel accepted (30 kg: heavier ones need
            a prior arrangement with InPost; the API's own limit is UNCONFIRMED).
    """

    state_attributes = (
        "shipments",
        "tracking",
        "webhooks_sent",
        "_created_at",
        "_created",
        "_next_id",
    )

    def __init__(
        self,
        *,
        token: str = "shipx-token",
        organization_id: int = 1234,
        confirm_after: float = 0.0,
        port: int = 0,
        webhook_url: str | None = None,
        clock: Callable[[], float] | None = None,
        keep_alive: bool = False,
        page_size: int = 25,
        services: Iterable[str] | None = None,
        courier_max_kg: Decimal | int = 30,
    ) -> None:
        super().__init__(port=port, keep_alive=keep_alive)
        self.token = token
        self.organization_id = organization_id
        self.confirm_after = confirm_after
        self.webhook_url = webhook_url
        self.clock = clock or time.monotonic
        self.page_size = page_size
        self.services = {s: SHIPX_SERVICES[s] for s in (services or SHIPX_SERVICES)}
        self.courier_max_kg = Decimal(courier_max_kg)
        #: The organization's own data, used when a body has no sender (or, for a
        #: return, no receiver) — reference §2; the values are the fake's.
        self.organization: dict[str, Any] = {
            "company_name": f"Organization {organization_id}",
            "email": "sklep@example.com",
            "phone": "600000000",
            "address": {
                "street": "Kubkowa",
                "building_number": "1",
                "city": "Kraków",
                "post_code": "30-001",
                "country_code": "PL",
            },
        }
        self.shipments: dict[int, dict[str, Any]] = {}
        self.tracking: dict[str, list[dict[str, Any]]] = {}
        self.webhooks_sent: list[dict[str, Any]] = []
        self._created_at: dict[int, float] = {}
        self._created: dict[int, datetime] = {}
        self._next_id = 1_000_000
        self._outbox: list[dict[str, Any]] = []
        self._send_lock = threading.Lock()
        org = rf"/v1/organizations/{organization_id}"
        self.routes = [
            Route("POST", "create_shipment", re.compile(rf"^{org}/shipments$"), self._create),
            Route("GET", "list_shipments", re.compile(rf"^{org}/shipments$"), self._list),
            Route("GET", "get_labels", re.compile(rf"^{org}/shipments/labels$"), self._labels),
            Route("GET", "get_label", re.compile(r"^/v1/shipments/(\d+)/label$"), self._label),
            Route("GET", "get_shipment", re.compile(r"^/v1/shipments/(\d+)$"), self._get),
            Route("DELETE", "cancel_shipment", re.compile(r"^/v1/shipments/(\d+)$"), self._cancel),
            Route("GET", "get_tracking", re.compile(r"^/v1/tracking/(\w+)$"), self._tracking),
            Route("GET", "get_point", re.compile(r"^/v1/points/([\w-]+)$"), self._point),
            Route("GET", "find_points", re.compile(r"^/v1/points$"), self._points),
            Route("GET", "get_statuses", re.compile(r"^/v1/statuses$"), self._statuses),
        ]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.base_url

    # -- test hooks ------------------------------------------------------------------

    def confirm(self, shipment_id: int | str) -> dict[str, Any]:
        """Confirm a shipment now (the label is bought, a tracking number appears)."""
        with self._lock:
            shipment = self._confirm(int(shipment_id))
        self._flush()
        return dict(shipment)

    def advance(self, shipment_id: int | str, status: str, *, agency: str = "KR1") -> None:
        """Move a shipment to ``status`` (a ShipX name), add tracking, send the webhook."""
        if status not in _STATUS_NAMES:
            raise ValueError(f"{status!r} is not a ShipX status (see REFERENCE_STATUSES)")
        with self._lock:
            shipment = self._confirm(int(shipment_id))
            shipment["status"] = status
            shipment["updated_at"] = _stamp(_now())
            number = shipment["tracking_number"]
            self.tracking.setdefault(number, []).insert(
                0,
                {
                    "status": status,
                    "origin_status": status.upper()[:3],
                    "agency": agency,
                    "datetime": _stamp(_now()),
                },
            )
            self._webhook(
                "shipment_status_changed",
                {"shipment_id": int(shipment_id), "status": status, "tracking_number": number},
            )
        self._flush()

    # -- serving -------------------------------------------------------------------------

    def authorize(self, request: Request, route: Route) -> Reply | None:
        """Every endpoint but tracking, points and statuses needs the Bearer token."""
        if route.name in _PUBLIC or request.header("Authorization") == f"Bearer {self.token}":
            return None
        return _error(401, "unauthorized", "Token is missing or invalid")

    def handle(self, route: Route | None, args: tuple[str, ...], request: Request) -> Reply:
        """Answer, then send the webhooks the request caused (outside the lock)."""
        try:
            return super().handle(route, args, request)
        finally:
            self._flush()

    def _webhook(self, event: str, payload: dict[str, Any]) -> None:
        # {event_ts, event, organization_id, payload} (ShipX-doc 18153494).
        body = {
            "event_ts": _now().strftime("%Y-%m-%d %H:%M:%S %z"),
            "event": event,
            "organization_id": self.organization_id,
            "payload": payload,
        }
        self.webhooks_sent.append(body)
        if self.webhook_url:
            self._outbox.append(body)

    def _flush(self) -> None:
        with self._lock:
            due, self._outbox = self._outbox, []
        if not due:  # the receiver may call back while another flush waits for its answer
            return
        with self._send_lock:
            for body in due:
                httpx.post(str(self.webhook_url), json=body, timeout=5)

    # -- state -------------------------------------------------------------------------

    def _confirm(self, shipment_id: int) -> dict[str, Any]:
        shipment = self.shipments[shipment_id]
        if shipment["status"] in _CANCELLABLE:
            shipment["status"] = "confirmed"
            shipment["tracking_number"] = f"6{shipment_id:023d}"
            shipment["parcels"][0]["tracking_number"] = shipment["tracking_number"]
            shipment["updated_at"] = _stamp(_now())
            self.tracking[shipment["tracking_number"]] = [
                {
                    "status": "confirmed",
                    "origin_status": "PRZ",
                    "agency": None,
                    "datetime": _stamp(_now()),
                }
            ]
            self._webhook(
                "shipment_confirmed",
                {"shipment_id": shipment_id, "tracking_number": shipment["tracking_number"]},
            )
        return shipment

    def _settle(self, shipment_id: int) -> dict[str, Any]:
        """The shipment now: confirmed in the background once ``confirm_after`` passed."""
        shipment = self.shipments[shipment_id]
        due = self.clock() - self._created_at[shipment_id] >= self.confirm_after
        if shipment["status"] in _CANCELLABLE and due:
            self._confirm(shipment_id)
        return shipment

    # -- shipments -------------------------------------------------------------------

    def _create(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "invalid_json", "Bad JSON")
        if not isinstance(body, dict):
            return _error(400, "invalid_json", "A shipment object is expected")
        details = self._check(body)
        if details:
            return _error(422, "validation_failed", "There are some validation errors.", details)
        parcels = body["parcels"] if isinstance(body["parcels"], list) else [body["parcels"]]
        with self._lock:
            self._next_id += 1
            shipment_id = self._next_id
            now = _now()
            shipment = {
                "href": f"{self.url}/v1/shipments/{shipment_id}",
                "id": shipment_id,
                "status": "created",
                "tracking_number": None,
                "service": body["service"],
                "reference": body.get("reference"),
                "parcels": [{"id": shipment_id * 10 + i, **p} for i, p in enumerate(parcels)],
                "custom_attributes": body.get("custom_attributes") or {},
                "receiver": body.get("receiver") or dict(self.organization),
                "sender": body.get("sender") or dict(self.organization),
                "is_return": body.get("is_return") is True,
                "cod": body.get("cod"),
                "insurance": body.get("insurance"),
                "created_at": _stamp(now),
                "updated_at": _stamp(now),
            }
            self.shipments[shipment_id] = shipment
            self._created_at[shipment_id] = self.clock()
            self._created[shipment_id] = now
            return Reply(201, dict(shipment))

    def _check(self, body: dict[str, Any]) -> dict[str, Any]:
        """Validation errors as ShipX words them: ``{field: [codes]}`` (codes UNCONFIRMED)."""
        details: dict[str, Any] = {}

        def bad(path: str, code: str) -> None:
            node = details
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node.setdefault(leaf, []).append(code)

        service = body.get("service")
        kind = self.services.get(str(service))
        if kind is None:
            bad("service", "invalid")
        reference = body.get("reference")
        # reference: 3–100 characters, optional (ShipX-doc 11731061).
        if reference is not None and not (
            isinstance(reference, str) and 3 <= len(reference) <= 100
        ):
            bad("reference", "invalid_length")
        # `receiver` is required, but not when `is_return=true`: the organization's data
        # is used (ShipX-doc 11731061). UNCONFIRMED: that the customer who posts the
        # return goes in `sender` (otherwise optional: the organization's data by
        # default) — a return without one would travel from the shop to itself, so
        # the fake refuses it and checks it as it checks a receiver.
        is_return = body.get("is_return") is True
        receiver = body.get("receiver")
        parties: list[tuple[str, dict[str, Any]]] = []
        if isinstance(receiver, dict):
            parties.append(("receiver", receiver))
        elif receiver is not None or not is_return:
            bad("receiver", "required")  # and nothing inside it (``details`` is a tree)
        if is_return:
            sender = body.get("sender")
            if not isinstance(sender, dict) or not sender:
                bad("sender", "required")
            else:
                parties.append(("sender", sender))
        for role, party in parties:
            phone = party.get("phone")
            if phone is not None and not re.fullmatch(r"[0-9]{9}", str(phone)):
                bad(f"{role}.phone", "invalid")  # 9 digits (magento AbstractCreate)
        attributes = body.get("custom_attributes") or {}
        method = attributes.get("sending_method")
        if method is not None and method not in _SENDING_METHODS:
            bad("custom_attributes.sending_method", "invalid")
        if method in _DROPOFF_METHODS and not attributes.get("dropoff_point"):
            bad("custom_attributes.dropoff_point", "required")
        parcels = body.get("parcels")
        if isinstance(parcels, dict):
            parcels = [parcels]  # magento sends one parcel as an object
        if not isinstance(parcels, list) or not 1 <= len(parcels) <= 1000:
            bad("parcels", "required")
            parcels = []
        if kind == "locker":
            # Locker offers need the receiver's e-mail and phone and a target point.
            for role, party in parties:
                for field in ("email", "phone"):
                    if not party.get(field):
                        bad(f"{role}.{field}", "required")
            point = attributes.get("target_point")
            found = next((p for p in POINTS if p["name"] == point), None)
            if found is None or "parcel_locker" not in found["type"]:
                bad("custom_attributes.target_point", "does_not_exist" if point else "required")
            for parcel in parcels:
                if not isinstance(parcel, dict) or parcel.get("template") not in _TEMPLATES:
                    bad("parcels.template", "invalid")
        elif kind == "courier":
            for role, party in parties:
                self._check_courier_party(role, party, bad)
            self._check_courier_parcels(parcels, bad)
        if body.get("cod") is not None:
            problem = _money_problem(body["cod"])
            if problem:
                bad("cod.amount", problem)
            if kind == "courier" and body.get("insurance") is None:
                bad("insurance", "required")  # with COD on courier services (ShipX-doc 18153492)
        if body.get("insurance") is not None:
            problem = _money_problem(body["insurance"], Decimal(1))
            value = _decimal((body["insurance"] or {}).get("amount"))
            if problem or (value is not None and value >= 10_000_000):
                bad("insurance.amount", problem or "invalid")
        return details

    def _check_courier_party(
        self, role: str, party: dict[str, Any], bad: Callable[[str, str], None]
    ) -> None:
        # Courier offers need company_name and/or first+last name and the address.
        named = party.get("first_name") and party.get("last_name")
        if not (party.get("company_name") or named):
            bad(f"{role}.name", "required")
        address = party.get("address")
        if not isinstance(address, dict):
            bad(f"{role}.address", "required")
            return
        for field in ("street", "building_number", "city", "post_code", "country_code"):
            if not address.get(field):
                bad(f"{role}.address.{field}", "required")
        post_code = str(address.get("post_code") or "")
        if address.get("country_code") == "PL" and not re.fullmatch(
            r"[0-9]{2}-[0-9]{3}", post_code
        ):
            bad(f"{role}.address.post_code", "invalid")

    def _check_courier_parcels(self, parcels: list[Any], bad: Callable[[str, str], None]) -> None:
        for parcel in parcels:
            if not isinstance(parcel, dict):
                bad("parcels", "invalid")
                continue
            if parcel.get("template") is not None:
                continue  # a template carries its own size
            size = parcel.get("dimensions") or {}
            weight = parcel.get("weight") or {}
            # dimensions and weight are required without a template (ShipX-doc 18153492).
            sides = [_decimal(size.get(k)) for k in ("length", "width", "height")]
            kilos = _decimal(weight.get("amount"))
            if size.get("unit") != "mm" or any(side is None or side <= 0 for side in sides):
                bad("parcels.dimensions", "invalid")
            else:
                cm = sorted(side / 10 for side in sides if side is not None)
                if any(side > limit for side, limit in zip(cm, _COURIER_CM, strict=True)):
                    bad("parcels.dimensions", "too_big")
            if weight.get("unit") != "kg" or kilos is None or kilos <= 0:
                bad("parcels.weight", "invalid")
            elif kilos > self.courier_max_kg:
                bad("parcels.weight", "too_heavy")

    def _list(self, request: Request) -> Reply:
        """The shipment list: documented filters, sorting and pages (ShipX-doc 28639266).

        Filters ShipX does not document (``reference``, ``per_page``) are ignored.
        """
        with self._lock:
            items = [self._settle(i) for i in self.shipments]
            created = dict(self._created)
        ids = request.param("id")
        if ids is not None:
            wanted = {int(i) for i in ids.split(",") if i.strip().isdigit()}
            items = [s for s in items if s["id"] in wanted]
        for key in ("status", "service"):
            value = request.param(key)
            if value is not None:
                items = [s for s in items if s[key] in value.split(",")]
        number = request.param("tracking_number")
        if number is not None:
            items = [s for s in items if s["tracking_number"] == number]
        for key in ("created_at_gteq", "created_at_lteq"):
            text = request.param(key)
            if text is None:
                continue
            bound = _time(text)
            if bound is None:
                return _error(400, "invalid_parameter", f"{key} is not a time")
            if key.endswith("gteq"):
                items = [s for s in items if created[s["id"]] >= bound]
            else:
                items = [s for s in items if created[s["id"]] <= bound]
        sort_by = request.param("sort_by") or "created_at"
        if sort_by not in ("id", "created_at", "tracking_number", "service", "status"):
            return _error(400, "invalid_parameter", f"cannot sort by {sort_by}")
        order = request.param("sort_order") or "desc"

        def key_of(shipment: dict[str, Any]) -> tuple[Any, int]:
            if sort_by == "created_at":
                return (created[shipment["id"]], shipment["id"])
            return (str(shipment[sort_by] or "") if sort_by != "id" else "", shipment["id"])

        items.sort(key=key_of, reverse=order == "desc")
        text = request.param("page") or "1"
        page = max(int(text), 1) if text.isdigit() else 1
        start = (page - 1) * self.page_size
        return Reply(
            200,
            {
                "href": f"{self.url}/v1/organizations/{self.organization_id}/shipments",
                "count": len(items),
                "page": page,
                "per_page": self.page_size,
                "items": [dict(s) for s in items[start : start + self.page_size]],
            },
        )

    def _get(self, request: Request, shipment_id: str) -> Reply:
        with self._lock:
            if int(shipment_id) not in self.shipments:
                return _error(404, "resource_not_found", "Shipment not found")
            return Reply(200, dict(self._settle(int(shipment_id))))

    def _cancel(self, request: Request, shipment_id: str) -> Reply:
        with self._lock:
            if int(shipment_id) not in self.shipments:
                return _error(404, "resource_not_found", "Shipment not found")
            shipment = self._settle(int(shipment_id))
            status = shipment["status"]
            if status not in _CANCELLABLE:
                # The documented answer (ShipX-doc 12091523, "Anulowanie przesyłki").
                return _error(
                    400,
                    "invalid_action",
                    f"Action (cancel) can not be taken on shipment with status ({status}). ",
                    {"action": "cancel", "shipment_status": status},
                )
            shipment["status"] = "canceled"
            shipment["updated_at"] = _stamp(_now())
            return Reply(204)

    def _label_for(self, shipment_id: int, fmt: str) -> Reply | bytes:
        if shipment_id not in self.shipments:
            return _error(404, "resource_not_found", "Shipment not found")
        shipment = self._settle(shipment_id)
        if shipment["status"] in (*_CANCELLABLE, "offer_selected", "canceled"):
            return _error(
                400,
                "invalid_action",
                "Action is not available for this status",
                {"label_available_from": "confirmed"},  # magento ErrorHandler reads it
            )
        if fmt == "zpl":
            return f"^XA^FO50,50^ADN,36,20^FDInPost {shipment['tracking_number']}^FS^XZ".encode()
        if fmt == "epl":
            return f'N\nA50,50,0,4,1,1,N,"InPost {shipment["tracking_number"]}"\nP1\n'.encode()
        return PDF_LABEL

    def _label_reply(self, found: Reply | bytes, fmt: str) -> Reply:
        if isinstance(found, Reply):
            return found
        kind = "application/pdf" if fmt == "pdf" else "text/plain"
        return Reply(200, body=found, content_type=kind)

    def _label(self, request: Request, shipment_id: str) -> Reply:
        fmt = (request.param("format") or "Pdf").lower()  # format=Pdf|Zpl|Epl (ShipX-doc 18153509)
        if fmt not in _LABEL_FORMATS or (request.param("type") or "normal") not in (
            "normal",
            "A6",
            "dpi300",
        ):
            return _error(400, "invalid_parameter", "format or type is not supported")
        with self._lock:
            return self._label_reply(self._label_for(int(shipment_id), fmt), fmt)

    def _labels(self, request: Request) -> Reply:
        ids = request.query.get("shipment_ids[]", [])
        fmt = (request.param("format") or "Pdf").lower()
        if not ids or len(ids) > 100:  # at most 100 per request (ShipX-doc 18153510)
            return _error(400, "invalid_parameter", "Give 1 to 100 shipment_ids[]")
        with self._lock:
            files = [self._label_for(int(i) if i.isdigit() else -1, fmt) for i in ids]
        for found in files:
            if isinstance(found, Reply):
                return found
        return self._label_reply(files[0], fmt)  # one file for the batch

    def _tracking(self, request: Request, number: str) -> Reply:
        with self._lock:
            details = self.tracking.get(number)
            if details is None:
                return _error(404, "resource_not_found", "Tracking number not found")
            return Reply(
                200,
                {
                    "tracking_number": number,
                    "service": "inpost_locker_standard",
                    "status": details[0]["status"],
                    "tracking_details": [dict(d) for d in details],
                },
            )

    # -- points and statuses -------------------------------------------------------------

    def _point(self, request: Request, name: str) -> Reply:
        for point in POINTS:
            if point["name"] == name:
                return Reply(200, point)
        return _error(404, "resource_not_found", "Point not found")

    def _points(self, request: Request) -> Reply:
        items = list(POINTS)
        city, post_code = request.param("city"), request.param("post_code")
        if city is not None:
            items = [p for p in items if p["address_details"]["city"] == city]
        if post_code is not None:
            items = [p for p in items if p["address_details"]["post_code"] == post_code]
        near = request.param("relative_point")
        if near is not None:
            lat, lng = (float(x) for x in near.split(","))

            def distance(p: dict[str, Any]) -> float:
                loc = p["location"]
                return float(((loc["latitude"] - lat) ** 2 + (loc["longitude"] - lng) ** 2) ** 0.5)

            items.sort(key=distance)
            limit_m = request.param("max_distance")
            if limit_m is not None:  # metres, roughly 111 km per degree
                items = [p for p in items if distance(p) * 111_000 <= float(limit_m)]
        per_page = int(request.param("per_page") or 25)
        return Reply(
            200, {"count": len(items), "page": 1, "per_page": per_page, "items": items[:per_page]}
        )

    def _statuses(self, request: Request) -> Reply:
        """``{href, items[{name, title, description}]}`` (shipx-php ``StatusCollection``)."""
        return Reply(
            200,
            {
                "href": f"{self.url}/v1/statuses",
                "items": [
                    {"name": name, "title": name.replace("_", " "), "description": group}
                    for group, names in REFERENCE_STATUSES.items()
                    for name in names
                ],
            },
        )
