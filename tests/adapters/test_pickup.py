"""The built-in "pickup in person" carrier: conformance, slips, codes, state, registry."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecomflow.adapters import ShipmentLister, ShipmentProvider, TrackingSource, get
from ecomflow.adapters.pickup import (
    AsyncPickupCarrier,
    FileRegister,
    MemoryRegister,
    PickupCarrier,
    PickupSettings,
    pickup_code,
    render_slip,
)
from ecomflow.adapters.pickup.codes import ALPHABET
from ecomflow.errors import (
    ConfigurationError,
    NotFound,
    TransportError,
    UnsupportedService,
    ValidationFailed,
)
from ecomflow.orchestration.config import OrchestratorConfig
from ecomflow.shipping import Parcel, ShipmentRequest, TrackingStatus
from ecomflow.shipping.catalogue import Catalogue
from ecomflow.shipping.shipments import LabelFormat
from ecomflow.testing import sample_order
from ecomflow.testing.conformance import ShipmentProviderConformance, assert_twins_match
from ecomflow.testing.conformance.twins import run_async

KEY = "pickup-code-key-77"
PARCEL = Parcel(weight_kg="1.5", length_cm=30, width_cm=20, height_cm=10)
CODE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def pickup_request(reference: str = "shop-1001", service_id: str = "personal_pickup") -> Any:
    order = sample_order(reference.rsplit("-", 1)[-1], method="pickup")
    request = ShipmentRequest.from_order(order, [PARCEL], service_id=service_id)
    return request.model_copy(update={"reference": reference})


class CountingRegister(MemoryRegister):
    """The local "fake": a register that also counts the slips the client issued."""

    def __init__(self) -> None:
        super().__init__()
        self.issued: dict[str, str] = {}
        self.faults: list[str] = []

    def issue(self, shipment_id: str, reference: str) -> None:
        super().issue(shipment_id, reference)
        self.issued[shipment_id] = reference
        if self.faults and self.faults.pop(0) == "drop_after_write":
            raise TransportError("the answer was lost after the slip was issued")

    def live_with(self, reference: str) -> int:
        return sum(
            1 for sid, ref in self.issued.items() if ref == reference and not self.is_cancelled(sid)
        )


class Desk:
    """What ``start_fake`` returns: the shop's pickup desk (no server to run)."""

    def __init__(self) -> None:
        self.register = CountingRegister()

    def stop(self) -> None:
        """Nothing runs."""


class TestPickupConformance(ShipmentProviderConformance):
    secret = KEY

    def start_fake(self) -> Desk:
        return Desk()

    def make_client(self, fake: Desk, *, secret: str | None = None) -> PickupCarrier:
        return PickupCarrier(PickupSettings(code_key=secret or KEY), register=fake.register)

    def make_async_client(self, fake: Desk) -> AsyncPickupCarrier:
        return AsyncPickupCarrier(PickupSettings(code_key=KEY), register=fake.register)

    def request(self, reference: str, service_id: str) -> ShipmentRequest:
        return pickup_request(reference, service_id)

    def inject(self, fake: Desk, route: str, kind: str | int, times: int = 1) -> None:
        fake.register.faults += [str(kind)] * times

    def shipments_with(self, fake: Desk, reference: str) -> int:
        return fake.register.live_with(reference)

    def confirm(self, fake: Desk, shipment_id: str) -> None:
        """Nothing to do: a slip is confirmed when it is issued."""

    # Overridden: a local carrier has no network, so no answer can be lost *inside* the
    # client; the only lost answer is the caller's (a crash between create and recording
    # it). The local meaning of the kit's test: the caller retries and gets the same slip.
    def test_lost_answer_is_still_one_shipment(self, fake: Desk, client: Any) -> None:
        self.inject(fake, self.create_route, "drop_after_write")
        with pytest.raises(TransportError):
            client.create_shipment(self.request("shop-C2", "personal_pickup"))
        again = client.create_shipment(self.request("shop-C2", "personal_pickup"))
        assert again.id
        assert self.shipments_with(fake, "shop-C2") == 1
        # and a fresh desk after a restart (nothing remembered) derives the same slip
        restarted = self.make_client(Desk())
        assert restarted.create_shipment(self.request("shop-C2", "personal_pickup")).id == again.id

    # Overridden: there is no remote party to refuse a credential. The local meaning of a
    # wrong secret: a desk with another code_key does not recognise the slip ids of this one
    # (NotFound), and the key never shows in repr or error text.
    def test_bad_credentials_and_secrets(self, fake: Desk, client: Any) -> None:
        made = client.create_shipment(self.request("shop-C4", "personal_pickup"))
        wrong = "wrong-" + self.secret
        bad = self.make_client(fake, secret=wrong)
        with pytest.raises(NotFound) as info:
            bad.get_shipment(made.id)
        assert wrong not in str(info.value) and self.secret not in str(info.value)
        assert self.secret not in repr(client) and self.secret not in repr(client.settings)


