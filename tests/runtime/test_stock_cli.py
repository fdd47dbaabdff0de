"""``ecomflow stock receive`` and ``stock levels`` as an operator types them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.shop import ecomflow_env, run


def _shop(tmp_path: Path) -> Path:
    config = tmp_path / "ecomflow.toml"
    config.write_text(
        f'store = "sqlite:///{tmp_path / "shop.db"}"\n[notify]\ntransport = "log"\n',
        encoding="utf-8",
    )
    return config


def _ecomflow(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    done = run([*args, "--config", "ecomflow.toml"], cwd=tmp_path, env=ecomflow_env())
    return done.returncode, done.stdout, done.stderr


def test_a_delivery_is_received_once_per_key_and_files_once_per_content(tmp_path: Path) -> None:
    _shop(tmp_path)
    assert _ecomflow(tmp_path, "stock", "receive", "MUG-RED", "24", "--key", "WZ 17/2026")[0] == 0
    code, out, _ = _ecomflow(tmp_path, "stock", "receive", "MUG-RED", "24", "--key", "WZ 17/2026")
    assert code == 0 and "already received (key WZ 17/2026)" in out
    assert _ecomflow(tmp_path, "stock", "receive", "MUG-RED", "6")[0] == 0  # no key: always
    (tmp_path / "in.csv").write_text(
        "sku,quantity,warehouse\nMUG-RED,10\nLAMP-01,3,north\n", encoding="utf-8"
    )
    for _ in range(2):
        assert _ecomflow(tmp_path, "stock", "receive", "--file", "in.csv")[0] == 0
    code, out, _ = _ecomflow(tmp_path, "stock", "levels", "--json")
    levels = {(x["sku"], x["warehouse"]): x["on_hand"] for x in json.loads(out)}
    assert levels == {("MUG-RED", "main"): 40, ("LAMP-01", "north"): 3}


def test_what_cannot_be_received_is_refused(tmp_path: Path) -> None:
    _shop(tmp_path)
    (tmp_path / "bad.csv").write_text("MUG-RED,ten\n", encoding="utf-8")
    code, _, err = _ecomflow(tmp_path, "stock", "receive", "--file", "bad.csv")
    assert code == 2 and "bad.csv:1: expected sku,quantity[,warehouse]" in err
    code, _, err = _ecomflow(tmp_path, "stock", "receive", "MUG-RED", "0")
    assert code == 1 and "positive" in err.lower()
    code, out, _ = _ecomflow(tmp_path, "stock", "levels", "--json")
    assert json.loads(out) == []
