from __future__ import annotations

from pathlib import Path

import pytest

from ecomflow.errors import ConfigurationError, UnmappedStatus
from ecomflow.orders import OrderStatus, StatusMap


def test_every_status_has_pl_and_en_labels() -> None:
    for status in OrderStatus:
        assert status.label_pl and status.label_en
        assert status.label("pl_PL") == status.label_pl
        assert status.label("en_GB") == status.label_en
    assert OrderStatus.READY_TO_PACK.label_pl == "Do spakowania"
    assert OrderStatus.IN_FULFILMENT.label_pl == "W realizacji"
    assert OrderStatus.CANCELLED.is_final and not OrderStatus.SHIPPED.is_final
    assert OrderStatus.DELIVERED.is_shipped and not OrderStatus.PACKED.is_shipped


def test_default_map_covers_the_seed_statuses() -> None:
    smap = StatusMap.default()
    seeds = {
        "Nowe": OrderStatus.NEW,
        "Opłacone": OrderStatus.PAID,
        "W realizacji": OrderStatus.IN_FULFILMENT,
        "Wysłane": OrderStatus.SHIPPED,
        "Do spakowania": OrderStatus.READY_TO_PACK,
        "Wstrzymane": OrderStatus.ON_HOLD,
    }
    for name, status in seeds.items():
        assert smap.to_master("baselinker", name) is status
    for status in OrderStatus:
        assert smap.to_master("baselinker", smap.to_channel("baselinker", status)) is status


def test_unmapped_status_is_an_explicit_error() -> None:
    smap = StatusMap({"allegro": {"BOUGHT": "new", "READY_FOR_PROCESSING": "paid"}})
    with pytest.raises(UnmappedStatus) as info:
        smap.to_master("allegro", "FILLED_IN")
    err = info.value
    assert (err.channel, err.status) == ("allegro", "FILLED_IN")
    assert err.mapped == ["BOUGHT", "READY_FOR_PROCESSING"]
    assert "Add it to the channel's StatusMap" in str(err)
    with pytest.raises(UnmappedStatus, match="mapped: none"):
        smap.to_master("woocommerce", "processing")
    with pytest.raises(UnmappedStatus):
        smap.to_channel("allegro", OrderStatus.SHIPPED)


def test_ids_and_write_back() -> None:
    smap = StatusMap(
        {"baselinker": {1001: "new", 1002: "paid", 1003: "paid"}},
        write_back={"baselinker": {"paid": 1003}},
    )
    assert smap.to_master("baselinker", 1002) is OrderStatus.PAID
    assert smap.to_master("baselinker", "1003") is OrderStatus.PAID
    assert smap.to_channel("baselinker", OrderStatus.PAID) == "1003"
    assert smap.to_channel("baselinker", "new") == "1001"
    assert smap.covers("baselinker", [1001, 1004]) == ["1004"]
    assert StatusMap.from_dict(smap.to_dict()).to_dict() == smap.to_dict()


def test_bad_maps_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not a master status"):
        StatusMap({"shop": {"x": "teleported"}})
    with pytest.raises(ConfigurationError, match="no status mapping"):
        StatusMap({}, write_back={"shop": {"new": "x"}})


def test_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "statuses.toml"
    path.write_text(
        '[channels.woocommerce]\npending = "new"\nprocessing = "paid"\n"on-hold" = "on_hold"\n',
        encoding="utf-8",
    )
    smap = StatusMap.from_toml(path)
    assert smap.to_master("woocommerce", "on-hold") is OrderStatus.ON_HOLD
    merged = StatusMap.default().merged(smap)
    assert merged.channels == ["baselinker", "woocommerce"]
    assert "woocommerce: 3" in repr(merged)
    with pytest.raises(ConfigurationError, match="Cannot read status map"):
        StatusMap.from_toml(tmp_path / "missing.toml")
