"""The starter plugins under examples/ declare their entry points and register in-process.

Their full suites (conformance kits, checks against their README specs) run in
tests/examples; this checks the packaging a plugin author copies.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from ecomflow.adapters import OrderSource, ShipmentProvider, available, get, register
from ecomflow.adapters.registry import _REGISTRY

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    for name in ("ecomflow_starter_carrier", "ecomflow_starter_channel"):
        monkeypatch.syspath_prepend(str(EXAMPLES / name / "src"))
    monkeypatch.setattr(_REGISTRY, "registered", dict(_REGISTRY.registered))
    import ecomflow_starter_carrier
    import ecomflow_starter_channel

    return ecomflow_starter_carrier, ecomflow_starter_channel


@pytest.mark.parametrize(
    ("folder", "entry_point"),
    [
        ("ecomflow_starter_carrier", {"example_courier": "ecomflow_starter_carrier:PLUGIN"}),
        ("ecomflow_starter_channel", {"example_shop": "ecomflow_starter_channel:PLUGIN"}),
    ],
)
def test_entry_point_is_declared(folder: str, entry_point: dict[str, str]) -> None:
    data = tomllib.loads((EXAMPLES / folder / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["entry-points"]["ecomflow.adapters"] == entry_point
    assert data["project"]["dependencies"] == ["ecomflow"]
    assert (EXAMPLES / folder / "README.md").is_file()
    assert (EXAMPLES / folder / "src" / folder / "py.typed").is_file()


def test_register_without_installing(plugins: tuple[ModuleType, ModuleType]) -> None:
    carrier, channel = plugins
    register(carrier.PLUGIN)
    register(channel.PLUGIN)
    assert get("example_courier") is carrier.PLUGIN
    assert get("example_shop") is channel.PLUGIN
    assert {p.id for p in available() if p.source == "registered"} >= {
        "example_courier",
        "example_shop",
    }
    shop = channel.PLUGIN.build({"api_key": "k"})
    courier = carrier.PLUGIN.build({"token": "t"})
    assert isinstance(shop, OrderSource)
    assert isinstance(courier, ShipmentProvider)
    assert (shop.settings.channel, courier.settings.carrier) == ("example_shop", "example_courier")
    assert "'k'" not in repr(shop.settings) and "'t'" not in repr(courier.settings)


def test_cli_lists_adapters() -> None:
    from typer.testing import CliRunner

    from ecomflow.cli import app

    result = CliRunner().invoke(app, ["adapters"])
    assert result.exit_code == 0
    assert "baselinker" in result.output
    assert "pickup" in result.output
