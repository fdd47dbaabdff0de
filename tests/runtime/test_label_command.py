"""``ecomflow label``: a person buys the label a rule kept back, once, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from ecomflow.cli import app
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator
from ecomflow.orders import OrderStatus
from ecomflow.rules import RuleSet
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import FrozenClock, MemoryCarrier, MemoryChannel, sample_order

runner = CliRunner()
RULES = {
    "rules": [
        {
            "id": "check-big-orders",
            "when": {"field": "total", "op": ">=", "value": "1000 PLN"},
            "then": [{"request_label": False}],
        }
    ]
}


def _shop(db: Path, clock: FrozenClock) -> tuple[Orchestrator, MemoryChannel, MemoryCarrier]:
    channel, inpost = MemoryChannel("shop"), MemoryCarrier("inpost")
    shop = Orchestrator(
        store=open_store(f"sqlite:///{db}"),
        channels={"shop": channel},
        carriers={"inpost": inpost},
        catalogue=Catalogue.example(),
        notifier=RecordingNotifier(),
        rules=RuleSet.load(RULES),
        clock=clock,
    )
    return shop, channel, inpost


def test_label_queues_the_kept_back_label_once_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    clock = FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    shop, channel, inpost = _shop(db, clock)
    shop.ledger.receive("DESK", 2, key="goods-in")
    channel.put(sample_order("31", paid=True, carrier="inpost", lines={"DESK": (1, "1490.00")}))
    channel.put(sample_order("32", paid=True, carrier="inpost", lines={"DESK": (1, "90.00")}))
    for _ in range(3):
        shop.sync()
        shop.dispatch()
    assert shop.order("shop-31").status is OrderStatus.PACKED
    config = tmp_path / "ecomflow.toml"
    config.write_text(f'store = "sqlite:///{db}"\n\n[notify]\ntransport = "log"\n')
    args = ["--config", str(config), "--actor", "ola"]

    done = runner.invoke(app, ["label", "shop-31", *args])
    assert done.exit_code == 0, done.output
    assert "shop-31: label queued" in done.stdout
    again = runner.invoke(app, ["label", "shop-31", *args])
    assert again.exit_code == 1 and "nothing to queue" in " ".join(again.stderr.split())
    shipped = runner.invoke(app, ["label", "shop-32", *args])  # no rule kept it back
    assert shipped.exit_code == 1 and "it is shipped" in " ".join(shipped.stderr.split())
    unknown = runner.invoke(app, ["label", "shop-404", *args])
    assert unknown.exit_code == 4

    # the command queued it on the wall clock: due by the next working morning at the latest
    clock.set(datetime.now(UTC) + timedelta(days=5))
    for _ in range(2):
        shop.dispatch()
    assert shop.order("shop-31").status is OrderStatus.SHIPPED
    assert len(inpost.with_reference("shop-31")) == 1
    who = [a.actor for a in shop.repository.audit_trail() if a.action == "request-label"]
    assert who == ["ola"]
    shop.close()
