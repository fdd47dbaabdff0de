"""Personal data through the command line: ``anonymise --older-than``, ``export``, ``erase``.

The shop's history is made in-process on a clock sixty days back, in the SQLite
file the commands then open — the commands run as subprocesses on today's clock,
as an operator runs them. The truth is the database file itself: after erasing,
no table holds the customer's name, e-mail, phone or street; the figures the
reports need (counts by status, money, lines, dates) are what they were.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecomflow.calendar import BusinessCalendar
from ecomflow.kpi import daily_report
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, PipelineSettings
from ecomflow.orchestration.privacy import anonymise
from ecomflow.orders.models import Address, Customer
from ecomflow.shipping import Catalogue, TrackingStatus
from ecomflow.storage import open_store
from ecomflow.testing import FrozenClock, MemoryCarrier, MemoryChannel, sample_order
from tests.e2e.shop import catalogue_toml, ecomflow_env, run

ANNA = ("Anna Wrzosowska", "anna.wrzosowska@przyklad.pl", "+48 617 888 999", "ul. Wrzosowa 4")
BOGDAN = ("Bogdan Czajkowski", "bogdan.cz@przyklad.pl", "+48 618 999 000", "ul. Czajki 8")


@dataclass
class History:
    """The shop's file and what was made in it."""

    root: Path
    old: list[str]  # delivered sixty days ago
    open_order: str  # Anna's, paid today, not shipped yet

    @property
    def db(self) -> Path:
        return self.root / "shop.db"

    def cli(self, *args: str) -> Any:
        return run([*args, "--config", "ecomflow.toml"], cwd=self.root, env=ecomflow_env())

    def shop(self) -> Orchestrator:
        return Orchestrator(
            store=open_store(f"sqlite:///{self.db}"),
            channels={"shop": MemoryChannel("shop")},
            carriers={"inpost": MemoryCarrier("inpost")},
            catalogue=Catalogue.example(),
            notifier=RecordingNotifier(),
        )

    def text(self) -> str:
        """Every value of every table of the database, as text."""
        connection = sqlite3.connect(self.db)
        try:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            ]
            values = [
                str(value)
                for table in tables
                for row in connection.execute(f'SELECT * FROM "{table}"')
                for value in row
            ]
        finally:
            connection.close()
        return "\n".join(values)


def _customer(order: Any, person: tuple[str, str, str, str]) -> Any:
    name, mail, phone, street = person
    order.customer = Customer(name=name, email=mail, phone=phone)
    order.delivery_address = Address(
        name=name, street=street, city="Kraków", postcode="31-147", phone=phone, email=mail
    )
    return order


@pytest.fixture
def history(tmp_path: Path) -> History:
    (tmp_path / "ecomflow.toml").write_text(
        f'store = "sqlite:///{tmp_path / "shop.db"}"\n[notify]\ntransport = "log"\n',
        encoding="utf-8",
    )
    clock = FrozenClock(datetime.now(UTC) - timedelta(days=60))
    channel, carrier = MemoryChannel("shop"), MemoryCarrier("inpost")
    (tmp_path / "catalogue.toml").write_text(catalogue_toml(), encoding="utf-8")
    shop = Orchestrator(
        store=open_store(f"sqlite:///{tmp_path / 'shop.db'}"),
        channels={"shop": channel},
        carriers={"inpost": carrier},
        catalogue=Catalogue.from_toml(tmp_path / "catalogue.toml"),  # every day until 23:59
        calendar=BusinessCalendar(open=[clock().date() + timedelta(days=d) for d in range(-1, 3)]),
        settings=PipelineSettings(label_opening=time(0, 0)),
        notifier=RecordingNotifier(),
        clock=clock,
    )
    shop.ledger.receive("MUG-RED", 20, key="initial")
    people = [ANNA, ANNA, BOGDAN]
    for number, person in enumerate(people, start=1):
        channel.put(_customer(sample_order(str(number), channel="shop", paid=True), person))
    for _ in range(3):
        shop.sync()
        shop.dispatch()
        clock.advance(hours=1)
    shipped = shop.repository.find(status="shipped")
    assert len(shipped) == 3
    for order in shipped:
        assert order.shipment is not None and order.shipment.shipment_id is not None
        carrier.advance(order.shipment.shipment_id, TrackingStatus.DELIVERED)
    shop.poll_tracking()
    shop.dispatch()
    old = sorted(o.id for o in shop.repository.find(status="delivered"))
    assert old == ["shop-1", "shop-2", "shop-3"]
    clock.set(datetime.now(UTC))  # today: Anna orders again
    channel.put(_customer(sample_order("4", channel="shop", paid=True), ANNA))
    shop.sync()
    shop.close()
    return History(tmp_path, old, "shop-4")


