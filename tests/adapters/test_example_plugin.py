"""The example plugin under examples/ registers and keeps the OrderSource contract."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomflow.adapters import OrderSource, StockSink, available, get, register
from ecomflow.stock import StockUpdate
from ecomflow.testing import sample_order

PLUGIN_DIR = Path(__file__).parents[2] / "examples" / "ecomflow_echo_adapter"


@pytest.fixture
def echo_module() -> Iterator[object]:
    sys.path.insert(0, str(PLUGIN_DIR / "src"))
    try:
        import ecomflow_echo_adapter

        yield ecomflow_echo_adapter
    finally:
        sys.path.remove(str(PLUGIN_DIR / "src"))


def test_entry_point_is_declared() -> None:
    data = tomllib.loads((PLUGIN_DIR / "pyproject.toml").read_text())
    assert data["project"]["entry-points"]["ecomflow.adapters"] == {
        "echo": "ecomflow_echo_adapter:PLUGIN"
    }


def test_registers_and_keeps_the_contract(echo_module: object) -> None:
    info = register(echo_module.PLUGIN)  # type: ignore[attr-defined]
    assert get("echo") is info
    assert any(p.id == "echo" and p.source == "registered" for p in available())
    channel = info.client()
    assert isinstance(channel, OrderSource)
    assert isinstance(channel, StockSink)
    for number in range(5):
        channel.put(sample_order(str(number), channel="echo"))
    first = channel.fetch_orders(None)
    assert [o.channel_order_id for o in first.orders] == ["0", "1", "2", "3", "4"]
    assert channel.fetch_orders(first.cursor).orders == []
    channel.put(sample_order("5", channel="echo"))
    assert [o.channel_order_id for o in channel.fetch_orders(first.cursor).orders] == ["5"]
    assert channel.publish_stock([StockUpdate(channel="echo", sku="A", quantity=3)]).calls == 1


def test_cli_lists_adapters() -> None:
    from typer.testing import CliRunner

    from ecomflow.cli import app

    result = CliRunner().invoke(app, ["adapters"])
    assert result.exit_code == 0
    assert "baselinker" in result.output
