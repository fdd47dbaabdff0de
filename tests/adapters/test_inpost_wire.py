"""The ShipX client against independent truths, not against FakeShipX.

- Answers hand-written in the documented shapes (``httpx.MockTransport``), each
  citing its ShipX documentation page (dokumentacja-inpost.atlassian.net).
- Request bodies compared field by field with InPost's own Magento plugin
  (``InPost-Magento/smartmage_inpost`` commit 308d725, the ``setSampleData``
  bodies of ``Model/ApiShipx/Service/Shipment/Create/Courier.php`` and
  ``Create/Locker.php``), the well-kept implementation of the same API.
  (karrio, named in the brief, has no InPost/ShipX connector: see
  ``shared/reference/karrio.md`` §1–2.)
- The status table against the status list written out from the reference
  (:data:`ecomflow.testing.shipx.REFERENCE_STATUSES`) and against
  python-sendparcel-inpost's mapping (``src/sendparcel_inpost/status_mapping.py``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ecomflow.adapters.inpost import (
    SHIPX_STATUSES,
    AsyncInPostClient,
    InPostClient,
    InPostSettings,
    create_payload,
    tracking_status,
)
from ecomflow.adapters.protocols import WebhookRequest
from ecomflow.errors import InvalidRequest, LabelNotReady
from ecomflow.http import RetryPolicy
from ecomflow.shipping import Parcel, ShipmentRequest, TrackingStatus
from ecomflow.testing import sample_order
from ecomflow.testing.shipx import REFERENCE_STATUSES

FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)
SMALL = Parcel(weight_kg="1", length_cm=30, width_cm=20, height_cm=6)
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, **settings: Any) -> InPostClient:
    made = InPostSettings(token="t0k", organization_id=1234, url="https://shipx.test", **settings)
    return InPostClient(made, retry=FAST, transport=httpx.MockTransport(handler))


def request(method: str = "courier", reference: str = "shop-1001") -> ShipmentRequest:
    order = sample_order("1001", method=method, cod=True)
    return ShipmentRequest.from_order(order, [SMALL]).model_copy(update={"reference": reference})


# -- documented answers ------------------------------------------------------------------

#: ShipX-doc 12091523 ("Anulowanie przesyłki"): the answer to cancelling a confirmed shipment.
CANCEL_REFUSED = {
    "status": 400,
    "error": "invalid_action",
    "message": "Action (cancel) can not be taken on shipment with status (confirmed). ",
    "details": {"action": "cancel", "shipment_status": "confirmed"},
}

#: ShipX-doc 18153485 ("Shipment"): the example shipment, returned to the sender.
SHIPMENT_EXAMPLE = {
    "href": "https://api-shipx-pl.easypack24.net/v1/shipments/123456789",
    "id": 123456789,
    "status": "returned_to_sender",
    "tracking_number": "523000015611700083038270",
    "return_tracking_number": "522107010621008001205984",
    "service": "inpost_courier_standard",
}


def test_cancelling_a_confirmed_shipment_says_why_with_the_documented_answer() -> None:
    seen: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(f"{req.method} {req.url.path}")
        if req.method == "DELETE":
            return httpx.Response(400, json=CANCEL_REFUSED)
        return httpx.Response(200, json={"id": 5, "status": "confirmed", "tracking_number": "6"})

    with pytest.raises(
        InvalidRequest, match="cannot cancel shipment 5 in status 'confirmed'"
    ) as info:
        client(handler).cancel_shipment("5")
    assert info.value.code == "invalid_action"
    assert info.value.details == {"action": "cancel", "shipment_status": "confirmed"}
    assert seen == ["DELETE /v1/shipments/5", "GET /v1/shipments/5"]


def test_cancelling_again_is_harmless() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.method == "DELETE":
            refused = {
                **CANCEL_REFUSED,
                "details": {"action": "cancel", "shipment_status": "canceled"},
            }
            return httpx.Response(400, json=refused)
        return httpx.Response(200, json={"id": 5, "status": "canceled"})

    assert client(handler).cancel_shipment("5") is None


def test_cancel_is_a_204_without_body() -> None:
    """``HTTP/1.1 204: No Content`` (ShipX-doc 28639256)."""
    assert client(lambda r: httpx.Response(204)).cancel_shipment("5") is None


def test_the_documented_shipment_example_reads() -> None:
    shipment = client(lambda r: httpx.Response(200, json=SHIPMENT_EXAMPLE)).get_shipment(
        "123456789"
    )
    assert shipment.status is TrackingStatus.RETURNED
    assert shipment.tracking_number == "523000015611700083038270"
    assert shipment.service == "inpost_courier_standard"


def test_label_not_ready_from_the_documented_error_key() -> None:
    """``invalid_action`` — shipment not yet confirmed (ShipX-doc 18153509)."""
    refused = {"status": 400, "error": "invalid_action", "message": "x", "details": {}}
    with pytest.raises(LabelNotReady):
        client(lambda r: httpx.Response(400, json=refused)).get_label("5")


def test_bulk_read_uses_the_documented_id_filter_and_reads_every_page() -> None:
    """``GET /v1/organizations/:id/shipments?id=1,2`` (ShipX-doc 28639266); pages of
    ``{href, count, page, per_page, items}`` (reference §1)."""
    asked: list[dict[str, list[str]]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        query = parse_qs(urlsplit(str(req.url)).query)
        asked.append(query)
        page = int(query.get("page", ["1"])[0])
        items = [{"id": 11, "status": "confirmed", "tracking_number": "611"}] if page == 1 else []
        if page == 2:
            items = [{"id": 12, "status": "created"}]
        return httpx.Response(
            200, json={"href": "", "count": 2, "page": page, "per_page": 1, "items": items}
        )

    found = client(handler).get_shipments(["12", "11", "nope", "11"])
    assert [s.id for s in found] == ["12", "11"]
    assert [q["id"] for q in asked] == [["12,11"], ["12,11"]]
    assert [q["page"] for q in asked] == [["1"], ["2"]]


def test_look_up_sends_only_documented_filters_and_matches_the_reference_itself() -> None:
    """ShipX documents no ``reference`` filter (ShipX-doc 28639266): the client reads
    the list newest first and compares ``reference`` itself, page after page."""
    asked: list[dict[str, list[str]]] = []
    created: list[Any] = []

    def handler(req: httpx.Request) -> httpx.Response:
        if req.method == "POST":
            created.append(json.loads(req.content))
            return httpx.Response(201, json={"id": 99, "status": "created"})
        query = parse_qs(urlsplit(str(req.url)).query)
        asked.append(query)
        page = int(query["page"][0])
        others = [{"id": 50 - i, "status": "confirmed", "reference": f"shop-{i}"} for i in range(2)]
        items = others if page == 1 else [{"id": 7, "status": "created", "reference": "shop-1001"}]
        return httpx.Response(200, json={"count": 3, "page": page, "per_page": 2, "items": items})

    found = client(handler).create_shipment(request())
    assert found.id == "7" and created == []
    assert set(asked[0]) == {"sort_by", "sort_order", "created_at_gteq", "page"}
    assert asked[0]["sort_by"] == ["created_at"] and asked[0]["sort_order"] == ["desc"]
    assert len(asked) == 2


# -- the body against InPost's own plugin ---------------------------------------------------

#: The keys of magento's Create/Courier.php::setSampleData body (nested dicts as key sets).
MAGENTO_COURIER = {
    "receiver": {
        "company_name": None,
        "first_name": None,
        "last_name": None,
        "email": None,
        "phone": None,
        "address": {
            "street": None,
            "building_number": None,
            "city": None,
            "post_code": None,
            "country_code": None,
        },
    },
    "parcels": {
        "dimensions": {"length": None, "width": None, "height": None, "unit": None},
        "weight": {"amount": None, "unit": None},
    },
    "insurance": {"amount": None, "currency": None},
    "cod": {"amount": None, "currency": None},
    "custom_attributes": {"sending_method": None, "target_point": None, "dropoff_point": None},
    "service": None,
    "reference": None,
    "comments": None,
}
#: magento Create/Locker.php::setSampleData.
MAGENTO_LOCKER_PARCEL = {"template": None}


def _extra_keys(sent: Any, allowed: Any, path: str = "") -> list[str]:
    if isinstance(sent, list):
        return [k for item in sent for k in _extra_keys(item, allowed, path)]
    if not isinstance(sent, dict):
        return []
    extra = []
    for key, value in sent.items():
        if key not in allowed:
            extra.append(f"{path}{key}")
        elif isinstance(allowed[key], dict):
            extra += _extra_keys(value, allowed[key], f"{path}{key}.")
    return extra


def test_courier_body_uses_only_the_fields_inposts_plugin_sends() -> None:
    body = create_payload(request("courier"), sending_method="dispatch_order")
    assert _extra_keys(body, MAGENTO_COURIER) == []
    assert body["parcels"][0]["dimensions"]["unit"] == "mm"
    assert body["parcels"][0]["weight"]["unit"] == "kg"
    # magento's sample: "phone" => "888000000", "post_code" => "02-677"
    assert body["receiver"]["phone"].isdigit() and len(body["receiver"]["phone"]) == 9
    assert body["receiver"]["address"]["post_code"] == "31-147"


def test_locker_body_uses_only_the_fields_inposts_plugin_sends() -> None:
    allowed = {**MAGENTO_COURIER, "parcels": MAGENTO_LOCKER_PARCEL}
    body = create_payload(request("parcel_locker"))
    assert _extra_keys(body, allowed) == []
    assert body["custom_attributes"] == {"target_point": "KRA010"}


# -- the status table against the reference's list -----------------------------------------

#: What each reference group means, written out by hand; exceptions named per status.
GROUP_MEANING = {
    "creation": TrackingStatus.CREATED,
    "collection from sender": TrackingStatus.PICKED_UP,
    "in transit": TrackingStatus.IN_TRANSIT,
    "out for delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "awaiting pickup": TrackingStatus.READY_FOR_PICKUP,
    "delivery failures": TrackingStatus.EXCEPTION,
    "rerouting": TrackingStatus.IN_TRANSIT,
    "python-sendparcel": TrackingStatus.EXCEPTION,
}
BY_NAME = {
    "confirmed": TrackingStatus.LABEL_READY,
    "pickup_time_expired": TrackingStatus.EXCEPTION,
    "delivered": TrackingStatus.DELIVERED,
    "avizo": TrackingStatus.READY_FOR_PICKUP,
    "claimed": TrackingStatus.EXCEPTION,
    "returned_to_sender": TrackingStatus.RETURNED,
    "return_pickup_confirmation_to_sender": TrackingStatus.RETURNED,
    "canceled": TrackingStatus.CANCELLED,
    "other": TrackingStatus.UNKNOWN,
    "missing": TrackingStatus.EXCEPTION,
    "rejected_by_receiver": TrackingStatus.RETURNING,
    "delay_in_delivery": TrackingStatus.EXCEPTION,
    "stack_in_customer_service_point": TrackingStatus.READY_FOR_PICKUP,
    "stack_parcel_pickup_time_expired": TrackingStatus.EXCEPTION,
    "unstack_from_customer_service_point": TrackingStatus.IN_TRANSIT,
    "courier_avizo_in_customer_service_point": TrackingStatus.READY_FOR_PICKUP,
    "taken_by_courier_from_customer_service_point": TrackingStatus.IN_TRANSIT,
    "stack_in_box_machine": TrackingStatus.READY_FOR_PICKUP,
    "unstack_from_box_machine": TrackingStatus.IN_TRANSIT,
    "stack_parcel_in_box_machine_pickup_time_expired": TrackingStatus.EXCEPTION,
}


def test_every_reference_status_is_mapped_as_the_reference_groups_it() -> None:
    names = [name for group in REFERENCE_STATUSES.values() for name in group]
    assert len(names) == len(set(names)) >= 50
    assert sorted(set(names) - set(SHIPX_STATUSES)) == []  # none falls to UNKNOWN by default
    assert sorted(set(SHIPX_STATUSES) - set(names)) == []  # no invented status either
    for group, members in REFERENCE_STATUSES.items():
        for name in members:
            expected = BY_NAME.get(name, GROUP_MEANING.get(group))
            assert tracking_status(name) is expected, (group, name)


#: python-sendparcel-inpost status_mapping.py (commit 074680c), its vocabulary → ours.
SENDPARCEL = {
    "CREATED": ["created", "offers_prepared", "offer_selected"],
    "LABEL_READY": ["confirmed"],
    "DELIVERED": ["delivered"],
    "CANCELLED": ["canceled"],
    "RETURNED": ["returned_to_sender"],
    "FAILED": ["rejected_by_receiver", "undelivered", "oversized", "missing", "claim_created"],
}
SENDPARCEL_MEANS = {
    "CREATED": {TrackingStatus.CREATED},
    "LABEL_READY": {TrackingStatus.LABEL_READY},
    "DELIVERED": {TrackingStatus.DELIVERED},
    "CANCELLED": {TrackingStatus.CANCELLED},
    "RETURNED": {TrackingStatus.RETURNED},
    "FAILED": {TrackingStatus.EXCEPTION, TrackingStatus.RETURNING},
}


def test_the_status_table_agrees_with_python_sendparcel() -> None:
    for theirs, names in SENDPARCEL.items():
        for name in names:
            assert tracking_status(name) in SENDPARCEL_MEANS[theirs], name


# -- webhooks: the documented envelope ------------------------------------------------------

#: ShipX-doc 18153494 ("Webhooks"): the envelope, with the documented event_ts format.
WEBHOOK = {
    "event_ts": "2020-03-20 15:08:42 +0100",
    "event": "shipment_status_changed",
    "organization_id": 1234,
    "payload": {
        "shipment_id": 49,
        "status": "delivered",
        "tracking_number": "602677439331630337653846",
    },
}


def test_documented_webhook_becomes_one_shipment_event_on_both_twins() -> None:
    settings = InPostSettings(token="t", organization_id=1234, webhook_token="hook-secret")
    incoming = WebhookRequest(
        headers={},
        body=json.dumps(WEBHOOK).encode(),
        remote_addr="91.216.25.3",
        path_token="hook-secret",
    )
    [event] = InPostClient(settings).parse_webhook(incoming)
    assert (event.shipment_id, event.tracking_number, event.topic) == (
        "49",
        "602677439331630337653846",
        "shipment_status_changed",
    )
    assert event.delivery_id == "shipment_status_changed:49:delivered:2020-03-20 15:08:42 +0100"

    async def twin() -> Any:
        async with AsyncInPostClient(settings) as api:
            return api.parse_webhook(incoming)

    assert asyncio.run(twin()) == [event]
