from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ecomflow import Money
from ecomflow.calendar import BusinessCalendar
from ecomflow.errors import ConfigurationError
from ecomflow.orders import DeliveryMethod
from ecomflow.shipping import (
    Catalogue,
    Parcel,
    SelectionPolicy,
    ShipmentRequest,
    promise,
    quote,
    select_service,
    ship_date,
)
from ecomflow.testing import sample_order

PL = BusinessCalendar()
CATALOGUE = Catalogue.example()
SMALL = Parcel(weight_kg="1.5", length_cm=30, width_cm=20, height_cm=6)


def request(
    method: str = "courier",
    parcel: Parcel = SMALL,
    country: str = "PL",
    cod: str | None = None,
    parcels: list[Parcel] | None = None,
) -> ShipmentRequest:
    return ShipmentRequest(
        order_id="o-1",
        reference="1001",
        method=DeliveryMethod(method),
        country=country,
        point_id="KRA010" if method == "parcel_locker" else None,
        parcels=parcels or [parcel],
        cod=Money(cod, "PLN") if cod else None,
        value=Money("100", "PLN"),
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


LOCKER = CATALOGUE["inpost_locker_standard"]


@pytest.mark.parametrize(
    ("paid_at", "ships"),
    [
        ("2026-11-24T14:59:00+01:00", date(2026, 11, 24)),
        ("2026-11-24T15:00:00+01:00", date(2026, 11, 25)),
        ("2026-11-24T15:01:00+01:00", date(2026, 11, 25)),
        ("2026-11-24T13:59:59+00:00", date(2026, 11, 24)),  # the same instants in UTC
        ("2026-11-24T14:00:00+00:00", date(2026, 11, 25)),
    ],
)
def test_cutoff_boundaries(paid_at: str, ships: date) -> None:
    assert ship_date(LOCKER, at(paid_at), PL)[0] == ships


def test_cutoff_instant_is_reported() -> None:
    shipped, cutoff_at = ship_date(LOCKER, at("2026-11-24T10:00:00+01:00"), PL)
    assert shipped == date(2026, 11, 24)
    assert cutoff_at == at("2026-11-24T15:00:00+01:00")
    shipped, cutoff_at = ship_date(LOCKER, at("2026-11-24T16:00:00+01:00"), PL)
    assert cutoff_at == at("2026-11-25T15:00:00+01:00")


def test_friday_after_cutoff_ships_monday() -> None:
    assert ship_date(LOCKER, at("2026-11-27T15:30:00+01:00"), PL)[0] == date(2026, 11, 30)


def test_friday_after_cutoff_ships_saturday_with_saturday_pickup() -> None:
    dhl = CATALOGUE["dhl_parcel"]  # picks up on Saturdays, cut-off 14:00 (Sat 11:00)
    warehouse = BusinessCalendar(weekend=(6,))  # the warehouse works Saturdays too
    assert ship_date(dhl, at("2026-11-27T14:30:00+01:00"), warehouse)[0] == date(2026, 11, 28)
    # A warehouse closed on Saturdays cannot hand the parcel over: Monday.
    assert ship_date(dhl, at("2026-11-27T14:30:00+01:00"), PL)[0] == date(2026, 11, 30)
    # The Saturday cut-off is earlier.
    assert ship_date(dhl, at("2026-11-28T11:30:00+01:00"), warehouse)[0] == date(2026, 11, 30)


def test_christmas() -> None:
    # Wednesday 23 Dec after cut-off: 24 (Christmas Eve), 25, 26 holidays, 27 Sunday.
    assert ship_date(LOCKER, at("2026-12-23T15:01:00+01:00"), PL)[0] == date(2026, 12, 28)
    assert ship_date(LOCKER, at("2026-12-23T14:00:00+01:00"), PL)[0] == date(2026, 12, 23)


def test_easter_monday() -> None:
    assert ship_date(LOCKER, at("2026-04-06T09:00:00+02:00"), PL)[0] == date(2026, 4, 7)
    assert ship_date(LOCKER, at("2026-04-03T16:00:00+02:00"), PL)[0] == date(2026, 4, 7)


def test_monday_after_all_saints_sunday() -> None:
    assert ship_date(LOCKER, at("2026-11-01T12:00:00+01:00"), PL)[0] == date(2026, 11, 2)
    assert ship_date(LOCKER, at("2026-10-31T12:00:00+01:00"), PL)[0] == date(2026, 11, 2)


@pytest.mark.parametrize(
    ("paid_at", "ships"),
    [
        # Spring forward: Sunday 29 March 2026, 02:00 → 03:00 local.
        ("2026-03-29T00:30:00+00:00", date(2026, 3, 30)),  # 01:30 local on Sunday
        ("2026-03-30T12:59:00+00:00", date(2026, 3, 30)),  # 14:59 CEST
        ("2026-03-30T13:00:00+00:00", date(2026, 3, 31)),  # 15:00 CEST
        ("2026-03-27T13:59:00+00:00", date(2026, 3, 27)),  # Friday 14:59 CET
        ("2026-03-27T14:00:00+00:00", date(2026, 3, 30)),  # Friday 15:00 CET
        # Fall back: Sunday 25 October 2026, 03:00 → 02:00 local.
        ("2026-10-23T12:59:00+00:00", date(2026, 10, 23)),  # Friday 14:59 CEST
        ("2026-10-23T13:00:00+00:00", date(2026, 10, 26)),  # Friday 15:00 CEST
        ("2026-10-26T13:59:00+00:00", date(2026, 10, 26)),  # Monday 14:59 CET
        ("2026-10-26T14:00:00+00:00", date(2026, 10, 27)),  # Monday 15:00 CET
    ],
)
def test_dst_weekends_do_not_shift_cutoffs(paid_at: str, ships: date) -> None:
    assert ship_date(LOCKER, at(paid_at), PL)[0] == ships


def test_selection_filters_and_explains() -> None:
    heavy = Parcel(weight_kg="27", length_cm=40, width_cm=30, height_cm=30)
    selection = select_service(
        request("courier", heavy), CATALOGUE, now=at("2026-11-24T10:00:00+01:00"), calendar=PL
    )
    assert selection.chosen is not None
    assert selection.chosen.service_id == "pocztex_kurier"  # 24.50 < DPD 27.00 above 10 kg
    assert selection.rejected["inpost_courier_standard"] == "weight 27.0 kg > 25 kg max"
    assert "not by courier" in selection.rejected["inpost_locker_standard"]
    assert selection.ship_date == date(2026, 11, 24)  # before the 13:00 cut-off
    assert selection.promised_delivery == date(2026, 11, 26)  # two transit days
    assert "Rejected:" in selection.explain()
    assert "<table>" in selection._repr_html_()


def test_locker_size_classes() -> None:
    too_big = Parcel(weight_kg="3", length_cm=70, width_cm=40, height_cm=30)
    selection = select_service(
        request("parcel_locker", too_big),
        CATALOGUE,
        now=at("2026-11-24T10:00:00+01:00"),
        calendar=PL,
    )
    assert selection.chosen is None
    assert selection.rejected["inpost_locker_standard"] == (
        "30×40×70 cm fits no size class (A 8×38×64 cm, B 19×38×64 cm, C 38×41×64 cm)"
    )
    assert selection.reason is not None and "no service can carry" in selection.reason
    assert selection.explain().startswith("No service:")
    b_size = Parcel(weight_kg="3", length_cm=60, width_cm=38, height_cm=15)
    chosen = select_service(
        request("parcel_locker", b_size),
        CATALOGUE,
        now=at("2026-11-24T10:00:00+01:00"),
        calendar=PL,
        policy=SelectionPolicy(strategy="priority", priority=("inpost_locker_standard",)),
    ).chosen
    assert chosen is not None
    assert chosen.size_class is not None and chosen.size_class.name == "B"
    assert chosen.price == Money("15.49", "PLN")


def test_cod_limits_and_fees() -> None:
    orlen_rejects = select_service(
        request("parcel_locker", cod="100"),
        CATALOGUE,
        now=at("2026-11-24T10:00:00+01:00"),
        calendar=PL,
    )
    assert orlen_rejects.rejected["orlen_paczka"] == "no cash on delivery"
    assert orlen_rejects.chosen is not None
    assert orlen_rejects.chosen.price == Money("16.99", "PLN")  # A 13.99 + COD 3.00
    over = select_service(
        request("parcel_locker", cod="6000"),
        CATALOGUE,
        now=at("2026-11-24T10:00:00+01:00"),
        calendar=PL,
    )
    assert "6000.00 PLN > 5000.00 PLN limit" in over.rejected["inpost_locker_standard"]


def test_country_filter() -> None:
    selection = select_service(
        request("courier", country="DE"),
        CATALOGUE,
        now=at("2026-11-24T10:00:00+01:00"),
        calendar=PL,
    )
    assert {c.service_id for c in selection.candidates} == {"dpd_classic", "dhl_parcel"}
    assert selection.rejected["inpost_courier_standard"] == "does not deliver to DE"


@pytest.mark.parametrize(
    ("policy", "first"),
    [
        (SelectionPolicy(strategy="cheapest"), "pocztex_kurier"),
        (SelectionPolicy(strategy="fastest"), "inpost_courier_standard"),
        (
            SelectionPolicy(strategy="priority", priority=("dhl_parcel", "dpd_classic")),
            "dhl_parcel",
        ),
        (SelectionPolicy(strategy="sla", sla_days=1), "inpost_courier_standard"),
    ],
)
def test_policies(policy: SelectionPolicy, first: str) -> None:
    selection = select_service(
        request("courier"),
        CATALOGUE,
        now=at("2026-11-24T10:00:00+01:00"),
        calendar=PL,
        policy=policy,
    )
    assert selection.chosen is not None
    assert selection.chosen.service_id == first


def test_ties_break_by_service_id() -> None:
    services = [
        CATALOGUE["inpost_courier_standard"].model_copy(update={"id": sid})
        for sid in ("zz", "aa", "mm")
    ]
    selection = select_service(
        request("courier"), services, now=at("2026-11-24T10:00:00+01:00"), calendar=PL
    )
    assert [c.service_id for c in selection.candidates] == ["aa", "mm", "zz"]


def test_quote_multi_parcel_and_brackets() -> None:
    courier = CATALOGUE["inpost_courier_standard"]
    two = request(
        "courier", parcels=[SMALL, Parcel(weight_kg="8", length_cm=40, width_cm=30, height_cm=20)]
    )
    assert quote(courier, two) == Money("36.98", "PLN")  # 16.99 + 19.99


def test_promise_from_order() -> None:
    order = sample_order(paid=True, method="parcel_locker")
    result = promise(order, [SMALL], CATALOGUE, now=at("2026-12-23T16:00:00+01:00"), calendar=PL)
    assert result.ship_date == date(2026, 12, 28)
    assert result.delivery_date is not None and result.delivery_date >= result.ship_date
    assert result.service_id in {"orlen_paczka", "inpost_locker_standard"}


def test_catalogue_loading_errors(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text(
        '[[services]]\nid = "x"\ncarrier = "dpd"\nname = "X"\n'
        'delivery_methods = ["drone"]\ntransit_days = 1\nprice = "1 PLN"\n'
    )
    with pytest.raises(ConfigurationError, match="'x', field delivery_methods"):
        Catalogue.from_toml(bad)
    with pytest.raises(ConfigurationError, match="defined twice"):
        Catalogue.from_dict(
            {
                "services": [
                    {
                        "id": "a",
                        "carrier": "c",
                        "name": "n",
                        "delivery_methods": ["courier"],
                        "transit_days": 1,
                        "price": "1 PLN",
                    }
                ]
                * 2
            }
        )
    with pytest.raises(ConfigurationError, match="No carrier service 'nope'"):
        CATALOGUE["nope"]
    assert len(CATALOGUE) == 7
    assert all(s.example_prices for s in CATALOGUE)
    assert CATALOGUE["inpost_locker_standard"].max_weight_kg == Decimal(25)


def test_events_in_one_second_keep_their_order() -> None:
    """Two tracking steps in the same second: the later one in the list is the last (newest)."""
    from datetime import UTC, datetime

    from ecomflow.calendar import BusinessCalendar
    from ecomflow.orders import OrderFlow, ShipmentRef
    from ecomflow.shipping import TrackingEvent, TrackingStatus, find_exceptions
    from ecomflow.testing import FrozenClock, sample_order

    order = sample_order(paid=True)
    order.reservation_id = "r"
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="6001")
    flow = OrderFlow(order, clock=FrozenClock(datetime(2026, 11, 23, 12, tzinfo=UTC)))
    for event in ("pay", "mark_ready", "pack", "ship"):
        flow.send(event)
    at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    steps = [
        TrackingEvent(
            tracking_number="6001",
            at=at,
            carrier="inpost",
            carrier_status="taken_by_courier",
            status=TrackingStatus.PICKED_UP,
        ),
        TrackingEvent(
            tracking_number="6001",
            at=at,
            carrier="inpost",
            carrier_status="delay_in_delivery",
            status=TrackingStatus.EXCEPTION,
        ),
    ]
    found = find_exceptions(
        [order],
        datetime(2026, 11, 30, 9, tzinfo=UTC),
        BusinessCalendar(),
        tracking={order.id: steps},
    )
    assert [i.reason.value for i in found] == ["carrier_exception"]
