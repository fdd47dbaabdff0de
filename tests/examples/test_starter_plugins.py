"""The starter plugins are found through real entry points and configured from ecomflow.toml.

Nothing is pip-installed: the packages come from ``sys.path`` (see conftest.py)
and their entry points from a ``.dist-info`` folder written into ``tmp_path``,
exactly as an installed wheel lays them out, so ``importlib.metadata`` finds
them the way it finds any installed plugin.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ecomflow_starter_carrier import ExampleCourierClient
from ecomflow_starter_carrier.fake import FakeKurier
from ecomflow_starter_channel import ExampleShopClient
from ecomflow_starter_channel.fake import FakeShop

from ecomflow.adapters import available, get
from ecomflow.adapters.registry import _REGISTRY
from ecomflow.errors import ConfigurationError, PluginError
from ecomflow.orchestration import Orchestrator
from ecomflow.orchestration.config import OrchestratorConfig
from ecomflow.shipping import Parcel, ShipmentRequest
from ecomflow.testing import FrozenClock, sample_order

from .conftest import PLUGINS


def entry_points_of(folder: Path) -> dict[str, str]:
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    points: dict[str, str] = project["project"]["entry-points"]["ecomflow.adapters"]
    return points


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Both plugins' entry points, as an installed wheel would leave them, and a fresh registry."""
    for package, folder in PLUGINS.items():
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
        info = tmp_path / f"{package}-{project['project']['version']}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {project['project']['name']}\n"
            f"Version: {project['project']['version']}\n",
            encoding="utf-8",
        )
        lines = [f"{name} = {target}" for name, target in entry_points_of(folder).items()]
        (info / "entry_points.txt").write_text(
            "[ecomflow.adapters]\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(_REGISTRY, "loaded", None)  # forget the entry points read before
    yield tmp_path
    _REGISTRY.loaded = None  # the next look-up reads them again, without these


def test_without_the_entry_points_they_are_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_REGISTRY, "loaded", None)
    others = {k: v for k, v in _REGISTRY.registered.items() if not k.startswith("example_")}
    monkeypatch.setattr(_REGISTRY, "registered", others)
    with pytest.raises(PluginError, match="example_courier"):
        get("example_courier")


def test_discovered_through_entry_points(installed: Path) -> None:
    courier = get("example_courier")
    assert courier.client is ExampleCourierClient
    assert courier.kind == "carrier"
    assert courier.capabilities == {"shipments", "shipment_listing", "tracking", "webhooks"}
    shop = get("example_shop")
    assert shop.client is ExampleShopClient
    assert shop.kind == "channel"
    assert shop.capabilities == {"orders", "bulk_status", "stock", "webhooks"}
    sources = {p.id: p.source for p in available()}
    assert sources["example_courier"] == "ecomflow_starter_carrier:PLUGIN"
    assert sources["example_shop"] == "ecomflow_starter_channel:PLUGIN"
    assert "pickup" in sources  # the built-in carrier is an entry point too


def test_the_cli_lists_them(installed: Path) -> None:
    from typer.testing import CliRunner

    from ecomflow.cli import app

    result = CliRunner().invoke(app, ["adapters"])
    assert result.exit_code == 0, result.output
    assert "example_courier" in result.output
    assert "example_shop" in result.output