# -- the protocol and the registry ----------------------------------------------------------


def test_registry_builds_the_desk_from_a_config_table() -> None:
    info = get("pickup")
    assert info.kind == "carrier"
    assert info.capabilities == frozenset({"shipments", "shipment_listing"})
    desk = info.build({"carrier": "shop", "shop_name": "Sklep", "code_key": KEY})
    assert isinstance(desk, PickupCarrier) and isinstance(desk, ShipmentProvider)
    assert isinstance(desk, ShipmentLister) and not isinstance(desk, TrackingSource)
    assert info.async_client is AsyncPickupCarrier
    assert desk.create_shipment(pickup_request()).carrier == "shop"


def test_configured_from_ecomflow_toml_alone() -> None:
    config = OrchestratorConfig.from_dict(
        {
            "store": "memory://",
            "notify": {"transport": "log"},
            "carriers": {"shop": {"adapter": "pickup", "code_key": KEY, "location": "Kraków"}},
        }
    )
    [carrier] = config.adapters("carriers")
    desk = carrier.build()
    assert carrier.name == "shop" and desk.settings.carrier == "shop"
    with pytest.raises(ConfigurationError, match="did you mean 'location'"):
        OrchestratorConfig.from_dict(
            {
                "store": "memory://",
                "notify": {"transport": "log"},
                "carriers": {"shop": {"adapter": "pickup", "locaton": "x"}},
            }
        )


def test_the_service_and_carrier_are_the_example_catalogues() -> None:
    service = Catalogue.example()["personal_pickup"]
    desk = PickupCarrier()
    assert desk.services() == {service.id}
    assert desk.settings.carrier == service.carrier


def test_twins_match_and_agree() -> None:
    assert_twins_match(PickupCarrier, AsyncPickupCarrier)
    register = MemoryRegister()
    sync = PickupCarrier(PickupSettings(code_key=KEY), register=register)
    twin = AsyncPickupCarrier(PickupSettings(code_key=KEY), register=register)

    async def exercise() -> tuple[Any, Any]:
        async with twin:
            made = await twin.create_shipment(pickup_request("shop-9"))
            listed = await twin.get_shipments([made.id, "PU:XXXX-XXXX:shop-9"])
            return made, listed

    made, listed = run_async(exercise())
    assert made == sync.create_shipment(pickup_request("shop-9"))
    assert [s.id for s in listed] == [made.id]


# -- refusals ---------------------------------------------------------------------------


def test_refuses_what_a_pickup_desk_cannot_do() -> None:
    desk = PickupCarrier(PickupSettings(code_key=KEY))
    with pytest.raises(UnsupportedService):
        desk.create_shipment(pickup_request(service_id="inpost_courier_standard"))
    courier = ShipmentRequest.from_order(sample_order("7"), [PARCEL], service_id="personal_pickup")
    with pytest.raises(ValidationFailed, match="not pickup in person"):
        desk.create_shipment(courier)
    with pytest.raises(ValidationFailed, match="printable"):
        desk.create_shipment(pickup_request("x" * 201))
    made = desk.create_shipment(pickup_request())
    with pytest.raises(ValidationFailed, match="PDF only"):
        desk.get_label(made.id, format=LabelFormat.ZPL)
    desk.cancel_shipment(made.id)
    desk.cancel_shipment(made.id)  # a repeat is harmless
    with pytest.raises(ValidationFailed, match="cancelled"):
        desk.get_label(made.id)
    again = desk.create_shipment(pickup_request())
    assert again.id == made.id and desk.get_shipment(made.id).status is TrackingStatus.LABEL_READY


def test_a_forged_or_foreign_slip_id_is_not_found() -> None:
    desk = PickupCarrier(PickupSettings(code_key=KEY))
    made = desk.create_shipment(pickup_request())
    code = made.tracking_number
    assert code is not None
    other_code = ("2" if code[0] != "2" else "3") + code[1:]
    other_location = PickupCarrier(PickupSettings(code_key=KEY, service_id="pickup_krakow"))
    for forged in (made.id.replace(code, other_code), made.id + "x", "PU::shop-1001", "1001"):
        with pytest.raises(NotFound):
            desk.get_shipment(forged)
    with pytest.raises(NotFound):
        other_location.get_shipment(made.id)
    with pytest.raises(NotFound):
        desk.cancel_shipment("PU:AAAA-AAAA:shop-1001")


