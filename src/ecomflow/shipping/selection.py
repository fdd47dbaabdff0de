"""Explainable carrier selection with cut-off, and the delivery promise.

``select_service`` filters the catalogue to the services that can carry the
request (delivery method, country, weight, size class, cash on delivery),
works out each one's ship date (cut-off, holidays, warehouse and carrier
pickup days) and promised delivery date, ranks them by a policy, and says why
every other service was rejected.

Ranking (ties always break by service id, so equal inputs give equal results):

- ``cheapest``: price, then earliest delivery;
- ``fastest``: earliest delivery, then price;
- ``priority``: position in ``SelectionPolicy.priority`` (unlisted services last),
  then price;
- ``sla``: services whose delivery is within ``sla_days`` business days of the
  order day first, then price.

>>> from datetime import UTC, datetime
>>> from ecomflow.calendar import BusinessCalendar
>>> from ecomflow.shipping import Catalogue, Parcel, ShipmentRequest
>>> request = ShipmentRequest(order_id="o-1", reference="1001", method="parcel_locker",
...     country="PL", point_id="KRA010",
...     parcels=[Parcel(weight_kg="2", length_cm=60, width_cm=35, height_cm=15)])
>>> selection = select_service(request, Catalogue.example(),
...     now=datetime(2026, 12, 23, 15, 30, tzinfo=UTC), calendar=BusinessCalendar())
>>> print(selection.explain())
Chosen: orlen_paczka (ORLEN Paczka), size M, 11.99 PLN — ships Mon 2026-12-28, delivered by Wed 2026-12-30 (order by 2026-12-28 14:00 Europe/Warsaw)
Ranked by cheapest: orlen_paczka, inpost_locker_standard
Rejected:
  dhl_parcel: delivers by courier, not to a parcel locker
  dpd_classic: delivers by courier, not to a parcel locker
  inpost_courier_standard: delivers by courier, not to a parcel locker
  personal_pickup: delivers by pickup, not to a parcel locker
  pocztex_kurier: delivers by courier, not to a parcel locker
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ecomflow.calendar import BusinessCalendar
from ecomflow.clock import ensure_aware
from ecomflow.money import Money
from ecomflow.orders.models import DeliveryMethod, Order
from ecomflow.shipping.catalogue import CarrierService, Catalogue, SizeClass
from ecomflow.shipping.request import Parcel, ShipmentRequest

__all__ = [
    "Candidate",
    "Promise",
    "Selection",
    "SelectionPolicy",
    "promise",
    "quote",
    "select_service",
    "ship_date",
]

_METHOD_WORDS = {
    DeliveryMethod.COURIER: "by courier",
    DeliveryMethod.PARCEL_LOCKER: "to a parcel locker",
    DeliveryMethod.PICKUP: "by pickup",
}


class SelectionPolicy(BaseModel):
    """How to rank the services that can carry a parcel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy: Literal["cheapest", "fastest", "priority", "sla"] = Field(
        default="cheapest", description="How candidates are ranked (see docs/shipping.md)."
    )
    priority: tuple[str, ...] = Field(default=(), description="Service ids, best first.")
    sla_days: int | None = Field(default=None, ge=0, description="Required D+n for 'sla'.")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A service that can carry the request, with its price and dates."""

    service: CarrierService
    price: Money
    size_class: SizeClass | None
    ship_date: date
    promised_delivery: date
    cutoff_at: datetime

    @property
    def service_id(self) -> str:
        """The service's id."""
        return self.service.id


