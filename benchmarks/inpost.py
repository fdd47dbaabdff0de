"""Shipments + labels per second against FakeShipX on loopback: sync vs async.

Each unit of work is the real sequence: look up the reference (exactly-once
guard), create, read the shipment (confirmed immediately in the fake) and
fetch the PDF label. Run: ``python benchmarks/inpost.py [--shipments 300]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from ecomflow.adapters.inpost import AsyncInPostClient, InPostClient, InPostSettings
from ecomflow.shipping import Parcel, ShipmentRequest
from ecomflow.testing import FakeShipX, sample_order

PARCEL = Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=6)


def requests(count: int, prefix: str) -> list[ShipmentRequest]:
    return [
        ShipmentRequest.from_order(sample_order(f"{prefix}{i}", method="parcel_locker"), [PARCEL])
        for i in range(count)
    ]


def run_sync(fake: FakeShipX, work: list[ShipmentRequest]) -> float:
    settings = InPostSettings(token="bench", organization_id=fake.organization_id, url=fake.url)
    started = time.perf_counter()
    with InPostClient(settings) as api:
        for request in work:
            shipment = api.create_shipment(request)
            api.get_shipment(shipment.id)
            api.get_label(shipment.id)
    return len(work) / (time.perf_counter() - started)


async def run_async(fake: FakeShipX, work: list[ShipmentRequest], concurrency: int) -> float:
    settings = InPostSettings(token="bench", organization_id=fake.organization_id, url=fake.url)
    gate = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    async with AsyncInPostClient(settings) as api:

        async def one(request: ShipmentRequest) -> None:
            async with gate:
                shipment = await api.create_shipment(request)
                await api.get_shipment(shipment.id)
                await api.get_label(shipment.id)

        await asyncio.gather(*(one(r) for r in work))
    return len(work) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shipments", type=int, default=300)
    args = parser.parse_args()
    with FakeShipX(token="bench", keep_alive=True) as fake:
        sync_rate = run_sync(fake, requests(args.shipments, "S"))
        async_rate = asyncio.run(run_async(fake, requests(args.shipments, "A"), 16))
        print(f"sync:  {sync_rate:7.0f} shipments+labels/s")
        print(f"async: {async_rate:7.0f} shipments+labels/s (16 in flight)")
        print(f"shipments in the fake: {len(fake.shipments)} (expected {2 * args.shipments})")


if __name__ == "__main__":
    main()
