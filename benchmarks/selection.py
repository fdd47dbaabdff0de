"""Carrier selections per second: a 20-service catalogue over 10,000 varied requests.

Target ≥ 20,000 selections/s on one core. Run: ``python benchmarks/selection.py``.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ecomflow.calendar import BusinessCalendar
from ecomflow.money import Money
from ecomflow.orders import DeliveryMethod
from ecomflow.shipping import Catalogue, Parcel, ShipmentRequest, select_service


def twenty_services() -> Catalogue:
    base = list(Catalogue.example())
    services = []
    for i in range(20):
        template = base[i % len(base)]
        services.append(template.model_copy(update={"id": f"{template.id}_{i:02d}"}))
    return Catalogue(services)


def requests(count: int, seed: int = 1) -> list[tuple[ShipmentRequest, datetime]]:
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


def main() -> None:
    catalogue = twenty_services()
    calendar = BusinessCalendar()
    work = requests(10_000)
    for request, now in work[:500]:  # warm the calendar caches as a long-running service would
        select_service(request, catalogue, now=now, calendar=calendar)
    started = time.perf_counter()
    chosen = 0
    for request, now in work:
        if select_service(request, catalogue, now=now, calendar=calendar).chosen:
            chosen += 1
    elapsed = time.perf_counter() - started
    print(
        f"{len(work)} selections over {len(catalogue)} services in {elapsed:.2f}s: "
        f"{len(work) / elapsed:,.0f} selections/s ({chosen} with a service)"
    )


if __name__ == "__main__":
    main()
