from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecomflow.adapters import ShipmentProvider, TrackingSource, get
from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.inpost import (
    SHIPX_STATUSES,
    AsyncInPostClient,
    InPostClient,
    InPostSettings,
    WebhookGuard,
    create_payload,
    parse_webhook,
)
from ecomflow.errors import (
    InvalidRequest,
    LabelNotReady,
    NotFound,
    RemoteAPIError,
    SignatureVerificationError,
    ValidationFailed,
)
from ecomflow.http import RateLimiter, RetryPolicy
from ecomflow.orders import StatusMap
from ecomflow.shipping import Parcel, ShipmentRequest, TrackingStatus
from ecomflow.testing import FakeBaseLinker, FakeShipX, sample_order
from ecomflow.testing.conformance import ShipmentProviderConformance

TOKEN = "shipx-secret-token-91"
FAST = RetryPolicy(attempts=4, jitter=0, base=0.01, sleep=lambda s: None)
SMALL = Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=6)


def request(
    number: str = "1001", method: str = "parcel_locker", parcel: Parcel = SMALL, cod: bool = False
) -> ShipmentRequest:
    return ShipmentRequest.from_order(sample_order(number, method=method, cod=cod), [parcel])


@pytest.fixture
def fake() -> Iterator[FakeShipX]:
    with FakeShipX(token=TOKEN, confirm_after=0) as server:
        yield server


def client(fake: FakeShipX, token: str = TOKEN) -> InPostClient:
    settings = InPostSettings(
        token=token, organization_id=fake.organization_id, url=fake.url, timeout=1.0
    )
    return InPostClient(settings, retry=FAST)


# -- statuses ------------------------------------------------------------------------------

ALL_SHIPX = [
    "created",
    "offers_prepared",
    "offer_selected",
    "confirmed",
    "dispatched_by_sender",
    "dispatched_by_sender_to_pok",
    "collected_from_sender",
    "taken_by_courier",
    "taken_by_courier_from_pok",
    "adopted_at_source_branch",
    "sent_from_source_branch",
    "adopted_at_sorting_center",
    "sent_from_sorting_center",
    "adopted_at_target_branch",
    "out_for_delivery",
    "out_for_delivery_to_address",
    "ready_to_pickup",
    "ready_to_pickup_from_pok",
    "ready_to_pickup_from_pok_registered",
    "ready_to_pickup_from_branch",
    "pickup_reminder_sent",
    "pickup_reminder_sent_address",
    "pickup_time_expired",
    "delivered",
    "avizo",
    "claimed",
    "returned_to_sender",
    "return_pickup_confirmation_to_sender",
    "canceled",
    "other",
    "missing",
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
    "delay_in_delivery",
    "redirect_to_box",
    "canceled_redirect_to_box",
    "readdressed",
    "stack_in_customer_service_point",
    "stack_parcel_pickup_time_expired",
    "unstack_from_customer_service_point",
    "courier_avizo_in_customer_service_point",
    "taken_by_courier_from_customer_service_point",
    "stack_in_box_machine",
    "unstack_from_box_machine",
    "stack_parcel_in_box_machine_pickup_time_expired",
    "claim_created",
]


def test_every_shipx_status_is_mapped() -> None:
    assert len(ALL_SHIPX) >= 50
    missing = [name for name in ALL_SHIPX if name not in SHIPX_STATUSES]
    assert missing == []
    assert SHIPX_STATUSES["delivered"] is TrackingStatus.DELIVERED
    assert SHIPX_STATUSES["undelivered"] is TrackingStatus.EXCEPTION
    assert SHIPX_STATUSES["returned_to_sender"] is TrackingStatus.RETURNED


# -- payloads and validation before any call ---------------------------------------------------


def test_locker_payload_picks_template_from_size() -> None:
    medium = Parcel(weight_kg=3, length_cm=60, width_cm=35, height_cm=15)
    body = create_payload(request(parcel=medium))
    assert body["parcels"] == [{"template": "medium"}]
    assert body["custom_attributes"] == {"target_point": "KRA010"}
    assert body["reference"] == "1001"
    assert body["receiver"]["phone"] == "600100200"


