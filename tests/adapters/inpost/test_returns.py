"""InPost return labels: the mapper's body (written out by hand) and FakeShipX's refusals.

The truths: ShipX-doc 11731061 (reference §2) — ``receiver`` is not required when
``is_return=true``, the organization's data is used; the customer who posts the
parcel is sent as ``sender`` (UNCONFIRMED, see the mapper); a locker service needs
a target point — for a return, the shop's ``return_point``. The fake is checked
with raw HTTP bodies, not with the mapper's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ecomflow.adapters.inpost import InPostClient, InPostSettings, create_payload
from ecomflow.errors import ValidationFailed
from ecomflow.http import RetryPolicy
from ecomflow.money import Money
from ecomflow.shipping import Parcel, ShipmentRequest
from ecomflow.testing import FakeShipX, sample_order

TOKEN = "shipx-returns-token"
SMALL = Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=6)
FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)

#: Anna Nowak, ul. Długa 1, 31-147 Kraków, +48 600 100 200 (``sample_order``), by hand.
CUSTOMER_CONTACT = {
    "first_name": "Anna",
    "last_name": "Nowak",
    "email": "anna@example.com",
    "phone": "600100200",
}
CUSTOMER_ADDRESS = {
    "street": "Długa",
    "building_number": "1",
    "city": "Kraków",
    "post_code": "31-147",
    "country_code": "PL",
}


def return_request(method: str = "courier", **update: Any) -> ShipmentRequest:
    """The return label of order shop-1001 (what ``return_label_request`` builds)."""
    order = sample_order("1001", method=method)
    made = ShipmentRequest.from_order(order, [SMALL])
    return made.model_copy(
        update={"reference": "RMA-2026-11-000001", "is_return": True, "cod": None, **update}
    )


# -- the mapper, against bodies written out by hand ----------------------------------------


def test_a_courier_return_sends_the_customer_as_sender_and_no_receiver() -> None:
    assert create_payload(return_request()) == {
        "service": "inpost_courier_standard",
        "reference": "RMA-2026-11-000001",
        "is_return": True,
        "sender": {**CUSTOMER_CONTACT, "address": CUSTOMER_ADDRESS},
        "parcels": [
            {
                "dimensions": {"length": "300", "width": "200", "height": "60", "unit": "mm"},
                "weight": {"amount": "1.2", "unit": "kg"},
            }
        ],
    }


def test_a_locker_return_goes_to_the_shops_return_locker_not_the_customers() -> None:
    body = create_payload(
        return_request("parcel_locker"),
        return_point="KRA112",
        sending_method="parcel_locker",
        dropoff_point="KRA010",
    )
    assert body == {
        "service": "inpost_locker_standard",
        "reference": "RMA-2026-11-000001",
        "is_return": True,
        "sender": CUSTOMER_CONTACT,
        "parcels": [{"template": "small"}],
        "custom_attributes": {"target_point": "KRA112"},
    }


def test_a_locker_return_without_return_point_names_the_setting() -> None:
    with pytest.raises(ValidationFailed, match=r"return_point in \[carriers.inpost\]") as info:
        create_payload(return_request("parcel_locker"))
    assert [f.field for f in info.value.findings] == ["return_point"]
    assert "return shipment 'RMA-2026-11-000001'" in str(info.value)


def test_a_return_without_the_customer_or_with_cod_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        create_payload(return_request(receiver=None, cod=Money("10", "PLN")))
    assert {f.field for f in info.value.findings} == {"sender", "cod"}
    order = sample_order("1001")
    assert order.delivery_address is not None
    nameless = order.delivery_address.model_copy(update={"name": "Anna", "street": "Rynek"})
    with pytest.raises(ValidationFailed) as info:
        create_payload(return_request(receiver=nameless))
    assert {f.field for f in info.value.findings} == {"sender.name", "sender.street"}


def test_an_outbound_shipment_is_unchanged() -> None:
    body = create_payload(ShipmentRequest.from_order(sample_order("1001"), [SMALL]))
    assert "is_return" not in body
    assert "sender" not in body
    assert body["receiver"] == {**CUSTOMER_CONTACT, "address": CUSTOMER_ADDRESS}


# -- FakeShipX refuses what ShipX would, from raw bodies -------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeShipX]:
    with FakeShipX(token=TOKEN, confirm_after=0) as server:
        yield server


def post(fake: FakeShipX, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{fake.url}/v1/organizations/{fake.organization_id}/shipments",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


COURIER_PARCEL = {
    "dimensions": {"length": "300", "width": "200", "height": "60", "unit": "mm"},
    "weight": {"amount": "1.2", "unit": "kg"},
}


def test_the_fake_still_wants_a_receiver_unless_it_is_a_return(fake: FakeShipX) -> None:
    outbound = {"service": "inpost_courier_standard", "reference": "shop-1", "parcels": []}
    outbound["parcels"] = [COURIER_PARCEL]
    answer = post(fake, outbound)
    assert answer.status_code == 422
    assert answer.json()["details"]["receiver"] == ["required"]
    returned = post(fake, {**outbound, "is_return": False})
    assert returned.status_code == 422


def test_the_fake_refuses_a_return_without_its_sender(fake: FakeShipX) -> None:
    body = {
        "service": "inpost_courier_standard",
        "reference": "RMA-1",
        "is_return": True,
        "parcels": [COURIER_PARCEL],
    }
    answer = post(fake, body)
    assert answer.status_code == 422
    assert answer.json()["details"] == {"sender": ["required"]}
    half = post(fake, {**body, "sender": {"email": "anna@example.com"}})
    assert half.status_code == 422
    assert set(half.json()["details"]["sender"]) == {"name", "address"}
    locker = {
        "service": "inpost_locker_standard",
        "reference": "RMA-2",
        "is_return": True,
        "sender": {"email": "anna@example.com", "phone": "60010"},
        "parcels": [{"template": "small"}],
    }
    refused = post(fake, locker).json()["details"]
    assert refused["sender"] == {"phone": ["invalid"]}
    assert refused["custom_attributes"] == {"target_point": ["required"]}
    assert fake.shipments == {}


def test_the_fake_accepts_a_valid_return_for_the_organization(fake: FakeShipX) -> None:
    sender = {
        "first_name": "Anna",
        "last_name": "Nowak",
        "email": "anna@example.com",
        "phone": "600100200",
        "address": {
            "street": "Długa",
            "building_number": "1",
            "city": "Kraków",
            "post_code": "31-147",
            "country_code": "PL",
        },
    }
    answer = post(
        fake,
        {
            "service": "inpost_courier_standard",
            "reference": "RMA-3",
            "is_return": True,
            "sender": sender,
            "parcels": [COURIER_PARCEL],
        },
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["is_return"] is True
    assert made["sender"] == sender
    assert made["receiver"] == fake.organization
    locker = post(
        fake,
        {
            "service": "inpost_locker_standard",
            "reference": "RMA-4",
            "is_return": True,
            "sender": {"email": "anna@example.com", "phone": "600100200"},
            "parcels": [{"template": "small"}],
            "custom_attributes": {"target_point": "KRA112"},
        },
    )
    assert locker.status_code == 201, locker.text


# -- the client: settings → body → the fake ---------------------------------------------------


def client(fake: FakeShipX, **extra: Any) -> InPostClient:
    settings = InPostSettings(
        token=TOKEN, organization_id=fake.organization_id, url=fake.url, timeout=2.0, **extra
    )
    return InPostClient(settings, retry=FAST)


def test_the_client_buys_a_locker_return_once_even_when_the_answer_is_lost(
    fake: FakeShipX,
) -> None:
    api = client(fake, return_point="WAW22M")
    fake.inject("create_shipment", "drop_after_write")
    made = api.create_shipment(return_request("parcel_locker"), first_attempt=True)
    again = api.create_shipment(return_request("parcel_locker"))
    assert made.id == again.id
    [stored] = fake.shipments.values()
    assert stored["is_return"] is True
    assert stored["custom_attributes"] == {"target_point": "WAW22M"}
    api.close()


def test_without_return_point_nothing_reaches_shipx(fake: FakeShipX) -> None:
    api = client(fake)
    with pytest.raises(ValidationFailed, match="return_point"):
        api.create_shipment(return_request("parcel_locker"), first_attempt=True)
    assert fake.calls["create_shipment"] == 0
    api.close()


def test_return_point_is_a_setting() -> None:
    settings = InPostSettings.model_validate(
        {"token": "t", "organization_id": 1, "return_point": "KRA112"}
    )
    assert settings.return_point == "KRA112"
    with pytest.raises(ValueError):
        InPostSettings.model_validate({"token": "t", "organization_id": 1, "return_point": ""})
