"""Stock publication to Shopify keeps its compare-and-set baseline in the store (issue 16, item 1).

The baseline is what ecomflow last published: it survives a restart, a write that
Shopify refused (someone changed the quantity in the admin) is not taken as the new
baseline, and the shop's own change is never overwritten blindly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomflow.adapters.shopify import ShopifyClient, ShopifySettings
from ecomflow.http import RetryPolicy
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import FakeShopify

FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    with FakeShopify(maximum_available=1_000_000, restore_rate=1_000_000) as fake:
        yield fake


def _shop(db: Path, fake: FakeShopify) -> Orchestrator:
    client = ShopifyClient(
        ShopifySettings(
            shop_url=fake.url,
            access_token=fake.token,
            app_secret=fake.app_secret,
            location_id=fake.default_location,
            timeout=2.0,
        ),
        retry=FAST,
    )
    return Orchestrator(
        store=open_store(f"sqlite:///{db}"),
        channels={"shopify": client},
        catalogue=Catalogue.example(),
        notifier=RecordingNotifier(),
    )


def _publish(shop: Orchestrator) -> None:
    shop.publish_stock()
    shop.dispatch()


def test_the_baseline_survives_a_restart_and_a_refused_write_is_not_one(
    tmp_path: Path, shopify: FakeShopify, caplog: pytest.LogCaptureFixture
) -> None:
    shopify.add_variant("MUG-RED", 0)
    shopify.add_variant("MUG-BLUE", 0)
    db = tmp_path / "shop.db"
    shop = _shop(db, shopify)
    shop.ledger.receive("MUG-RED", 10, key="in:red")
    shop.ledger.receive("MUG-BLUE", 4, key="in:blue")
    _publish(shop)
    assert (shopify.quantity("MUG-RED"), shopify.quantity("MUG-BLUE")) == (10, 4)
    assert shop.repository.published("shopify") == {("MUG-RED", ""): 10, ("MUG-BLUE", ""): 4}
    shop.close()

    # someone sells three red mugs at the counter and sets 7 in the Shopify admin
    variant = shopify.variants["MUG-RED"]["item"]
    shopify.inventory[(variant, shopify.default_location)] = 7

    restarted = _shop(db, shopify)  # a new process: the baseline comes from the store
    restarted.ledger.adjust("MUG-RED", -2, reason="broken in the warehouse", key="adj:red")
    restarted.ledger.receive("MUG-BLUE", 1, key="in:blue:2")
    with caplog.at_level(logging.WARNING, logger="ecomflow"):
        _publish(restarted)
    # the red write compared against 10 and was refused: the admin's 7 stands, and 8 is
    # not remembered as published; the blue one went through
    assert shopify.quantity("MUG-RED") == 7
    assert shopify.quantity("MUG-BLUE") == 5
    assert restarted.repository.published("shopify") == {("MUG-RED", ""): 10, ("MUG-BLUE", ""): 5}
    assert any("MUG-RED" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    restarted.close()
