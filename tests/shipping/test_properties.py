"""Hypothesis properties of carrier selection and ship dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ecomflow.calendar import BusinessCalendar
from ecomflow.orders import DeliveryMethod
from ecomflow.shipping import Catalogue, Parcel, ShipmentRequest, select_service

PL = BusinessCalendar()
CATALOGUE = Catalogue.example()

instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC)
)
parcels = st.builds(
    Parcel,
    weight_kg=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(35), places=1),
    length_cm=st.integers(min_value=1, max_value=120),
    width_cm=st.integers(min_value=1, max_value=80),
    height_cm=st.integers(min_value=1, max_value=60),
)
requests = st.builds(
    ShipmentRequest,
    order_id=st.just("o"),
    reference=st.just("r"),
    parcels=st.lists(parcels, min_size=1, max_size=2),
    method=st.sampled_from(list(DeliveryMethod)),
    country=st.sampled_from(["PL", "DE", "FR"]),
    point_id=st.just("KRA010"),
)


@settings(max_examples=300, deadline=None)
@given(requests, instants)
def test_ship_and_delivery_dates_are_sane(request: ShipmentRequest, now: datetime) -> None:
    selection = select_service(request, CATALOGUE, now=now, calendar=PL)
    order_day = PL.to_date(now)
    for candidate in selection.candidates:
        assert candidate.ship_date >= order_day
        assert PL.is_business_day(candidate.ship_date)
        assert candidate.ship_date.weekday() in candidate.service.pickup_days
        assert candidate.promised_delivery >= candidate.ship_date
        assert candidate.cutoff_at.date() == candidate.ship_date
        assert candidate.cutoff_at > now or candidate.ship_date > order_day
    assert set(selection.rejected).isdisjoint(c.service_id for c in selection.candidates)
    assert len(selection.rejected) + len(selection.candidates) == len(CATALOGUE)
    if selection.chosen is None:
        assert selection.reason
    else:
        assert selection.chosen is selection.candidates[0]


@settings(max_examples=100, deadline=None)
@given(requests, instants)
def test_selection_is_deterministic(request: ShipmentRequest, now: datetime) -> None:
    first = select_service(request, CATALOGUE, now=now, calendar=PL)
    again = select_service(request.model_copy(deep=True), CATALOGUE, now=now, calendar=PL)
    assert first.explain() == again.explain()
    shifted = select_service(request, list(reversed(list(CATALOGUE))), now=now, calendar=PL)
    assert [c.service_id for c in shifted.candidates] == [c.service_id for c in first.candidates]


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(min_value=0, max_value=15))
def test_calendar_arithmetic(now: datetime, days: int) -> None:
    start = PL.to_date(now)
    later = PL.add_business_days(start, days)
    assert later >= start
    assert PL.is_business_day(later)
    if days:
        assert PL.business_days_between(start, later) == days
    assert PL.next_business_day(start) > start
    assert PL.to_date(now + timedelta(0)) == start
