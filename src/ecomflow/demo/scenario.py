"""The demo's shop day, decided up front from the seed: orders and what happens to them.

Everything random is drawn here, once, from ``random.Random(seed)``: which
products, which delivery the customer chose, how and when they pay, which
orders have bad data, are cancelled (before or after the label), change their
address, and which one cannot be taken in at all. The same seed gives the
same day, so two runs — one of them killed and resumed — can be compared.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "CITIES",
    "PRODUCTS",
    "SCARCE",
    "PlannedOrder",
    "Scenario",
    "WorldEvent",
    "plan_day",
]

WARSAW = ZoneInfo("Europe/Warsaw")

#: The demo shop's catalogue: SKU → (name, unit price, weight kg, dimensions cm, stock).
PRODUCTS: dict[str, tuple[str, str, str, tuple[int, int, int], int]] = {
    "KUBEK-CZ": ("Kubek czerwony", "24.50", "0.4", (12, 9, 10), 400),
    "KUBEK-NB": ("Kubek niebieski", "24.50", "0.4", (12, 9, 10), 400),
    "PLED-WEL": ("Pled wełniany", "189.00", "1.2", (35, 30, 12), 120),
    "SWIECA-L": ("Świeca lawendowa", "39.90", "0.5", (10, 10, 12), 300),
    "HERBATA": ("Herbata zimowa", "29.00", "0.3", (15, 10, 8), 500),
    "RĘKAWICE": ("Rękawice", "79.00", "0.3", (25, 12, 4), 150),
    "LAMPKA": ("Lampka LED", "149.00", "1.5", (30, 20, 20), 90),
    "KALENDARZ": ("Kalendarz 2027", "59.00", "0.6", (30, 21, 2), 6),
    "ZESTAW-PR": ("Zestaw prezentowy", "249.00", "2.5", (40, 30, 15), 5),
    "BIURKO": ("Biurko dębowe", "1490.00", "32.0", (120, 60, 15), 20),
}

#: SKUs that run out during the day (a delivery arrives at 14:00).
SCARCE = ("KALENDARZ", "ZESTAW-PR")

CITIES = [
    ("Kraków", "31-147", "KRA010"),
    ("Warszawa", "00-950", "WAW22M"),
    ("Gdańsk", "80-837", "GDA01N"),
    ("Poznań", "61-896", "POZ05M"),
    ("Wrocław", "50-075", "WRO16H"),
]
NAMES = [
    "Anna Nowak",
    "Jan Kowalski",
    "Ewa Wiśniewska",
    "Piotr Wójcik",
    "Maria Kamińska",
    "Tomasz Lewandowski",
    "Katarzyna Zielińska",
    "Michał Szymański",
]

#: Delivery-method names as the shop's BaseLinker panel shows them.
LOCKER, COURIER, DPD, PICKUP = (
    "InPost Paczkomaty 24/7",
    "Kurier InPost",
    "Kurier DPD",
    "Odbiór osobisty",
)
#: A method nobody mapped: the order cannot be taken in until it is fixed.
UNMAPPED = "Dostawa dronem"


@dataclass(frozen=True)
class WorldEvent:
    """Something the outside world does at ``at``: ``kind`` and what it needs."""

    at: datetime
    kind: str
    number: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedOrder:
    """One customer's order: its BaseLinker fields and the story it will have."""

    number: int
    arrives: datetime
    fields: dict[str, Any]
    story: list[str] = field(default_factory=list)