@dataclass(frozen=True, slots=True)
class Selection:
    """The outcome of :func:`select_service`: the choice and every reason."""

    chosen: Candidate | None
    candidates: list[Candidate]
    rejected: dict[str, str]
    policy: SelectionPolicy
    reason: str | None = None
    order_day: date | None = None
    timezone: str = "Europe/Warsaw"
    _lines: list[str] = field(default_factory=list, repr=False)

    @property
    def ship_date(self) -> date | None:
        """The chosen service's ship date."""
        return self.chosen.ship_date if self.chosen else None

    @property
    def promised_delivery(self) -> date | None:
        """The chosen service's promised delivery date (ship date + transit days)."""
        return self.chosen.promised_delivery if self.chosen else None

    @property
    def cutoff_at(self) -> datetime | None:
        """The instant after which the ship date moves on."""
        return self.chosen.cutoff_at if self.chosen else None

    def explain(self) -> str:
        """A short multi-line explanation: the choice, the ranking, every rejection."""
        lines = []
        if self.chosen is None:
            lines.append(f"No service: {self.reason}")
        else:
            c = self.chosen
            size = f", size {c.size_class.name}" if c.size_class else ""
            cutoff = c.cutoff_at.strftime("%Y-%m-%d %H:%M")
            lines.append(
                f"Chosen: {c.service_id} ({c.service.name}){size}, {c.price} — ships "
                f"{c.ship_date:%a %Y-%m-%d}, delivered by {c.promised_delivery:%a %Y-%m-%d} "
                f"(order by {cutoff} {self.timezone})"
            )
            lines.append(
                f"Ranked by {self.policy.strategy}: "
                + ", ".join(cand.service_id for cand in self.candidates)
            )
        if self.rejected:
            lines.append("Rejected:")
            lines += [f"  {sid}: {why}" for sid, why in sorted(self.rejected.items())]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.service_id)}</td><td>{html.escape(str(c.price))}</td>"
            f"<td>{c.ship_date}</td><td>{c.promised_delivery}</td></tr>"
            for c in self.candidates
        )
        rejected = "".join(
            f"<li><code>{html.escape(k)}</code>: {html.escape(v)}</li>"
            for k, v in sorted(self.rejected.items())
        )
        head = html.escape(self.explain().splitlines()[0])
        return (
            f"<div><p><b>{head}</b></p><table><tr><th>service</th><th>price</th>"
            f"<th>ships</th><th>delivered</th></tr>{rows}</table>"
            f"<ul>{rejected}</ul></div>"
        )


@dataclass(frozen=True, slots=True)
class Promise:
    """What to tell the customer: when it ships and when it arrives."""

    service_id: str | None
    ship_date: date | None
    delivery_date: date | None
    cutoff_at: datetime | None
    explanation: str


# -- pricing -----------------------------------------------------------------------------


def quote(service: CarrierService, request: ShipmentRequest) -> Money | str:
    """The price of ``request`` with ``service``, or the reason it cannot be priced."""
    total: Money | None = None
    for parcel in request.parcels:
        price = _parcel_price(service, parcel)
        if isinstance(price, str):
            return price
        total = price if total is None else total + price
    assert total is not None
    if request.cod is not None and service.cod_fee is not None:
        total = total + service.cod_fee
    if service.insurance_rate and request.value is not None:
        total = total + Money(request.value.amount * service.insurance_rate, total.currency)
    return total.rounded()


def _parcel_price(service: CarrierService, parcel: Parcel) -> Money | str:
    size = service.size_class(parcel) if service.size_classes else None
    if size is not None and size.price is not None:
        return size.price
    for bracket in service.price_brackets:
        if parcel.weight_kg <= bracket.max_weight_kg:
            return bracket.price
    if service.price is not None:
        return service.price
    return f"no price for {parcel.weight_kg} kg"


# -- dates -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _ship_day(
    calendar: BusinessCalendar, pickup: BusinessCalendar, day: date, before_cutoff: bool
) -> date:
    both = calendar & pickup
    if before_cutoff and both.is_business_day(day):
        return day
    return both.next_business_day(day)


@lru_cache(maxsize=4096)
def _delivery_day(delivery: BusinessCalendar, ship: date, transit: int) -> date:
    return delivery.add_business_days(ship, transit) if transit else ship


def _carrier_calendars(
    service: CarrierService, calendar: BusinessCalendar
) -> tuple[BusinessCalendar, BusinessCalendar]:
    return _calendars_for(service.pickup_days, service.delivery_days, calendar)