@given(st.text(max_size=60))
def test_any_id_is_a_slip_or_not_found(shipment_id: str) -> None:
    desk = PickupCarrier(PickupSettings(code_key=KEY))
    with pytest.raises(NotFound):  # no made-up id is a slip, and nothing else escapes
        desk.get_shipment(shipment_id)


# -- codes ------------------------------------------------------------------------------


def test_codes_are_short_readable_and_stable() -> None:
    # A pinned vector: codes printed on yesterday's slips must still match tomorrow.
    assert pickup_code("shop-1001", carrier="shop", service_id="personal_pickup") == "833G-SKWB"
    codes = {
        pickup_code(f"shop-{n}", carrier="shop", service_id="personal_pickup", key=b"k")
        for n in range(20_000)
    }
    assert len(codes) == 20_000  # no collision among 20,000 orders
    assert all(CODE.match(code) for code in codes)
    assert not set("".join(codes)) & set("01OIL")


def test_the_key_makes_codes_unguessable() -> None:
    public = pickup_code("shop-1", carrier="shop", service_id="personal_pickup")
    keyed = pickup_code("shop-1", carrier="shop", service_id="personal_pickup", key=b"s3cret")
    assert public != keyed
    desk = PickupCarrier(PickupSettings(code_key="s3cret"))
    assert desk.create_shipment(pickup_request("shop-1")).tracking_number == keyed


def test_two_channels_with_one_order_number_get_two_codes() -> None:
    desk = PickupCarrier(PickupSettings(code_key=KEY))
    one = desk.create_shipment(pickup_request("baselinker-1001"))
    two = desk.create_shipment(pickup_request("shopify-1001"))
    assert one.tracking_number != two.tracking_number


# -- the slip (checked by pypdf, an independent PDF reader) ------------------------------


def test_the_label_is_a_real_a6_pdf_with_the_code() -> None:
    desk = PickupCarrier(
        PickupSettings(
            code_key=KEY,
            shop_name="Sklep Łąka (Kraków)",
            location="ul. Długa 1, Kraków",
            opening_hours="pn-pt 9-17",
        )
    )
    made = desk.create_shipment(pickup_request())
    label = desk.get_label(made.id)
    assert label.is_pdf and label.size.value == "A6"
    reader = pypdf.PdfReader(io.BytesIO(label.content), strict=True)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (298, 420)  # 105 × 148 mm
    text = reader.pages[0].extract_text()
    assert made.tracking_number in text
    assert "shop-1001" in text
    assert "Sklep Laka (Kraków)" in text  # ł, ą lack a WinAnsi glyph: printed plain
    assert "ODBIÓR OSOBISTY" in text


def test_the_slip_is_deterministic_and_escapes_text() -> None:
    first = render_slip(code="K7M2-Q9XA", reference="a) (b \\ c")
    assert first == render_slip(code="K7M2-Q9XA", reference="a) (b \\ c")
    text = pypdf.PdfReader(io.BytesIO(first), strict=True).pages[0].extract_text()
    assert "a) (b \\ c" in text


# -- where the state lives ----------------------------------------------------------------


def test_cancellations_survive_a_restart_with_a_state_file(tmp_path: Any) -> None:
    settings = PickupSettings(code_key=KEY, state_file=tmp_path / "pickup.db")
    first = PickupCarrier(settings)
    made = first.create_shipment(pickup_request())
    first.cancel_shipment(made.id)
    restarted = get("pickup").build(settings.model_dump())
    assert isinstance(restarted.register, FileRegister)
    assert restarted.get_shipment(made.id).status is TrackingStatus.CANCELLED
    restarted.create_shipment(pickup_request())
    assert first.get_shipment(made.id).status is TrackingStatus.LABEL_READY


def test_an_unusable_state_file_is_a_configuration_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="state_file"):
        PickupCarrier(PickupSettings(state_file=tmp_path / "missing" / "dir" / "pickup.db"))


@pytest.fixture
def desk() -> Iterator[PickupCarrier]:
    with PickupCarrier(PickupSettings(code_key=KEY)) as made:
        yield made


def test_it_cannot_know_when_the_parcel_was_collected(desk: PickupCarrier) -> None:
    made = desk.create_shipment(pickup_request())
    read = desk.get_shipment(made.id)
    assert read.status is TrackingStatus.LABEL_READY  # until the shop records it
    assert read.parcels == [] and read.created_at is None  # not kept: nothing is stored
    assert read.confirmed and read.tracking_number == made.tracking_number