@dataclass
class Scenario:
    """The whole day: the orders and the world's events, in time order."""

    day: date
    orders: list[PlannedOrder]
    events: list[WorldEvent]
    seed: int = 0

    def between(self, start: datetime, end: datetime) -> list[WorldEvent]:
        """Events with ``start < at <= end``, in time order."""
        return [e for e in self.events if start < e.at <= end]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Warsaw wall-clock moment of ``day``."""
    return datetime.combine(day, time(hour, minute), tzinfo=WARSAW)


def _products(rng: random.Random, number: int) -> tuple[list[str], list[dict[str, Any]]]:
    everyday = [s for s in PRODUCTS if s not in ("BIURKO", *SCARCE)]
    roll = rng.random()
    skus = rng.sample(everyday, rng.randint(1, 3))
    if roll < 0.03:
        skus = ["BIURKO"]
    elif roll < 0.12:
        skus.append(rng.choice(SCARCE))
    lines = [
        {
            "order_product_id": number * 10 + i,
            "product_id": str(100 + list(PRODUCTS).index(s)),
            "name": PRODUCTS[s][0],
            "sku": s,
            "ean": "",
            "price_brutto": PRODUCTS[s][1],
            "tax_rate": "23",
            "quantity": str(1 if s in SCARCE else rng.choice([1, 1, 1, 2])),
            "weight": PRODUCTS[s][2],
        }
        for i, s in enumerate(skus)
    ]
    return skus, lines


def plan_day(orders: int, seed: int, day: date) -> Scenario:
    """Plan the demo day (see the module docstring)."""
    rng = random.Random(seed)
    opening = local(day, 7)
    arrivals = sorted(opening + timedelta(minutes=rng.randint(0, 13 * 60)) for _ in range(orders))
    planned: list[PlannedOrder] = []
    events: list[WorldEvent] = []
    poisoned = False
    for number, when in enumerate(arrivals, start=1):
        skus, lines = _products(rng, number)
        city, postcode, point = rng.choice(CITIES)
        name = rng.choice(NAMES)
        total = sum(float(p["price_brutto"]) * int(p["quantity"]) for p in lines)
        pick = rng.random()
        if skus == ["BIURKO"]:
            method = DPD if pick < 0.5 else COURIER
        elif not poisoned and number > orders // 3:
            method, poisoned = UNMAPPED, True
        elif pick < 0.55:
            method = LOCKER
        elif pick < 0.80:
            method = COURIER
        elif pick < 0.92:
            method = PICKUP
        else:
            method = DPD
        pay = rng.random()
        cod = method in (COURIER, LOCKER) and pay < 0.15
        late = not cod and 0.15 <= pay < 0.25
        never = not cod and 0.25 <= pay < 0.28
        fields: dict[str, Any] = {
            "order_id": 7000 + number,
            "date_add": int(when.timestamp()),
            "date_confirmed": int(when.timestamp()),
            "email": f"klient{number}@example.com",
            "phone": f"60{rng.randint(1000000, 9999999)}",
            "delivery_fullname": name,
            "delivery_address": f"ul. Długa {rng.randint(1, 120)}",
            "delivery_city": city,
            "delivery_postcode": postcode,
            "delivery_country_code": "PL",
            "delivery_method": method,
            "delivery_point_id": point if method == LOCKER else "",
            "payment_method": "Pobranie" if cod else "Przelewy24",
            "payment_method_cod": "1" if cod else "0",
            "payment_done": "0" if (cod or late or never) else f"{total:.2f}",
            "products": lines,
        }
        order = PlannedOrder(number, when, fields)
        if method == UNMAPPED:
            order.story.append("poison: an unmapped delivery method, fixed at 12:30")
            events.append(
                WorldEvent(
                    max(when, local(day, 12, 30)) + timedelta(minutes=1),
                    "fix_method",
                    number,
                    {"method": COURIER},
                )
            )
        if late:
            paid_at = when + timedelta(minutes=rng.randint(60, 180))
            order.story.append("late payment")
            events.append(WorldEvent(paid_at, "pay", number))
        if never:
            order.story.append("never paid")
        trouble = rng.random()
        if trouble < 0.04:
            fields["delivery_postcode"] = postcode.replace("-", "")
            order.story.append("bad postcode, corrected two hours later")
            events.append(
                WorldEvent(
                    when + timedelta(hours=2), "edit", number, {"delivery_postcode": postcode}
                )
            )
        elif trouble < 0.06:
            fields.update(
                want_invoice="1",
                invoice_company="Firma sp. z o.o.",
                invoice_nip="1234567890",
                invoice_fullname=name,
                invoice_address="ul. Firmowa 1",
                invoice_city=city,
                invoice_postcode=postcode,
                invoice_country_code="PL",
            )
            order.story.append("bad NIP (held for verification)")
        elif trouble < 0.08:
            fields["phone"] = "12345"
            order.story.append("bad phone (held for verification)")
        change = rng.random()
        if change < 0.05 and method == LOCKER and when > local(day, 15, 5):
            other = rng.choice([c for c in CITIES if c[2] != point])
            order.story.append("changed the locker 20 minutes after ordering")
            events.append(
                WorldEvent(
                    when + timedelta(minutes=20),
                    "edit",
                    number,
                    {
                        "delivery_point_id": other[2],
                        "delivery_city": other[0],
                        "delivery_postcode": other[1],
                    },
                )
            )
        elif change < 0.06 and when < local(day, 12):
            order.story.append("cancelled at 16:30, after the label")
            events.append(WorldEvent(local(day, 16, 30), "cancel", number))
        elif change < 0.09 and when > local(day, 15, 5):
            order.story.append("cancelled at 20:30, before the label (due tomorrow)")
            events.append(WorldEvent(local(day, 20, 30), "cancel", number))
        events.append(WorldEvent(when, "arrive", number))
        planned.append(order)
    events.append(WorldEvent(local(day, 14), "restock", 0, {"skus": dict.fromkeys(SCARCE, 20)}))
    events.sort(key=lambda e: (e.at, e.kind != "arrive", e.number))
    return Scenario(day, planned, events, seed)