@lru_cache(maxsize=256)
def _calendars_for(
    pickup_days: frozenset[int], delivery_days: frozenset[int], calendar: BusinessCalendar
) -> tuple[BusinessCalendar, BusinessCalendar]:
    every = set(range(7))
    return (
        BusinessCalendar(
            calendar.country,
            calendar.tz,
            weekend=every - pickup_days,
            subdivision=calendar.subdivision,
            name="carrier pickups",
        ),
        BusinessCalendar(
            calendar.country,
            calendar.tz,
            weekend=every - delivery_days,
            subdivision=calendar.subdivision,
            name="carrier deliveries",
        ),
    )


def ship_date(
    service: CarrierService, now: datetime, calendar: BusinessCalendar
) -> tuple[date, datetime]:
    """The day a parcel paid at ``now`` leaves with ``service``, and its cut-off instant.

    Before the service's cut-off on a day that is a working day of both the
    warehouse (``calendar``) and the carrier's pickup, it ships that day; at or
    after the cut-off, or on a non-working day, on the next day that is both.
    The cut-off instant is the local cut-off on the ship date: pay before it
    and the parcel leaves that day.
    """
    return _ship(service, calendar.local(now), calendar)


def _ship(
    service: CarrierService, local: datetime, calendar: BusinessCalendar
) -> tuple[date, datetime]:
    today = local.date()
    pickup, _ = _carrier_calendars(service, calendar)
    before = local.time().replace(tzinfo=None) < service.cutoff_on(today.weekday())
    shipped = _ship_day(calendar, pickup, today, before)
    return shipped, _cutoff_instant(calendar, shipped, service.cutoff_on(shipped.weekday()))


@lru_cache(maxsize=4096)
def _cutoff_instant(calendar: BusinessCalendar, day: date, when: time) -> datetime:
    return calendar.at(day, when)


# -- selection ---------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _wrong_method(offered: frozenset[DeliveryMethod], wanted: DeliveryMethod) -> str:
    words = "/".join(sorted(_METHOD_WORDS[m] for m in offered))
    return f"delivers {words}, not {_METHOD_WORDS[wanted]}"


def _within(dims: tuple[Decimal, Decimal, Decimal], limits: tuple[Decimal, ...]) -> bool:
    return dims[0] <= limits[0] and dims[1] <= limits[1] and dims[2] <= limits[2]


def _reject(
    service: CarrierService, request: ShipmentRequest, offered: Collection[str] | None
) -> str | None:
    if request.service_id is not None and service.id != request.service_id:
        return f"the customer chose {request.service_id}"
    if request.carrier is not None and service.carrier != request.carrier:
        return f"the customer chose {request.carrier}"
    if offered is not None and service.id not in offered:
        return f"no configured {service.carrier} carrier offers it"
    if request.method not in service.delivery_methods:
        return _wrong_method(service.delivery_methods, request.method)
    if request.country not in service.countries:
        return f"does not deliver to {request.country}"
    for index, parcel in enumerate(request.parcels):
        label = f"parcel {index + 1}: " if len(request.parcels) > 1 else ""
        if service.max_weight_kg is not None and parcel.weight_kg > service.max_weight_kg:
            return (
                f"{label}weight {parcel.weight_kg:.1f} kg > "
                f"{service.max_weight_kg.normalize():f} kg max"
            )
        if service.size_classes and service.size_class(parcel) is None:
            a, b, c = (f"{d.normalize():f}" for d in parcel.dimensions)
            return f"{label}{a}×{b}×{c} cm fits no size class ({service.limits_text()})"
        if service.max_dimensions_cm and not _within(parcel.dimensions, service.max_dimensions_cm):
            a, b, c = (f"{d.normalize():f}" for d in parcel.dimensions)
            return f"{label}{a}×{b}×{c} cm exceeds {service.limits_text()}"
    if request.cod is not None:
        if not service.cod:
            return "no cash on delivery"
        if service.cod_limit is not None and request.cod > service.cod_limit:
            return f"cash on delivery {request.cod} > {service.cod_limit} limit"
    return None


