"""The pure ShipX mapper: every expectation here is written out by hand.

No fake server is involved: the truths are Polish address conventions, the
ShipX documentation (cited per test) and InPost's own Magento plugin.
"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomflow.adapters.inpost import (
    InPostClient,
    InPostSettings,
    ServiceMismatch,
    create_payload,
    phone_number,
    split_street,
    to_shipment,
    to_tracking_events,
)
from ecomflow.adapters.protocols import WebhookRequest
from ecomflow.errors import EcomflowError, MappingError, UnsupportedService, ValidationFailed
from ecomflow.money import Money
from ecomflow.orders.models import Address, DeliveryMethod
from ecomflow.shipping import Parcel, ShipmentRequest, TrackingStatus
from ecomflow.testing import sample_order

SMALL = Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=6)


def request(
    reference: str = "shop-1001",
    *,
    method: str = "parcel_locker",
    service_id: str | None = None,
    parcel: Parcel = SMALL,
    cod: bool = False,
    street: str | None = None,
    phone: str | None = None,
    lines: dict[str, tuple[int, str]] | None = None,
) -> ShipmentRequest:
    order = sample_order("1001", method=method, cod=cod, lines=lines)
    made = ShipmentRequest.from_order(order, [parcel], service_id=service_id)
    receiver = made.receiver
    assert receiver is not None
    changes: dict[str, str] = {}
    if street is not None:
        changes["street"] = street
    if phone is not None:
        changes["phone"] = phone
    return made.model_copy(
        update={"reference": reference, "receiver": receiver.model_copy(update=changes)}
    )


# -- Polish street lines: street / building number / flat (issue 16 item 16) ---------------


@pytest.mark.parametrize(
    ("line", "street", "building", "flat"),
    [
        ("ul. Długa 1 m. 4", "Długa", "1", "4"),
        ("Długa 1 m. 4", "Długa", "1", "4"),
        ("Długa 1/4", "Długa", "1", "4"),
        ("Długa 1 / 4", "Długa", "1", "4"),
        ("Aleje Jerozolimskie 123A lok. 5", "Aleje Jerozolimskie", "123A", "5"),
        ("ul. Długa 1", "Długa", "1", None),
        ("Długa 12a", "Długa", "12a", None),
        ("3 Maja 5", "3 Maja", "5", None),
        ("ul. 29 Listopada 10 m 3", "29 Listopada", "10", "3"),
        ("Os. Tysiąclecia 12/34", "Os. Tysiąclecia", "12", "34"),
        ("Wielicka 28 lokal 2", "Wielicka", "28", "2"),
        ("Marszałkowska  104 ", "Marszałkowska", "104", None),
    ],
)
def test_street_lines_split_by_hand(
    line: str, street: str, building: str, flat: str | None
) -> None:
    parts = split_street(line)
    assert parts is not None
    assert (parts.street, parts.building, parts.flat) == (street, building, flat)


def test_a_street_without_a_number_does_not_split() -> None:
    assert split_street("Rynek") is None
    assert split_street("") is None


def test_courier_address_keeps_the_flat_with_the_building() -> None:
    """ "Długa 1 m. 4" is not street "Długa 1 m." and building "4".

    ShipX has no flat field; InPost's Magento plugin sends ``building/flat`` in
    ``building_number`` (Model/Order/Processor.php::getBuildingNumber).
    """
    body = create_payload(request(method="courier", street="Długa 1 m. 4"))
    assert body["receiver"]["address"] == {
        "street": "Długa",
        "building_number": "1/4",
        "city": "Kraków",
        "post_code": "31-147",
        "country_code": "PL",
    }
    body = create_payload(request(method="courier", street="Aleje Jerozolimskie 123A lok. 5"))
    assert body["receiver"]["address"]["street"] == "Aleje Jerozolimskie"
    assert body["receiver"]["address"]["building_number"] == "123A/5"


def test_courier_without_a_building_number_is_refused_before_any_call() -> None:
    with pytest.raises(ValidationFailed, match="has no building number") as info:
        create_payload(request(method="courier", street="Rynek"))
    assert [f.field for f in info.value.findings] == ["receiver.street"]


# -- phones: 9 digits, as InPost's plugin sends them ----------------------------------------


@pytest.mark.parametrize(
    ("raw", "sent"),
    [
        ("+48 600 100 200", "600100200"),
        ("+48 600-100-200", "600100200"),
        ("600-100-200", "600100200"),
        ("600 100 200", "600100200"),
        ("48600100200", "600100200"),
        ("0048 600 100 200", "600100200"),
        ("(+48) 600.100.200", "600100200"),
        ("+49 30 123456", None),
        ("600 100 20", None),
        ("６００１００２００", None),  # full-width digits are not ASCII digits
    ],
)
def test_phones_become_nine_digits(raw: str, sent: str | None) -> None:
    assert phone_number(raw) == sent


def test_payload_sends_the_phone_without_dashes_or_country_code() -> None:
    body = create_payload(request(phone="+48 600-100-200"))
    assert body["receiver"]["phone"] == "600100200"
    with pytest.raises(ValidationFailed, match=r"receiver\.phone"):
        create_payload(request(phone="+49 30 123456"))


# -- money: two decimals ----------------------------------------------------------------


def test_cod_and_insurance_have_two_decimals() -> None:
    # A request's Money may carry 3 decimals (49.005 PLN): ShipX gets 49.01 (half up).
    made = request(method="courier", cod=True).model_copy(
        update={"cod": Money("49.005", "PLN"), "value": Money("49.005", "PLN")}
    )
    body = create_payload(made)
    assert body["cod"] == {"amount": "49.01", "currency": "PLN"}
    assert body["insurance"] == {"amount": "49.01", "currency": "PLN"}
    body = create_payload(request(cod=True, lines={"MUG": (2, "24.5")}))
    assert body["cod"]["amount"] == "49.00"
    assert body["insurance"]["amount"] == "49.00"


# -- services: request.service_id is honoured -----------------------------------------------


@pytest.mark.parametrize(
    ("method", "service"),
    [
        ("parcel_locker", "inpost_locker_standard"),
        ("courier", "inpost_courier_standard"),
        ("courier", "inpost_courier_express_1000"),
        ("courier", "inpost_courier_express_1200"),
        ("courier", "inpost_courier_express_1700"),
    ],
)
def test_the_chosen_service_is_the_one_sent(method: str, service: str) -> None:
    assert create_payload(request(method=method, service_id=service))["service"] == service


def test_without_a_service_the_standard_one_for_the_method() -> None:
    assert create_payload(request(method="courier"))["service"] == "inpost_courier_standard"
    assert create_payload(request())["service"] == "inpost_locker_standard"


def test_an_unknown_or_unoffered_service_is_unsupported() -> None:
    with pytest.raises(UnsupportedService, match="no_such_service"):
        create_payload(request(service_id="no_such_service"))
    with pytest.raises(UnsupportedService, match="inpost_courier_express_1000"):
        create_payload(
            request(method="courier", service_id="inpost_courier_express_1000"),
            offered={"inpost_courier_standard"},
        )
    with pytest.raises(UnsupportedService):
        create_payload(request(method=DeliveryMethod.PICKUP.value))


def test_a_service_for_another_delivery_method_is_a_typed_error() -> None:
    with pytest.raises(ServiceMismatch, match="delivers by parcel_locker") as info:
        create_payload(request(method="courier", service_id="inpost_locker_standard"))
    assert isinstance(info.value, UnsupportedService)
    assert info.value.method is DeliveryMethod.COURIER
    with pytest.raises(ServiceMismatch):
        create_payload(request(service_id="inpost_courier_standard"))


# -- references: 3–100 characters (ShipX-doc 11731061) ---------------------------------------


@pytest.mark.parametrize("reference", ["12", "", "x" * 101])
def test_a_reference_outside_3_to_100_characters_is_refused(reference: str) -> None:
    with pytest.raises(ValidationFailed, match="3–100"):
        create_payload(request(reference))


@pytest.mark.parametrize("reference", ["abc", "x" * 100, "shop-12", "baselinker-1001"])
def test_references_of_3_to_100_characters_are_sent_as_they_are(reference: str) -> None:
    assert create_payload(request(reference))["reference"] == reference


def test_order_12_ships_with_the_order_id_as_its_reference() -> None:
    order = sample_order("12", method="parcel_locker")
    made = ShipmentRequest.from_order(order, [SMALL]).model_copy(update={"reference": order.id})
    assert create_payload(made)["reference"] == "shop-12"


# -- parcels --------------------------------------------------------------------------------


def test_locker_template_from_size() -> None:
    assert create_payload(request())["parcels"] == [{"template": "small"}]
    medium = Parcel(weight_kg=3, length_cm=60, width_cm=35, height_cm=15)
    assert create_payload(request(parcel=medium))["parcels"] == [{"template": "medium"}]
    large = Parcel(weight_kg=3, length_cm=60, width_cm=38, height_cm=40)
    assert create_payload(request(parcel=large))["parcels"] == [{"template": "large"}]


@pytest.mark.parametrize(
    ("parcel", "message"),
    [
        (Parcel(weight_kg=26, length_cm=30, width_cm=20, height_cm=6), "at most 25 kg"),
        (Parcel(weight_kg=2, length_cm=70, width_cm=40, height_cm=30), "41×38×64"),
    ],
)
def test_too_big_for_a_locker_is_refused_before_calling(parcel: Parcel, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        create_payload(request(parcel=parcel))


def test_courier_parcel_in_mm_and_kg() -> None:
    parcel = Parcel(weight_kg="27", length_cm="35.5", width_cm=25, height_cm=8)
    body = create_payload(request(method="courier", parcel=parcel))
    assert body["parcels"] == [
        {
            "dimensions": {"length": "355", "width": "250", "height": "80", "unit": "mm"},
            "weight": {"amount": "27", "unit": "kg"},
        }
    ]


def test_courier_parcel_over_30_kg_is_refused_before_calling() -> None:
    heavy = Parcel(weight_kg="31", length_cm=40, width_cm=30, height_cm=30)
    with pytest.raises(ValidationFailed, match="31 kg"):
        create_payload(request(method="courier", parcel=heavy))


def test_locker_needs_point_email_and_phone() -> None:
    bad = request()
    receiver = bad.receiver
    assert receiver is not None
    bad = bad.model_copy(
        update={
            "point_id": None,
            "receiver": receiver.model_copy(update={"email": None, "phone": None}),
        }
    )
    with pytest.raises(ValidationFailed) as info:
        create_payload(bad)
    assert {f.field for f in info.value.findings} == {
        "point_id",
        "receiver.email",
        "receiver.phone",
    }


def test_locker_order_keeps_its_point_as_sent() -> None:
    made = request().model_copy(update={"point_id": "WAW22M"})
    assert create_payload(made)["custom_attributes"] == {"target_point": "WAW22M"}


def test_courier_needs_a_name_postcode_and_city() -> None:
    made = request(method="courier")
    made = made.model_copy(
        update={"receiver": Address(name="Anna", street="Długa 1", postcode="31 147")}
    )
    with pytest.raises(ValidationFailed) as info:
        create_payload(made)
    assert {f.field for f in info.value.findings} == {
        "receiver.name",
        "receiver.postcode",
        "receiver.city",
    }


def test_sending_method_and_dropoff_point_go_in_custom_attributes() -> None:
    body = create_payload(request(), sending_method="parcel_locker", dropoff_point="KRA112")
    assert body["custom_attributes"] == {
        "target_point": "KRA010",
        "sending_method": "parcel_locker",
        "dropoff_point": "KRA112",
    }


# -- answers --------------------------------------------------------------------------------


def test_a_malformed_shipment_is_a_mapping_error() -> None:
    for bad in ({"status": "created"}, {"id": 1, "created_at": "yesterday"}, ["not", "a", "dict"]):
        with pytest.raises(MappingError):
            to_shipment(bad)
    with pytest.raises(MappingError):
        to_shipment({"id": 1, "created_at": "2026-11-24T10:00:00"})  # no offset


def test_tracking_events_oldest_first() -> None:
    events = to_tracking_events(
        {
            "tracking_number": "620000000000000000000001",
            "tracking_details": [
                {
                    "status": "delivered",
                    "origin_status": "DOR",
                    "agency": "KR1",
                    "datetime": "2026-11-25T10:00:00.000+01:00",
                },
                {
                    "status": "confirmed",
                    "origin_status": "PRZ",
                    "agency": None,
                    "datetime": "2026-11-24T10:00:00.000+01:00",
                },
            ],
        }
    )
    assert [e.status for e in events] == [TrackingStatus.LABEL_READY, TrackingStatus.DELIVERED]
    with pytest.raises(MappingError):
        to_tracking_events({"tracking_details": []})


def test_money_amounts_are_decimal_strings() -> None:
    body = create_payload(request(cod=True))
    assert Decimal(body["cod"]["amount"]) == Decimal("49.00")


# -- nothing but EcomflowError escapes (properties) -----------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
SHIPMENT_KEYS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON,
        "status": JSON,
        "tracking_number": JSON,
        "service": JSON,
        "reference": JSON,
        "created_at": JSON,
    },
)


@given(SHIPMENT_KEYS | JSON)
@settings(max_examples=150, deadline=None)
def test_any_shipment_answer_maps_or_is_a_mapping_error(data: object) -> None:
    with contextlib.suppress(MappingError):
        to_shipment(data)


WEBHOOK_API = InPostClient(InPostSettings(token="t", organization_id=1, webhook_token="h"))


@given(st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()))
@settings(max_examples=150, deadline=None)
def test_any_webhook_body_parses_or_is_a_typed_error(body: bytes) -> None:
    api = WEBHOOK_API
    incoming = WebhookRequest(headers={}, body=body, remote_addr="91.216.25.1", path_token="h")
    with contextlib.suppress(EcomflowError):
        api.parse_webhook(incoming)


@given(st.text(max_size=40), st.text(max_size=20))
@settings(max_examples=150, deadline=None)
def test_any_street_and_phone_map_or_are_refused(street: str, phone: str) -> None:
    with contextlib.suppress(ValidationFailed):
        create_payload(request(method="courier", street=street, phone=phone))