def _figures(history: History) -> dict[str, Any]:
    shop = history.shop()
    try:
        orders = shop.repository.find()
        return {
            "status": shop.repository.counts()["status"],
            "total": sum((o.total.amount for o in orders), Decimal(0)),
            "lines": sorted((o.id, line.sku, line.quantity) for o in orders for line in o.lines),
            "created": sorted((o.id, o.created_at) for o in orders),
            "report": daily_report(orders, calendar=shop.calendar).to_dict()["orders_by_status"],
        }
    finally:
        shop.close()


def test_export_gives_everything_about_one_customer_and_names_them_by_a_hash(
    history: History,
) -> None:
    done = history.cli("export", "--email", "  Anna.Wrzosowska@PRZYKLAD.pl ")
    assert done.returncode == 0, done.stderr
    exported = json.loads(done.stdout)
    assert sorted(o["id"] for o in exported["orders"]) == ["shop-1", "shop-2", "shop-4"]
    assert all(o["customer"]["name"] == ANNA[0] for o in exported["orders"])
    assert BOGDAN[0] not in done.stdout
    digest = hashlib.sha256(ANNA[1].encode()).hexdigest()[:16]
    trail = history.text()
    assert f"customer#{digest}" in trail  # the audit trail names her by a hash
    assert "gdpr-export" in trail


def test_erase_is_refused_while_an_order_is_open_then_leaves_nothing_of_her(
    history: History,
) -> None:
    before = _figures(history)
    refused = history.cli("erase", "--email", ANNA[1], "--yes")
    assert refused.returncode == 1
    assert "still open (shop-4)" in refused.stderr
    assert ANNA[0] in history.text()  # nothing changed

    cancelled = history.cli("cancel", history.open_order, "--reason", "she asked to erase")
    assert cancelled.returncode == 0, cancelled.stderr
    erased = history.cli("erase", "--email", ANNA[1], "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "erased the personal data of 3 orders" in erased.stdout

    everything = history.text()
    for value in (*ANNA, ANNA[1].split("@")[0], "617 888 999", "Wrzosowa"):
        assert value not in everything, value
    assert BOGDAN[0] in everything  # somebody else's orders are not touched
    assert "gdpr-erase" in everything
    after = _figures(history)
    assert after["total"] == before["total"]
    assert after["lines"] == before["lines"]
    assert after["created"] == before["created"]
    assert after["status"] == {"delivered": 3, "cancelled": 1}
    assert json.loads(history.cli("export", "--email", ANNA[1]).stdout)["orders"] == []


def test_anonymise_takes_closed_orders_past_the_period_and_keeps_the_figures(
    history: History,
) -> None:
    before = _figures(history)
    kept = history.cli("anonymise", "--older-than", "90")
    assert kept.returncode == 0, kept.stderr
    assert "anonymised 0 orders" in kept.stdout
    done = history.cli("anonymise", "--older-than", "30")
    assert done.returncode == 0, done.stderr
    assert "anonymised 3 orders" in done.stdout
    assert _figures(history) == before  # every figure the reports use is what it was
    everything = history.text()
    assert BOGDAN[0] not in everything and BOGDAN[1] not in everything
    assert ANNA[0] in everything  # her open order of today stays as it is
    shop = history.shop()
    try:
        for order_id in history.old:
            order = shop.order(order_id)
            assert order.customer.email is None
            assert order.delivery_address is not None
            assert order.delivery_address.postcode == "31"  # the region stays, for reports
            assert order.raw is None
            assert "anonymised" in order.tags
        assert shop.order(history.open_order).customer.email == ANNA[1]
    finally:
        shop.close()
    again = history.cli("anonymise", "--older-than", "30")
    assert "anonymised 0 orders" in again.stdout  # done once


def test_anonymise_reports_its_progress_order_by_order(history: History) -> None:
    shop = history.shop()
    seen: list[tuple[int, int]] = []
    try:
        report = anonymise(shop.core, timedelta(days=30), progress=lambda *p: seen.append(p))
    finally:
        shop.close()
    assert seen == [(1, 3), (2, 3), (3, 3)] and len(report.orders) == 3