def select_service(
    request: ShipmentRequest,
    catalogue: Catalogue | Sequence[CarrierService],
    *,
    now: datetime,
    calendar: BusinessCalendar,
    policy: SelectionPolicy | None = None,
    offered: Collection[str] | None = None,
) -> Selection:
    """Choose the service for ``request`` and explain the choice (never raises for "none").

    ``now`` is when the order was paid (or accepted); ``calendar`` is the
    warehouse's working calendar. The customer's choice binds: with
    ``request.carrier`` only that carrier's services are candidates, with
    ``request.service_id`` only that service — the order is never moved to
    another carrier silently. ``offered`` (the service ids the configured
    carrier adapters can create) leaves out services nobody can buy a label for.
    """
    policy = policy or SelectionPolicy()
    ensure_aware(now, "now")
    local = calendar.local(now)
    order_day = local.date()
    rejected: dict[str, str] = {}
    candidates: list[Candidate] = []
    for service in catalogue:
        why = _reject(service, request, offered)
        price = quote(service, request) if why is None else why
        if isinstance(price, str):
            rejected[service.id] = price
            continue
        shipped, cutoff_at = _ship(service, local, calendar)
        _, delivery = _carrier_calendars(service, calendar)
        candidates.append(
            Candidate(
                service=service,
                price=price,
                size_class=service.size_class(request.parcels[0]) if service.size_classes else None,
                ship_date=shipped,
                promised_delivery=_delivery_day(delivery, shipped, service.transit_days),
                cutoff_at=cutoff_at,
            )
        )
    candidates.sort(key=_rank_key(policy, calendar, order_day))
    chosen = candidates[0] if candidates else None
    reason = None if chosen else _nothing_fits(request, rejected)
    return Selection(
        chosen=chosen,
        candidates=candidates,
        rejected=rejected,
        policy=policy,
        reason=reason,
        order_day=order_day,
        timezone=calendar.tz,
    )


def _rank_key(
    policy: SelectionPolicy, calendar: BusinessCalendar, order_day: date
) -> Callable[[Candidate], tuple[object, ...]]:
    order = {sid: i for i, sid in enumerate(policy.priority)}

    def key(c: Candidate) -> tuple[object, ...]:
        price = c.price.amount
        if policy.strategy == "fastest":
            return (c.promised_delivery, price, c.service_id)
        if policy.strategy == "priority":
            return (order.get(c.service_id, len(order)), price, c.service_id)
        if policy.strategy == "sla":
            days = calendar.business_days_between(order_day, c.promised_delivery)
            late = policy.sla_days is not None and days > policy.sla_days
            return (late, price, c.promised_delivery, c.service_id)
        return (price, c.promised_delivery, c.service_id)

    return key


def _nothing_fits(request: ShipmentRequest, rejected: dict[str, str]) -> str:
    if not rejected:
        return "the catalogue is empty"
    chosen = request.service_id or request.carrier
    if chosen is not None:
        own = {s: why for s, why in rejected.items() if not why.startswith("the customer chose")}
        if not own:
            return f"the customer chose {chosen}, which is not in the carrier catalogue"
        reasons = "; ".join(f"{s}: {why}" for s, why in sorted(own.items()))
        return (
            f"the customer chose {chosen}, but it cannot carry this order "
            f"{_METHOD_WORDS[request.method]} to {request.country} ({reasons})"
        )
    return (
        f"no service can carry {len(request.parcels)} parcel(s) "
        f"{_METHOD_WORDS[request.method]} to {request.country}; see the rejections"
    )


def promise(
    order: Order,
    parcels: Sequence[Parcel],
    catalogue: Catalogue | Sequence[CarrierService],
    *,
    now: datetime,
    calendar: BusinessCalendar,
    policy: SelectionPolicy | None = None,
    offered: Collection[str] | None = None,
) -> Promise:
    """The ship and delivery dates to show at checkout and in the confirmation message."""
    request = ShipmentRequest.from_order(order, parcels)
    selection = select_service(
        request, catalogue, now=now, calendar=calendar, policy=policy, offered=offered
    )
    chosen = selection.chosen
    return Promise(
        service_id=chosen.service_id if chosen else None,
        ship_date=selection.ship_date,
        delivery_date=selection.promised_delivery,
        cutoff_at=selection.cutoff_at,
        explanation=selection.explain(),
    )
