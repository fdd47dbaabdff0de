r"""A fake Kurier Przykładowy API on a loopback port (README.md is its specification).

Built on :class:`ecomflow.testing.server.LoopbackServer`: routes, call
counters and fault injection come from the base. It keeps state, refuses what
the API refuses (a wrong token, invalid input, unknown ids, more than 50 ids,
cancelling after pickup, a label before confirmation) and can play the
carrier's side of webhooks.

>>> import httpx
>>> with FakeKurier(token="t0k") as fake:
...     auth = {"Authorization": "Bearer t0k"}
...     refused = httpx.get(f"{fake.url}/v1/shipments/KP1", headers={}).status_code
...     missing = httpx.get(f"{fake.url}/v1/shipments/KP1", headers=auth).status_code
>>> refused, missing, fake.calls["get_shipment"]
(401, 404, 2)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ecomflow.adapters import WebhookRequest
from ecomflow.testing.server import LoopbackServer, Reply, Request, Route

__all__ = ["FakeKurier"]

_SERVICES = {"standard": Decimal("31.5"), "express": Decimal("10")}  # max kg per parcel
_POSTCODE = re.compile(r"^\d{2}-\d{3}$")
_REFERENCE = re.compile(r"^[\x20-\x7e]{3,64}$")
_AMOUNT = re.compile(r"^\d{1,7}(\.\d{1,2})?$")
_AFTER_PICKUP = {"picked_up", "in_transit", "out_for_delivery", "delivered", "returned"}


def _error(status: int, code: str, message: str, /, **details: str) -> Reply:
    payload: dict[str, Any] = {"error": code, "message": message}
    if details:
        payload["details"] = details
    return Reply(status, payload)


class FakeKurier(LoopbackServer):
    """The fake API. ``auto_confirm=True`` confirms each shipment when it is created;
    ``rate_limit`` calls per second (README.md says 10) answer ``429`` beyond it.

    Attributes:
        shipments: id → the shipment object as the API would return it.
        events: tracking number → events, oldest first.
    """

    def __init__(
        self,
        token: str = "test-token",
        *,
        webhook_secret: str = "test-webhook-secret",
        auto_confirm: bool = False,
        rate_limit: int | None = None,
        keep_alive: bool = False,
    ) -> None:
        super().__init__(keep_alive=keep_alive)
        self.rate_limit = rate_limit
        self._recent: list[float] = []
        self.token = token
        self.webhook_secret = webhook_secret
        self.auto_confirm = auto_confirm
        self.shipments: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._state = threading.Lock()
        self._next = 0
        ident = r"([A-Za-z0-9_.%-]+)"
        self.routes = [
            Route("POST", "create_shipment", re.compile(r"^/v1/shipments$"), self._create),
            Route("GET", "list_shipments", re.compile(r"^/v1/shipments$"), self._list),
            Route("GET", "get_label", re.compile(rf"^/v1/shipments/{ident}/label$"), self._label),
            Route("GET", "get_shipment", re.compile(rf"^/v1/shipments/{ident}$"), self._get),
            Route(
                "DELETE", "cancel_shipment", re.compile(rf"^/v1/shipments/{ident}$"), self._cancel
            ),
            Route("GET", "get_tracking", re.compile(rf"^/v1/tracking/{ident}$"), self._tracking),
        ]

    @property
    def url(self) -> str:
        """The API root to put in ``ExampleCourierSettings.url``."""
        return self.base_url

    # -- the API's rules -------------------------------------------------------------------

    def authorize(self, request: Request, route: Route) -> Reply | None:
        """``Authorization: Bearer <token>`` or 401."""
        if request.header("Authorization") != f"Bearer {self.token}":
            return _error(401, "unauthorized", "invalid or missing token")
        if self.rate_limit is not None:
            with self._state:
                now = time.monotonic()
                self._recent = [t for t in self._recent if now - t < 1.0]
                if len(self._recent) >= self.rate_limit:
                    reply = _error(429, "rate_limited", "too many requests; retry later")
                    reply.headers["Retry-After"] = "1"
                    return reply
                self._recent.append(now)
        return None

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def _invalid(self, body: Any) -> dict[str, str]:
        """Field → problem for a create body (README.md, "Limits")."""
        if not isinstance(body, dict):
            return {"(body)": "must be a JSON object"}
        problems: dict[str, str] = {}
        unknown = set(body) - {"reference", "service", "receiver", "parcels", "cod"}
        problems |= dict.fromkeys(sorted(unknown), "unknown field")
        if not isinstance(body.get("reference"), str) or not _REFERENCE.match(body["reference"]):
            problems["reference"] = "3-64 printable ASCII characters"
        service = body.get("service")
        if service not in _SERVICES:
            problems["service"] = f"one of {', '.join(sorted(_SERVICES))}"
        receiver = body.get("receiver")
        if not isinstance(receiver, dict):
            problems["receiver"] = "required"
        else:
            for key in ("name", "street", "city"):
                if not isinstance(receiver.get(key), str) or not receiver[key].strip():
                    problems[f"receiver.{key}"] = "required"
            if receiver.get("country") != "PL":
                problems["receiver.country"] = "only PL"
            if not isinstance(receiver.get("postcode"), str) or not _POSTCODE.match(
                receiver["postcode"]
            ):
                problems["receiver.postcode"] = "NN-NNN"
            phone = receiver.get("phone")
            if phone is not None and not re.fullmatch(r"\+?\d{9,15}", str(phone)):
                problems["receiver.phone"] = "digits only, optional leading +"
        parcels = body.get("parcels")
        if not isinstance(parcels, list) or not 1 <= len(parcels) <= 10:
            problems["parcels"] = "1-10 parcels"
        else:
            limit = _SERVICES.get(str(service), Decimal("31.5"))
            for index, parcel in enumerate(parcels):
                problems |= self._parcel_problems(parcel, f"parcels.{index}", limit)
        cod = body.get("cod")
        if cod is not None:
            amount = cod.get("amount") if isinstance(cod, dict) else None
            if not isinstance(amount, str) or not _AMOUNT.match(amount):
                problems["cod.amount"] = "a decimal string with at most 2 decimals"
            elif Decimal(amount) > Decimal("5000"):
                problems["cod.amount"] = "at most 5000.00"
            if not isinstance(cod, dict) or cod.get("currency") != "PLN":
                problems["cod.currency"] = "only PLN"
        return problems

    @staticmethod
    def _parcel_problems(parcel: Any, where: str, limit: Decimal) -> dict[str, str]:
        if not isinstance(parcel, dict):
            return {where: "must be an object"}
        problems = {}
        try:
            weight = Decimal(str(parcel.get("weight_kg")))
            if not isinstance(parcel.get("weight_kg"), str) or weight <= 0:
                raise InvalidOperation
            if weight > limit:
                problems[f"{where}.weight_kg"] = f"at most {limit} kg for this service"
        except InvalidOperation:
            problems[f"{where}.weight_kg"] = "a positive decimal string"
        for key in ("length_cm", "width_cm", "height_cm"):
            value = parcel.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 120:
                problems[f"{where}.{key}"] = "whole centimetres, 1-120"
        return problems

    # -- routes ------------------------------------------------------------------------

    def _create(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "bad_json", "the body is not JSON")
        problems = self._invalid(body)
        if problems:
            return _error(422, "invalid", "the shipment is invalid", **problems)
        with self._state:
            self._next += 1
            shipment_id = f"KP{self._next:06d}"
            now = self._now()
            self.shipments[shipment_id] = {
                "id": shipment_id,
                "reference": body["reference"],
                "service": body["service"],
                "status": "created",
                "tracking_number": None,
                "receiver": body["receiver"],
                "parcels": body["parcels"],
                "cod": body.get("cod"),
                "created_at": now,
                "updated_at": now,
            }
        if self.auto_confirm:
            self.confirm(shipment_id)
        return Reply(201, self.shipments[shipment_id])

    def _list(self, request: Request) -> Reply:
        ids, reference = request.query.get("id", []), request.param("reference")
        if bool(ids) == (reference is not None):
            return _error(422, "invalid", "give either reference or id (1-50 times)")
        if len(ids) > 50:
            return _error(422, "invalid", "at most 50 ids", id="at most 50")
        with self._state:
            if reference is not None:
                found = [s for s in self.shipments.values() if s["reference"] == reference]
                found.sort(key=lambda s: s["id"], reverse=True)  # newest first
            else:
                found = [self.shipments[i] for i in dict.fromkeys(ids) if i in self.shipments]
        return Reply(200, {"items": found})

    def _get(self, request: Request, shipment_id: str) -> Reply:
        found = self.shipments.get(shipment_id)
        return Reply(200, found) if found else _error(404, "not_found", "no such shipment")

    def _label(self, request: Request, shipment_id: str) -> Reply:
        found = self.shipments.get(shipment_id)
        if found is None:
            return _error(404, "not_found", "no such shipment")
        kind, size = request.param("format") or "pdf", request.param("size") or "A6"
        if kind not in ("pdf", "zpl") or size not in ("A6", "A4"):
            return _error(422, "invalid", "format pdf|zpl, size A6|A4")
        if found["status"] == "cancelled":
            return _error(409, "cancelled", "the shipment is cancelled")
        if found["tracking_number"] is None:
            return _error(409, "not_confirmed", "the shipment is not confirmed yet")
        number = found["tracking_number"]
        if kind == "zpl":
            return Reply(
                200, body=f"^XA^FO50,50^FD{number}^FS^XZ".encode(), content_type="text/plain"
            )
        return Reply(200, body=_pdf(number), content_type="application/pdf")

    def _cancel(self, request: Request, shipment_id: str) -> Reply:
        with self._state:
            found = self.shipments.get(shipment_id)
            if found is None:
                return _error(404, "not_found", "no such shipment")
            if found["status"] in _AFTER_PICKUP:
                return _error(409, "already_picked_up", "the courier has the parcel")
            found["status"] = "cancelled"
            found["updated_at"] = self._now()
        return Reply(204)

    def _tracking(self, request: Request, number: str) -> Reply:
        events = self.events.get(number)
        if events is None:
            return _error(404, "not_found", "no such tracking number")
        return Reply(200, {"tracking_number": number, "events": list(reversed(events))})

    # -- what the carrier does on its side (tests and demos call these) ---------------------

    def confirm(self, shipment_id: str) -> str:
        """Buy the label: a tracking number, status ``confirmed``; returns the number."""
        with self._state:
            found = self.shipments[shipment_id]
            if found["tracking_number"] is None:
                number = f"KP{int(found['id'][2:]):010d}PL"
                found["tracking_number"] = number
                found["status"] = "confirmed"
                found["updated_at"] = self._now()
                self.events[number] = [
                    {
                        "at": found["updated_at"],
                        "status": "confirmed",
                        "location": None,
                        "description": "Etykieta utworzona",
                    }
                ]
            confirmed: str = found["tracking_number"]
            return confirmed

    def advance(
        self, shipment_id: str, status: str, *, location: str | None = None, at: str | None = None
    ) -> None:
        """Move a confirmed shipment on (``picked_up``, ``in_transit``…), with an event."""
        with self._state:
            found = self.shipments[shipment_id]
            number = found["tracking_number"]
            if number is None:
                raise ValueError(f"confirm {shipment_id} before it can move on")
            found["status"] = status
            found["updated_at"] = at or self._now()
            self.events[number].append(
                {
                    "at": found["updated_at"],
                    "status": status,
                    "location": location,
                    "description": None,
                }
            )

    def live_with(self, reference: str) -> int:
        """How many shipments with ``reference`` are not cancelled."""
        with self._state:
            return sum(
                1
                for s in self.shipments.values()
                if s["reference"] == reference and s["status"] != "cancelled"
            )

    def webhook(
        self, shipment_id: str, *, secret: str | None = None, timestamp: int | None = None
    ) -> WebhookRequest:
        """The ``shipment.status_changed`` delivery the API would send now (README.md)."""
        found = self.shipments[shipment_id]
        body = json.dumps(
            {
                "event": "shipment.status_changed",
                "shipment": {
                    "id": found["id"],
                    "reference": found["reference"],
                    "status": found["status"],
                    "tracking_number": found["tracking_number"],
                },
            }
        ).encode()
        return signed(body, secret or self.webhook_secret, timestamp=timestamp)


def signed(
    body: bytes,
    secret: str,
    *,
    event: str = "shipment.status_changed",
    timestamp: int | None = None,
) -> WebhookRequest:
    """A delivery of ``body`` signed as README.md says (base64 HMAC of ``"<ts>." + body``)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-KP-Event": event,
        "X-KP-Delivery": str(uuid.uuid4()),
        "X-KP-Timestamp": stamp,
        "X-KP-Signature": base64.b64encode(digest).decode(),
    }
    return WebhookRequest(headers=headers, body=body, remote_addr="127.0.0.1")


def _pdf(text: str) -> bytes:
    """A tiny one-page PDF label that shows ``text``."""
    stream = b"BT /F1 18 Tf 20 200 Td (%s) Tj ET" % text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
