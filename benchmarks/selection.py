"""Carrier selections per second: 20 services over 10,000 varied requests, against plain Python.

The same filter-and-rank is also written by hand in plain Python over the
same 20 services (method, country, weight, size class or dimensions, cash on
delivery, price, cut-off and holidays for the ship date, transit days for
the delivery date, cheapest then earliest then id) and measured in the same
run, so the figure is read against a baseline from the same machine at the
same moment. Before timing, both are checked to choose the same service for
every request.

Target ≥ 20,000 selections/s. Run: ``python benchmarks/selection.py``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays

from ecomflow.calendar import BusinessCalendar
from ecomflow.money import Money
from ecomflow.orders import DeliveryMethod
from ecomflow.shipping import (
    CarrierService,
    Catalogue,
    Parcel,
    ShipmentRequest,
    select_service,
)

TARGET = 20_000
ROUNDS = 5
Work = list[tuple[ShipmentRequest, datetime]]


def twenty_services() -> Catalogue:
    base = list(Catalogue.example())
    services = []
    for i in range(20):
        template = base[i % len(base)]
        services.append(template.model_copy(update={"id": f"{template.id}_{i:02d}"}))
    return Catalogue(services)


def requests(count: int, seed: int = 1) -> Work:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = []
    for i in range(count):
        method = rng.choice(list(DeliveryMethod))
        parcel = Parcel(
            weight_kg=Decimal(rng.randint(1, 300)) / 10,
            length_cm=rng.randint(5, 90),
            width_cm=rng.randint(5, 60),
            height_cm=rng.randint(2, 50),
        )
        request = ShipmentRequest(
            order_id=f"o{i}",
            reference=str(i),
            parcels=[parcel],
            method=method,
            country=rng.choice(["PL", "PL", "PL", "DE", "CZ"]),
            point_id="KRA010",
            cod=Money(rng.randint(10, 900), "PLN") if rng.random() < 0.3 else None,
        )
        made.append((request, start + timedelta(minutes=rng.randint(0, 365 * 24 * 60))))
    return made


# -- the same selection, by hand ----------------------------------------------------------------

WARSAW = ZoneInfo("Europe/Warsaw")
HOLIDAYS = frozenset(holidays.country_holidays("PL", years=range(2025, 2029)))
WORKDAYS = frozenset(range(5))  # the warehouse: Monday to Friday, no public holidays

Dims = tuple[Decimal, Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class PlainService:
    """A service as plain values, read once from the catalogue."""

    id: str
    methods: frozenset[DeliveryMethod]
    countries: frozenset[str]
    max_weight: Decimal | None
    sizes: tuple[tuple[Dims, Decimal | None, Decimal | None], ...]  # dims, max kg, price
    max_dims: Dims | None
    cod: bool
    cod_limit: Decimal | None
    cod_fee: Decimal
    price: Decimal | None
    brackets: tuple[tuple[Decimal, Decimal], ...]
    transit: int
    cutoffs: tuple[clock_time, ...]  # per weekday
    ships_on: frozenset[int]  # warehouse working weekdays that the carrier also picks up
    delivers_on: frozenset[int]


def plain(service: CarrierService) -> PlainService:
    def amount(money: Money | None) -> Decimal | None:
        return None if money is None else money.amount

    return PlainService(
        id=service.id,
        methods=service.delivery_methods,
        countries=service.countries,
        max_weight=service.max_weight_kg,
        sizes=tuple(
            (s.max_dimensions_cm, s.max_weight_kg, amount(s.price)) for s in service.size_classes
        ),
        max_dims=service.max_dimensions_cm,
        cod=service.cod,
        cod_limit=amount(service.cod_limit),
        cod_fee=amount(service.cod_fee) or Decimal(0),
        price=amount(service.price),
        brackets=tuple((b.max_weight_kg, b.price.amount) for b in service.price_brackets),
        transit=service.transit_days,
        cutoffs=tuple(service.cutoff_on(day) for day in range(7)),
        ships_on=WORKDAYS & service.pickup_days,
        delivers_on=service.delivery_days,
    )


def fits(dims: Dims, limit: Dims) -> bool:
    return dims[0] <= limit[0] and dims[1] <= limit[1] and dims[2] <= limit[2]


def parcel_price(service: PlainService, weight: Decimal, dims: Dims) -> Decimal | None:
    """The price, or None when the service cannot carry the parcel."""
    if service.max_weight is not None and weight > service.max_weight:
        return None
    size_price = None
    if service.sizes:
        for limit, max_kg, price in service.sizes:
            if (max_kg is None or weight <= max_kg) and fits(dims, limit):
                size_price = price
                break
        else:
            return None
    if service.max_dims is not None and not fits(dims, service.max_dims):
        return None
    if size_price is not None:
        return size_price
    for max_kg, price in service.brackets:
        if weight <= max_kg:
            return price
    return service.price


def next_day(day: date, weekdays: frozenset[int]) -> date:
    day += timedelta(days=1)
    while day.weekday() not in weekdays or day in HOLIDAYS:
        day += timedelta(days=1)
    return day


def ship_and_deliver(service: PlainService, local: datetime) -> tuple[date, date]:
    today = local.date()
    before = local.time() < service.cutoffs[today.weekday()]
    works = today.weekday() in service.ships_on and today not in HOLIDAYS
    ship = today if before and works else next_day(today, service.ships_on)
    arrive = ship
    for _ in range(service.transit):
        arrive = next_day(arrive, service.delivers_on)
    return ship, arrive


def hand_coded(services: list[PlainService]) -> Callable[[ShipmentRequest, datetime], str | None]:
    def choose(request: ShipmentRequest, now: datetime) -> str | None:
        parcel = request.parcels[0]
        weight, dims = parcel.weight_kg, parcel.dimensions
        cod = request.cod.amount if request.cod is not None else None
        local = now.astimezone(WARSAW).replace(tzinfo=None)
        best: tuple[Decimal, date, str] | None = None
        for service in services:
            if request.method not in service.methods or request.country not in service.countries:
                continue
            price = parcel_price(service, weight, dims)
            if price is None:
                continue
            if cod is not None:
                if not service.cod or (service.cod_limit is not None and cod > service.cod_limit):
                    continue
                price += service.cod_fee
            _, arrive = ship_and_deliver(service, local)
            key = (price, arrive, service.id)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]

    return choose


def engine(catalogue: Catalogue) -> Callable[[ShipmentRequest, datetime], str | None]:
    calendar = BusinessCalendar()

    def choose(request: ShipmentRequest, now: datetime) -> str | None:
        chosen = select_service(request, catalogue, now=now, calendar=calendar).chosen
        return None if chosen is None else chosen.service_id

    return choose


def rate(choose: Callable[[ShipmentRequest, datetime], str | None], work: Work) -> float:
    """Best of ``ROUNDS`` runs over ``work``, in selections per second."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for request, now in work:
            choose(request, now)
        best = min(best, time.perf_counter() - started)
    return len(work) / best


def main() -> None:
    catalogue = twenty_services()
    work = requests(10_000)
    by_engine = engine(catalogue)
    by_hand = hand_coded([plain(s) for s in catalogue])
    differing = [r.order_id for r, now in work if by_engine(r, now) != by_hand(r, now)]
    assert not differing, f"the engine and the hand-coded selection disagree on {differing[:5]}"
    chosen = sum(1 for r, now in work if by_hand(r, now) is not None)
    engine_rate = hand_rate = 0.0
    for _ in range(2):  # interleaved, so both see the same machine load
        engine_rate = max(engine_rate, rate(by_engine, work))
        hand_rate = max(hand_rate, rate(by_hand, work))
    verdict = "meets" if engine_rate >= TARGET else "BELOW"
    print(
        f"{len(work)} requests over {len(catalogue)} services, {chosen} with a service, "
        "same choice by both"
    )
    print(
        f"  select_service (with explanation): {engine_rate:>9,.0f} selections/s "
        f"— {verdict} the {TARGET:,}/s target"
    )
    print(f"  hand-coded filter-and-rank:        {hand_rate:>9,.0f} selections/s")
    print(f"  ratio engine / hand-coded:         {engine_rate / hand_rate:>9.2f}")


if __name__ == "__main__":
    main()