def test_courier_payload_with_cod_and_insurance() -> None:
    body = create_payload(request(method="courier", cod=True))
    assert body["service"] == "inpost_courier_standard"
    assert body["receiver"]["address"]["building_number"] == "1"
    assert body["parcels"][0]["weight"] == {"amount": "1.2", "unit": "kg"}
    assert body["cod"] == {"amount": "49.00", "currency": "PLN"}
    assert body["insurance"]["amount"] == "49.00"


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


def test_locker_needs_point_email_and_phone() -> None:
    bad = request()
    bad = bad.model_copy(
        update={
            "point_id": None,
            "receiver": bad.receiver.model_copy(  # type: ignore[union-attr]
                update={"email": None, "phone": None}
            ),
        }
    )
    with pytest.raises(ValidationFailed) as info:
        create_payload(bad)
    for word in ("point id", "e-mail", "phone"):
        assert word in str(info.value)


# -- the client against the fake ---------------------------------------------------------


def test_create_confirm_label_track_cancel(fake: FakeShipX) -> None:
    api = client(fake)
    assert isinstance(api, ShipmentProvider)
    assert isinstance(api, TrackingSource)
    shipment = api.create_shipment(request())
    assert shipment.status is TrackingStatus.CREATED
    assert shipment.tracking_number is None
    confirmed = api.wait_until_confirmed(shipment.id, timeout=5)
    assert confirmed.tracking_number
    label = api.get_label(shipment.id)
    assert label.is_pdf
    zpl = api.get_label(shipment.id, format="zpl")
    assert zpl.content.startswith(b"^XA")
    fake.advance(shipment.id, "out_for_delivery")
    fake.advance(shipment.id, "delivered")
    events = api.get_tracking(confirmed.tracking_number or "")
    assert [e.status for e in events][-2:] == [
        TrackingStatus.OUT_FOR_DELIVERY,
        TrackingStatus.DELIVERED,
    ]
    second = api.create_shipment(request("2002"))
    api.cancel_shipment(second.id)
    assert api.get_shipment(second.id).status is TrackingStatus.CANCELLED


def test_label_not_ready_until_confirmed() -> None:
    with FakeShipX(token=TOKEN, confirm_after=3600) as fake:
        api = client(fake)
        shipment = api.create_shipment(request())
        with pytest.raises(LabelNotReady, match="not ready yet"):
            api.get_label(shipment.id)


def test_exactly_one_shipment_when_the_answer_is_lost(fake: FakeShipX) -> None:
    fake.inject("create_shipment", "drop_after_write")
    api = client(fake)
    shipment = api.create_shipment(request("3003"))
    again = api.create_shipment(request("3003"))  # a retry after a crash, say
    assert shipment.id == again.id
    assert len([s for s in fake.shipments.values() if s["reference"] == "3003"]) == 1


def test_a_failed_create_is_not_retried_blindly(fake: FakeShipX) -> None:
    fake.inject("create_shipment", 503)
    api = client(fake)
    with pytest.raises(RemoteAPIError):  # nothing was created: the caller tries again later
        api.create_shipment(request("4004"))
    assert fake.calls["create_shipment"] == 1
    api.create_shipment(request("4004"))
    api.create_shipment(request("4004"))
    assert len(fake.shipments) == 1


def test_validation_errors_are_readable(fake: FakeShipX) -> None:
    bad = request()
    bad = bad.model_copy(update={"point_id": "NOPE01"})
    with pytest.raises(
        InvalidRequest, match=r"custom_attributes\.target_point: does_not_exist"
    ) as info:
        client(fake).create_shipment(bad)
    assert info.value.code == "validation_failed"
    assert info.value.status == 422


def test_points_and_statuses(fake: FakeShipX) -> None:
    api = client(fake)
    assert {p["name"] for p in api.find_points(city="Kraków")} == {"KRA010", "KRA112"}
    nearest = api.find_points(near=(52.23, 21.0), limit=1)
    assert nearest[0]["name"] == "WAW22M"
    assert api.get_point("GDA01N")["address_details"]["city"] == "Gdańsk"
    with pytest.raises(NotFound):
        api.get_point("XXX999")
    assert len(api.get_statuses()) == len(SHIPX_STATUSES)


def test_bulk_labels_in_chunks_of_100(fake: FakeShipX) -> None:
    api = client(fake)
    ids = [api.create_shipment(request(str(5000 + i))).id for i in range(150)]
    files = api.get_labels(ids)
    assert len(files) == 2
    assert fake.calls["get_labels"] == 2


