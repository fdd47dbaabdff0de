"""The starter plugins are found through real entry points and configured from ecomflow.toml.

Nothing is pip-installed: the packages come from ``sys.path`` (see conftest.py)
and their entry points from a ``.dist-info`` folder written into ``tmp_path``,
exactly as an installed wheel lays them out, so ``importlib.metadata`` finds
them the way it finds any installed plugin.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from ecomflow_starter_carrier import ExampleCourierClient
from ecomflow_starter_carrier.fake import FakeKurier
from ecomflow_starter_channel import ExampleShopClient
from ecomflow_starter_channel.fake import FakeShop

from ecomflow.adapters import available, get
from ecomflow.adapters.registry import _REGISTRY
from ecomflow.errors import ConfigurationError, PluginError
from ecomflow.orchestration.config import OrchestratorConfig
from ecomflow.shipping import Parcel, ShipmentRequest
from ecomflow.testing import sample_order

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