def test_configured_from_ecomflow_toml_alone(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_TOKEN", "kp-token-from-env")
    with FakeKurier(token="kp-token-from-env") as courier, FakeShop(api_key="sk-k3y") as shop:
        toml = tmp_path / "ecomflow.toml"
        toml.write_text(
            f"""
store = "memory://"

[notify]
transport = "log"

[channels.sklep]
adapter = "example_shop"
api_key = "sk-k3y"
url = "{shop.url}"
[channels.sklep.deliveries]
"Kurier GLS" = {{method = "courier", carrier = "gls"}}

[carriers.example_courier]
adapter = "example_courier"
token = {{env = "KP_TOKEN"}}
url = "{courier.url}"

[carriers.shop]
adapter = "pickup"
location = "ul. Długa 1, Kraków"
""",
            encoding="utf-8",
        )
        config = OrchestratorConfig.from_toml(toml)
        [channel] = config.adapters("channels")
        carriers = {c.name: c for c in config.adapters("carriers")}
        assert (channel.name, channel.info.id) == ("sklep", "example_shop")
        assert {n: c.info.id for n, c in carriers.items()} == {
            "example_courier": "example_courier",
            "shop": "pickup",
        }
        assert "kp-token-from-env" not in str(config.redacted())
        assert "sk-k3y" not in str(config.redacted())

        source = channel.build()
        [seeded] = shop.add_orders(1)
        batch = source.fetch_orders(None)
        assert [o.id for o in batch.orders] == [f"sklep-{seeded}"]
        assert source.settings.channel == "sklep"  # filled from the table's name

        provider = carriers["example_courier"].build()
        request = ShipmentRequest.from_order(
            sample_order("1001", channel="sklep"),
            [Parcel(weight_kg=1, length_cm=30, width_cm=20, height_cm=10)],
            service_id="example_courier_standard",
        )
        made = provider.create_shipment(request)
        assert courier.live_with("sklep-1001") == 1
        assert provider.create_shipment(request).id == made.id
        source.close()
        provider.close()


def test_an_order_ships_through_the_orchestrator(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ecomflow.toml alone: the shop's order is labelled by the courier it chose.

    The catalogue is the plugin's own ``catalogue.toml`` plus the pickup desk's
    service; the order asks for "Kurier Przykładowy", which the shop's default
    delivery map sends to ``example_courier``.
    """
    catalogue = tmp_path / "carriers.toml"
    pickup = (
        '[[services]]\nid = "personal_pickup"\ncarrier = "shop"\nname = "Odbiór osobisty"\n'
        'delivery_methods = ["pickup"]\ncountries = ["PL"]\nprice = "0 PLN"\n'
        'transit_days = 0\ncutoff = "17:00"\n'
    )
    catalogue.write_text(
        (PLUGINS["ecomflow_starter_carrier"] / "catalogue.toml").read_text(encoding="utf-8")
        + "\n"
        + pickup,
        encoding="utf-8",
    )
    clock = FrozenClock(datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw")))
    with FakeKurier(token="kp") as courier, FakeShop(api_key="sk") as shop:
        toml = tmp_path / "ecomflow.toml"
        toml.write_text(
            f"""
store = "memory://"
catalogue = "{catalogue.name}"

[notify]
transport = "log"

[channels.sklep]
adapter = "example_shop"
api_key = "sk"
url = "{shop.url}"

[carriers.example_courier]
adapter = "example_courier"
token = "kp"
url = "{courier.url}"

[carriers.shop]
adapter = "pickup"
""",
            encoding="utf-8",
        )
        orchestrator = Orchestrator.from_config(OrchestratorConfig.from_toml(toml), clock=clock)
        try:
            orchestrator.ledger.receive("MUG-RED", 10, key="opening-stock")
            order_id = shop.put(
                shop.order_payload(
                    "501",
                    status="paid",
                    shipping={"method": "Kurier Przykładowy", "point_id": None, "price": "15.00"},
                    payment={
                        "method": "blik",
                        "paid_amount": "64.00",
                        "paid_at": "2026-12-07T07:55:00Z",
                        "cod": False,
                    },
                )
            )
            orchestrator.cycle()
            [shipment] = courier.shipments.values()
            courier.confirm(shipment["id"])  # the courier confirms; the label can be fetched
            for _ in range(3):
                clock.advance(minutes=5)
                orchestrator.cycle()

            order = orchestrator.order(f"sklep-{order_id}")
            assert order.shipping is not None
            assert order.shipping.service_id == "example_courier_standard"
            assert order.shipment is not None
            assert order.shipment.tracking_number == shipment["tracking_number"]
            assert courier.live_with(f"sklep-{order_id}") == 1
            [written] = shop.shipments[order_id]
            assert written["tracking_number"] == shipment["tracking_number"]
            assert shop.orders[order_id]["status"] == "shipped"
            effects = orchestrator.status()["effects"]
            assert (effects["parked"], effects["due"]) == (0, 0), effects
        finally:
            orchestrator.close()


def test_configuration_errors_name_the_plugin_key(installed: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        OrchestratorConfig.from_dict(
            {
                "store": "memory://",
                "carriers": {"example_courier": {"adapter": "example_courier", "tokn": "x"}},
                "channels": {"sklep": {"adapter": "example_courier", "token": "x"}},
            }
        )
    text = str(info.value)
    assert "carriers.example_courier.tokn: unknown key (did you mean 'token'?)" in text
    assert "channels.sklep.adapter: 'example_courier' is not a channel" in text