def test_token_never_leaks(fake: FakeShipX) -> None:
    api = client(fake, token="wrong-" + TOKEN)
    with pytest.raises(Exception) as info:
        api.create_shipment(request())
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(api)


async def test_async_twin(fake: FakeShipX) -> None:
    settings = InPostSettings(token=TOKEN, organization_id=fake.organization_id, url=fake.url)
    async with AsyncInPostClient(settings, retry=FAST) as api:
        fake.inject("create_shipment", "drop_after_write")
        shipment = await api.create_shipment(request("7007"))
        confirmed = await api.wait_until_confirmed(shipment.id, timeout=5)
        label = await api.get_label(shipment.id)
        points = await api.find_points(city="Warszawa")
    assert confirmed.tracking_number
    assert label.is_pdf
    assert len(points) == 2
    assert len(fake.shipments) == 1


# -- webhooks ----------------------------------------------------------------------------


def test_webhooks_verified_before_parsing_and_deduplicated(fake: FakeShipX) -> None:
    api = client(fake)
    shipment = api.create_shipment(request())
    api.wait_until_confirmed(shipment.id, timeout=5)
    fake.advance(shipment.id, "delay_in_delivery")
    body = fake.webhooks_sent[-1]
    import json

    raw = json.dumps(body).encode()
    guard = WebhookGuard("url-secret", networks=["91.216.25.0/24"])
    guard.verify(path_token="url-secret", remote_addr="91.216.25.10")
    event = parse_webhook({}, raw)
    assert event.status is TrackingStatus.EXCEPTION
    assert event.shipment_id == shipment.id
    assert guard.first_time(event.event_id)
    assert not guard.first_time(parse_webhook({}, raw).event_id)
    with pytest.raises(SignatureVerificationError, match="token"):
        guard.verify(path_token="wrong", remote_addr="91.216.25.10")
    with pytest.raises(SignatureVerificationError, match="outside the allowed networks"):
        guard.verify(path_token="url-secret", remote_addr="10.0.0.1")
    with pytest.raises(SignatureVerificationError):
        parse_webhook({}, b"not json")
    confirmed = [w for w in fake.webhooks_sent if w["event"] == "shipment_confirmed"]
    assert parse_webhook({}, json.dumps(confirmed[0]).encode()).tracking_number


def test_write_back_to_baselinker_once(fake: FakeShipX) -> None:
    with FakeBaseLinker(token="bl", rate_limit=100_000) as bl:
        order_id = bl.add_order()
        channel = BaseLinkerClient(
            BaseLinkerSettings(token="bl", url=bl.url),
            retry=FAST,
            limiter=RateLimiter(1000, 1, burst=100),
            status_map=StatusMap.default(),
        )
        order = channel.fetch_orders().orders[0]
        api = client(fake)
        shipment = api.wait_until_confirmed(
            api.create_shipment(ShipmentRequest.from_order(order, [SMALL])).id, timeout=5
        )
        for _ in range(2):  # a retried write-back records one package
            channel.write_tracking(order, "inpost", shipment.tracking_number or "")
        channel.write_status(order, channel.status_map.to_channel("baselinker", "shipped"))
        assert len(bl.packages[order_id]) == 1
        assert bl.orders[order_id]["order_status_id"] == 1005


def test_registered_as_entry_point() -> None:
    info = get("inpost")
    assert info.client is InPostClient
    assert "shipments" in info.capabilities


class TestInPostConformance(ShipmentProviderConformance):
    secret = TOKEN

    def start_fake(self) -> FakeShipX:
        return FakeShipX(token=TOKEN, confirm_after=0).start()

    def make_client(self, fake: FakeShipX, *, secret: str | None = None) -> InPostClient:
        return client(fake, secret or TOKEN)

    def make_async_client(self, fake: FakeShipX) -> AsyncInPostClient:
        settings = InPostSettings(token=TOKEN, organization_id=fake.organization_id, url=fake.url)
        return AsyncInPostClient(settings, retry=FAST)

    def request(self, reference: str) -> ShipmentRequest:
        return request(reference)

    def inject(self, fake: FakeShipX, route: str, kind: str | int, times: int = 1) -> None:
        fake.inject(route, kind, times=times)

    def shipments_with(self, fake: FakeShipX, reference: str) -> int:
        return sum(1 for s in fake.shipments.values() if s["reference"] == reference)
