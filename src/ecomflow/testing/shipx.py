"""FakeShipX: InPost's ShipX API on loopback, with state, faults and webhooks.

Shipments move ``created`` → ``confirmed`` (a tracking number appears) after
``confirm_after`` seconds, as the real API does in the background; labels are
a small valid PDF or ZPL text; tracking history grows as tests advance
shipments through statuses; a seeded set of locker points answers searches.

>>> with FakeShipX(token="t", confirm_after=0) as fake:
...     import httpx
...     answer = httpx.get(f"{fake.url}/v1/points/KRA010").json()
>>> answer["name"], answer["address_details"]["city"]
('KRA010', 'Kraków')
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ecomflow.adapters.inpost.statuses import SHIPX_STATUSES
from ecomflow.testing.server import LoopbackServer, Route, send_bytes, send_fault

__all__ = ["POINTS", "FakeShipX"]

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


class _Handler(BaseHTTPRequestHandler):
    server: Any
    disable_nagle_algorithm = True  # no 40 ms stall per small answer on loopback

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _route(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route, args = fake.match(method, parts.path)
        name = route.name if route else f"{method} {parts.path}"
        handler = route.handler if route else None
        fault = fake.arrive(name)  # every request counts, answered or not
        if fault is not None and fault.before_handling:
            send_fault(self, fault)
            return
        if handler is None:
            self._send(404, {"status": 404, "error": "not_found", "message": "Not found"})
            return
        public = name in ("get_tracking", "get_point", "find_points", "get_statuses")
        auth = self.headers.get("Authorization", "")
        if not public and auth != f"Bearer {fake.token}":
            self._send(
                401,
                {"status": 401, "error": "unauthorized", "message": "Token is missing or invalid"},
            )
            return
        query = {k: v if k.endswith("[]") else v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            self._send(400, {"status": 400, "error": "invalid_json", "message": "Bad JSON"})
            return
        status, payload = handler(*args, query=query, body=body)
        if fault is not None and fault.kind == "drop_after_write":
            self.connection.close()
            return
        if fault is not None and fault.kind in ("malformed", "truncated"):
            text = json.dumps(payload).encode()
            self._send_bytes(
                status,
                b"<html>oops" if fault.kind == "malformed" else text[: len(text) // 2],
                "application/json",
            )
            return
        if isinstance(payload, bytes):
            self._send_bytes(
                status, payload, "application/pdf" if payload.startswith(b"%PDF") else "text/plain"
            )
        else:
            self._send(status, payload)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _send(self, status: int, payload: Any) -> None:
        if payload is None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send_bytes(status, json.dumps(payload).encode(), "application/json")

    def _send_bytes(self, status: int, data: bytes, kind: str) -> None:
        send_bytes(self, status, data, kind)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FakeShipX(LoopbackServer):
    """A stateful ShipX API on ``127.0.0.1``.

    Args:
        token: the Bearer token accepted.
        organization_id: the organization in org-scoped paths.
        confirm_after: seconds after creation until a shipment is ``confirmed``.
        webhook_url: where :meth:`advance` sends ``shipment_status_changed`` webhooks.
    """

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
    ) -> None:
        super().__init__(_Handler, port, keep_alive=keep_alive)
        self.token = token
        self.organization_id = organization_id
        self.confirm_after = confirm_after
        self.webhook_url = webhook_url
        self.clock = clock or time.monotonic
        self.shipments: dict[int, dict[str, Any]] = {}
        self.tracking: dict[str, list[dict[str, Any]]] = {}
        self.webhooks_sent: list[dict[str, Any]] = []
        self._created_at: dict[int, float] = {}
        self._next_id = 1_000_000
        org = rf"/v1/organizations/{organization_id}"
        self.routes = [
            Route("POST", "create_shipment", re.compile(rf"^{org}/shipments$"), self._create),
            Route("GET", "find_shipments", re.compile(rf"^{org}/shipments$"), self._find),
            Route("GET", "get_labels", re.compile(rf"^{org}/shipments/labels$"), self._labels),
            Route("GET", "get_label", re.compile(r"^/v1/shipments/(\d+)/label$"), self._label),
            Route("GET", "get_shipment", re.compile(r"^/v1/shipments/(\d+)$"), self._get),
            Route("DELETE", "cancel_shipment", re.compile(r"^/v1/shipments/(\d+)$"), self._cancel),
            Route("GET", "get_tracking", re.compile(r"^/v1/tracking/(\w+)$"), self._tracking),
            Route("GET", "get_point", re.compile(r"^/v1/points/(\w+)$"), self._point),
            Route("GET", "find_points", re.compile(r"^/v1/points$"), self._points),
            Route("GET", "get_statuses", re.compile(r"^/v1/statuses$"), self._statuses),
        ]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.base_url

    # -- test hooks ------------------------------------------------------------------

    def advance(self, shipment_id: int | str, status: str, *, agency: str = "KR1") -> None:
        """Move a shipment to ``status`` (a ShipX name), add tracking, send the webhook."""
        if status not in SHIPX_STATUSES:
            raise ValueError(f"{status!r} is not a ShipX status")
        with self._lock:
            shipment = self._confirm(int(shipment_id))
            shipment["status"] = status
            shipment["updated_at"] = _now()
            number = shipment["tracking_number"]
            self.tracking.setdefault(number, []).insert(
                0,
                {
                    "status": status,
                    "origin_status": status.upper()[:3],
                    "agency": agency,
                    "datetime": _now(),
                },
            )
        self._webhook(
            "shipment_status_changed",
            {"shipment_id": int(shipment_id), "status": status, "tracking_number": number},
        )

    def _webhook(self, event: str, payload: dict[str, Any]) -> None:
        body = {
            "event_ts": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S %z"),
            "event": event,
            "organization_id": self.organization_id,
            "payload": payload,
        }
        self.webhooks_sent.append(body)
        if self.webhook_url:
            httpx.post(self.webhook_url, json=body, timeout=5)

    # -- routing and state -----------------------------------------------------------

    def _confirm(self, shipment_id: int) -> dict[str, Any]:
        shipment = self.shipments[shipment_id]
        if shipment["status"] == "created" and (
            self.clock() - self._created_at[shipment_id] >= self.confirm_after
        ):
            shipment["status"] = "confirmed"
            shipment["tracking_number"] = f"6{shipment_id:023d}"
            shipment["updated_at"] = _now()
            self.tracking[shipment["tracking_number"]] = [
                {"status": "confirmed", "origin_status": "PRZ", "agency": None, "datetime": _now()}
            ]
            self._webhook(
                "shipment_confirmed",
                {"shipment_id": shipment_id, "tracking_number": shipment["tracking_number"]},
            )
        return shipment

    def _error(
        self, status: int, error: str, message: str, details: Any = None
    ) -> tuple[int, dict[str, Any]]:
        return status, {
            "status": status,
            "error": error,
            "message": message,
            "details": details or {},
        }

    def _create(self, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        details: dict[str, Any] = {}
        receiver = (body or {}).get("receiver") or {}
        service = (body or {}).get("service")
        if service not in ("inpost_locker_standard", "inpost_courier_standard"):
            details["service"] = ["invalid"]
        if service == "inpost_locker_standard":
            point = ((body or {}).get("custom_attributes") or {}).get("target_point")
            if not any(p["name"] == point for p in POINTS):
                details.setdefault("custom_attributes", {})["target_point"] = ["does_not_exist"]
            if not receiver.get("email"):
                details.setdefault("receiver", {})["email"] = ["required"]
        phone = str(receiver.get("phone") or "")
        if not re.fullmatch(r"\d{9}", phone):
            details.setdefault("receiver", {})["phone"] = ["invalid"]
        if not (body or {}).get("parcels"):
            details["parcels"] = ["required"]
        if details:
            return self._error(
                422, "validation_failed", "There are some validation errors.", details
            )
        with self._lock:
            self._next_id += 1
            shipment_id = self._next_id
            shipment = {
                "href": f"{self.url}/v1/shipments/{shipment_id}",
                "id": shipment_id,
                "status": "created",
                "tracking_number": None,
                "service": service,
                "reference": body.get("reference"),
                "parcels": body["parcels"],
                "custom_attributes": body.get("custom_attributes", {}),
                "receiver": receiver,
                "cod": body.get("cod"),
                "insurance": body.get("insurance"),
                "created_at": _now(),
                "updated_at": _now(),
            }
            self.shipments[shipment_id] = shipment
            self._created_at[shipment_id] = self.clock()
            return 201, dict(shipment)

    def _find(self, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        with self._lock:
            items = list(self.shipments.values())
            if "reference" in query:
                items = [s for s in items if str(s.get("reference")) == query["reference"]]
            items = [self._confirm(s["id"]) for s in items]
        for key in ("status", "tracking_number"):
            if key in query:
                items = [s for s in items if str(s.get(key)) == query[key]]
        return 200, {
            "href": "",
            "count": len(items),
            "page": 1,
            "per_page": 100,
            "items": items[:100],
        }

    def _get(self, shipment_id: str, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        with self._lock:
            if int(shipment_id) not in self.shipments:
                return self._error(404, "resource_not_found", "Shipment not found")
            return 200, dict(self._confirm(int(shipment_id)))

    def _label_bytes(self, shipment: dict[str, Any], fmt: str) -> bytes:
        if fmt.lower() == "zpl":
            return (f"^XA^FO50,50^ADN,36,20^FDInPost {shipment['tracking_number']}^FS^XZ").encode()
        return PDF_LABEL

    def _label(self, shipment_id: str, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        with self._lock:
            if int(shipment_id) not in self.shipments:
                return self._error(404, "resource_not_found", "Shipment not found")
            shipment = self._confirm(int(shipment_id))
        if shipment["status"] in ("created", "offers_prepared", "canceled"):
            return self._error(
                400,
                "invalid_action",
                "Action is not available for this status",
                {"label_available_from": "confirmed"},
            )
        return 200, self._label_bytes(shipment, query.get("format", "Pdf"))

    def _labels(self, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        ids = query.get("shipment_ids[]", [])
        if len(ids) > 100:
            return self._error(400, "too_many_shipments", "At most 100 shipments per request")
        for sid in ids:
            status, answer = self._label(sid, query=query, body=None)
            if status != 200:
                return status, answer
        return 200, PDF_LABEL

    def _cancel(self, shipment_id: str, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        with self._lock:
            shipment = self.shipments.get(int(shipment_id))
            if shipment is None:
                return self._error(404, "resource_not_found", "Shipment not found")
            if shipment["status"] not in ("created", "offers_prepared", "confirmed"):
                return self._error(400, "invalid_action", "Shipment cannot be cancelled now")
            shipment["status"] = "canceled"
            return 204, None

    def _tracking(self, number: str, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        with self._lock:
            details = self.tracking.get(number)
            if details is None:
                return self._error(404, "resource_not_found", "Tracking number not found")
            return 200, {
                "tracking_number": number,
                "service": "inpost_locker_standard",
                "status": details[0]["status"],
                "tracking_details": details,
            }

    def _point(self, name: str, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        for point in POINTS:
            if point["name"] == name:
                return 200, point
        return self._error(404, "resource_not_found", "Point not found")

    def _points(self, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        items = list(POINTS)
        if "city" in query:
            items = [p for p in items if p["address_details"]["city"] == query["city"]]
        if "post_code" in query:
            items = [p for p in items if p["address_details"]["post_code"] == query["post_code"]]
        if "relative_point" in query:
            lat, lng = (float(x) for x in query["relative_point"].split(","))

            def distance(p: dict[str, Any]) -> float:
                loc = p["location"]
                return float(((loc["latitude"] - lat) ** 2 + (loc["longitude"] - lng) ** 2) ** 0.5)

            items.sort(key=distance)
            if "max_distance" in query:  # metres, roughly 111 km per degree
                items = [p for p in items if distance(p) * 111_000 <= float(query["max_distance"])]
        limit = int(query.get("per_page", 25))
        return 200, {"count": len(items), "page": 1, "per_page": limit, "items": items[:limit]}

    def _statuses(self, *, query: dict[str, Any], body: Any) -> tuple[int, Any]:
        return 200, {
            "items": [
                {"name": n, "title": n.replace("_", " "), "description": ""} for n in SHIPX_STATUSES
            ]
        }
