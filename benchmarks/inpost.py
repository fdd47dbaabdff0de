"""Shipments + labels per second against FakeShipX on loopback: sync vs async.

Two sequences per shipment, each in its own fake (so earlier runs do not grow
the list the look-up reads):

- ``guarded``: the exactly-once guard on every create — look the reference up
  (ShipX has no reference filter, so the look-up reads the shipment list newest
  first until it finds it or runs out of pages), create, read the shipment,
  fetch the PDF label. This is the sequence of earlier versions of this file.
- ``first attempt + bulk``: what the Orchestrator does on a first attempt —
  create with ``first_attempt=True`` (no look-up), then confirm the batch with
  ``get_shipments`` (one call per page of ids) and fetch the labels.

A create whose answer is lost is tried again as a later attempt (look-up
first), as the Orchestrator does; the count is printed. (With 16 connections at
once the loopback server's listen backlog of 5 resets some of them.)

Run: ``python benchmarks/inpost.py [--shipments 300]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from ecomflow.adapters.inpost import AsyncInPostClient, InPostClient, InPostSettings
from ecomflow.errors import TransportError
from ecomflow.shipping import Parcel, ShipmentRequest
from ecomflow.testing import FakeShipX, sample_order

PARCEL = Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=6)
BATCH = 50
RETRIES: list[str] = []


def requests(count: int, prefix: str) -> list[ShipmentRequest]:
    made = []
    for i in range(count):
        order = sample_order(f"{prefix}{i}", method="parcel_locker")
        made.append(
            ShipmentRequest.from_order(order, [PARCEL]).model_copy(update={"reference": order.id})
        )
    return made


def settings(fake: FakeShipX) -> InPostSettings:
    return InPostSettings(token="bench", organization_id=fake.organization_id, url=fake.url)


def run_sync(fake: FakeShipX, work: list[ShipmentRequest], bulk: bool) -> float:
    started = time.perf_counter()
    with InPostClient(settings(fake)) as api:
        for start in range(0, len(work), BATCH):
            batch = work[start : start + BATCH]
            if bulk:
                made = [api.create_shipment(r, first_attempt=True) for r in batch]
                api.get_shipments([m.id for m in made])
            else:
                made = [api.create_shipment(r) for r in batch]
                for shipment in made:
                    api.get_shipment(shipment.id)
            for shipment in made:
                api.get_label(shipment.id)
    return len(work) / (time.perf_counter() - started)


async def run_async(
    fake: FakeShipX, work: list[ShipmentRequest], bulk: bool, concurrency: int
) -> float:
    gate = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    async with AsyncInPostClient(settings(fake)) as api:

        async def one(request: ShipmentRequest) -> str:
            async with gate:
                try:
                    shipment = await api.create_shipment(request, first_attempt=bulk)
                except TransportError:  # nothing was created (it looked): a later attempt
                    RETRIES.append(request.reference)
                    shipment = await api.create_shipment(request)
                if not bulk:
                    await api.get_shipment(shipment.id)
                return shipment.id

        async def label(shipment_id: str) -> None:
            async with gate:
                await api.get_label(shipment_id)

        for start in range(0, len(work), BATCH):
            ids = await asyncio.gather(*(one(r) for r in work[start : start + BATCH]))
            if bulk:
                await api.get_shipments(ids)
            await asyncio.gather(*(label(i) for i in ids))
    return len(work) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shipments", type=int, default=300)
    args = parser.parse_args()
    for name, bulk in (("guarded", False), ("first attempt + bulk", True)):
        with FakeShipX(token="bench", keep_alive=True) as fake:
            sync_rate = run_sync(fake, requests(args.shipments, "S"), bulk)
            sync_calls = sum(fake.calls.values()) / args.shipments
        RETRIES.clear()
        with FakeShipX(token="bench", keep_alive=True) as fake:
            async_rate = asyncio.run(run_async(fake, requests(args.shipments, "A"), bulk, 16))
            count = len(fake.shipments)
        print(f"{name}:")
        print(f"  sync:  {sync_rate:7.0f} shipments+labels/s ({sync_calls:.2f} calls each)")
        print(f"  async: {async_rate:7.0f} shipments+labels/s (16 in flight)")
        print(
            f"  shipments in the async fake: {count} (expected {args.shipments}; "
            f"{len(RETRIES)} creates tried again)"
        )


if __name__ == "__main__":
    main()
