"""docs/running.md does what it says: its files, commands and systemd units, run for real.

The guide's ``ecomflow.toml``, ``carriers.toml``, ``products.toml``, ``stock.csv``
and ``secrets.env`` are taken from its code blocks as they are. Only what
points at the real world is redirected — the way the guide says any key can be:
``ECOMFLOW_<KEY>`` environment variables send the adapters to the fake APIs and
the mail to a local SMTP server. Then the guide's commands run: ``check-config``
(with every adapter's credential call), ``migrate``, ``stock receive``, a
worker's round, ``status``, ``parked``; the units in ``examples/systemd`` run
their ``ExecStart`` lines; and every ``ecomflow`` command line in the guide
uses only commands and options that exist.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from configparser import ConfigParser
from pathlib import Path

import httpx
import pytest

from ecomflow.testing import FakeBaseLinker, FakeShipX, FakeShopify, FakeWooCommerce

from .shop import SmtpSink, ecomflow_env, free_port, run, start, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).parents[2]
GUIDE = (ROOT / "docs" / "running.md").read_text(encoding="utf-8")
UNITS = ROOT / "examples" / "systemd"
CONFIG_PATH = "/etc/ecomflow/ecomflow.toml"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", GUIDE, flags=re.S | re.M)


def _file(name: str) -> str:
    """The code block whose first line is ``# <name>``."""
    found = [b for lang in ("toml", "bash") for b in _blocks(lang) if b.startswith(f"# {name}")]
    assert len(found) == 1, f"the guide has {len(found)} blocks for {name}"
    return found[0]


def _secrets() -> dict[str, str]:
    names = {}
    for line in _file("/etc/ecomflow/secrets.env").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            names[key] = value
    return names


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """Overridden here: the guide's mail server asks for a login."""
    sink = SmtpSink(login=("sklep@kubkowo.pl", "guide-smtp-password"))
    with sink.serving():
        yield sink


def test_the_guide_runs(tmp_path: Path, schema_url: str, smtp: SmtpSink) -> None:
    secrets = _secrets()
    assert {"BL_TOKEN", "SHIPX_TOKEN", "ECOMFLOW_DATABASE_URL", "SMTP_PASSWORD"} <= set(secrets)
    config = tmp_path / "ecomflow.toml"
    config.write_text(
        _file(CONFIG_PATH) + "\n" + _file(f"added to {CONFIG_PATH}"), encoding="utf-8"
    )
    (tmp_path / "carriers.toml").write_text(_file("/etc/ecomflow/carriers.toml"), encoding="utf-8")
    (tmp_path / "products.toml").write_text(_file("/etc/ecomflow/products.toml"), encoding="utf-8")
    (csv,) = _blocks("csv")
    (tmp_path / "stock.csv").write_text(csv, encoding="utf-8")
    organization = int(re.search(r"organization_id = (\d+)", config.read_text()).group(1))

    with (
        FakeBaseLinker(token="guide-bl") as bl,
        FakeShipX(token="guide-shipx", organization_id=organization) as shipx,
        FakeShopify(token="guide-shpat", app_secret="guide-shpss") as shopify,
        FakeWooCommerce(key="ck_guide", secret="cs_guide", webhook_secret="guide-whsec") as woo,
    ):
        env = ecomflow_env(
            {
                **{name: f"unused-{name.lower()}" for name in secrets},
                "ECOMFLOW_DATABASE_URL": schema_url,
                "BL_TOKEN": bl.token,
                "SHIPX_TOKEN": shipx.token,
                "SHOPIFY_TOKEN": shopify.token,
                "SHOPIFY_SECRET": shopify.app_secret,
                "WOO_KEY": woo.key,
                "WOO_SECRET": woo.secret,
                "WOO_HOOK": woo.webhook_secret,
                "SMTP_PASSWORD": "guide-smtp-password",
                # the real world, redirected the way the guide says any key can be
                "ECOMFLOW_CHANNELS__BASELINKER__URL": bl.url,
                "ECOMFLOW_CARRIERS__INPOST__URL": shipx.url,
                "ECOMFLOW_CHANNELS__SHOPIFY__SHOP_URL": shopify.url,
                "ECOMFLOW_CHANNELS__SHOPIFY__LOCATION_ID": shopify.default_location,
                "ECOMFLOW_CHANNELS__WOOCOMMERCE__URL": woo.url,
                "ECOMFLOW_CHANNELS__WOOCOMMERCE__ALLOW_HTTP": "true",
                "ECOMFLOW_NOTIFY__HOST": "127.0.0.1",
                "ECOMFLOW_NOTIFY__PORT": str(smtp.port),
                "ECOMFLOW_NOTIFY__SECURITY": "none",
            }
        )

        def ecomflow(*args: str) -> subprocess.CompletedProcess[str]:
            return run([*args, "--config", str(config)], cwd=tmp_path, env=env)

        # -- section 4: check, migrate, put the stock in ----------------------------------
        checked = ecomflow("check-config", "--json")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        effective = json.loads(checked.stdout)
        assert effective["problems"] == []
        assert {"baselinker", "shopify", "woocommerce"} == set(effective["config"]["channels"])
        for value in (bl.token, shipx.token, shopify.token, woo.secret, "guide-smtp-password"):
            assert value not in checked.stdout
        assert bl.calls["getOrderStatusList"] == 1  # the credential checks reached the APIs
        assert shipx.calls["list_shipments"] == 1
        migrated = ecomflow("migrate")
        assert migrated.returncode == 0 and "orchestrator: v2" in migrated.stdout
        for outcome in ("MUG-RED @ main: 120 on hand", "already received"):
            received = ecomflow("stock", "receive", "--file", "stock.csv")
            assert received.returncode == 0, received.stderr
            assert outcome in received.stdout
        levels = json.loads(ecomflow("stock", "levels", "--json").stdout)
        assert [(x["sku"], x["on_hand"]) for x in levels] == [("MUG-RED", 120)]

        # -- a worker's round: the order is taken in, the customer told ---------------------
        number = bl.add_order(delivery_method="Kurier InPost")
        once = ecomflow("worker", "--once")
        assert once.returncode == 0, once.stderr
        (mail,) = smtp.received()
        assert mail["Subject"] == f"Dziękujemy! Zamówienie {number} przyjęte"
        assert mail["From"] == "Kubkowo <sklep@kubkowo.pl>"
        status = ecomflow("status", "--json")
        assert status.returncode == 0, status.stderr
        seen = json.loads(status.stdout)
        assert sum(seen["orders"].values()) == 1
        assert len(seen["workers"]) == 1
        parked = ecomflow("parked", "--json")
        assert parked.returncode == 0
        assert json.loads(parked.stdout) == {"effects": [], "intake_failures": []}

        # -- section 5: the systemd units' own command lines --------------------------------
        _run_units(tmp_path, config, env)


def _exec_start(unit: str, config: Path) -> list[str]:
    parser = ConfigParser(interpolation=None, strict=False)
    parser.read(UNITS / unit, encoding="utf-8")
    assert parser["Service"]["EnvironmentFile"] == "/etc/ecomflow/secrets.env"
    assert parser["Service"]["User"] == "ecomflow"
    argv = shlex.split(parser["Service"]["ExecStart"])
    assert argv[0] == "/opt/ecomflow/bin/ecomflow"  # the guide's virtual environment
    assert CONFIG_PATH in argv
    return [str(config) if a == CONFIG_PATH else a for a in argv[1:]]


def _run_units(tmp_path: Path, config: Path, env: dict[str, str]) -> None:
    worker = start(
        "unit-worker",
        _exec_start("ecomflow-worker@.service", config),
        cwd=tmp_path,
        env=env,
        logs=tmp_path / "logs",
    )
    try:
        wait_for(
            lambda: any(r["message"].endswith(" started") for r in worker.records()),
            60,
            "the worker unit to start",
        )
        assert worker.stop() == 0, worker.output()  # systemctl stop: SIGTERM
    finally:
        worker.kill()

    argv = _exec_start("ecomflow-serve.service", config)
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    port = free_port()
    argv[argv.index("--port") + 1] = str(port)
    serve = start("unit-serve", argv, cwd=tmp_path, env=env, logs=tmp_path / "logs")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(f"{url}/readyz") == 200, 60, "the serve unit")
        assert _get(f"{url}/healthz") == 200
        assert "ecomflow_orders" in httpx.get(f"{url}/metrics", timeout=10).text
        serve.send(signal.SIGTERM)
        assert serve.wait(30) == 0, serve.output()
    finally:
        serve.kill()

    anonymise = run(_exec_start("ecomflow-anonymise.service", config), cwd=tmp_path, env=env)
    assert anonymise.returncode == 0, anonymise.stderr
    assert "anonymised 0 orders" in anonymise.stdout
    timer = ConfigParser(interpolation=None)
    timer.read(UNITS / "ecomflow-anonymise.timer", encoding="utf-8")
    assert timer["Timer"]["Persistent"] == "true"


def _get(url: str) -> int:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return 0


def _command_lines() -> list[list[str]]:
    """Every ``ecomflow …`` command in the guide's shell blocks, as arguments."""
    found = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            words = iter(shlex.split(line.split(">")[0], comments=True))
            for word in words:
                if word == "sudo":
                    continue
                if word == "-u":
                    next(words)  # the user
                    continue
                if word == "ecomflow" or word.endswith("/bin/ecomflow"):
                    found.append(list(words))
                break
    return found


def test_every_command_in_the_guide_exists_with_its_options(tmp_path: Path) -> None:
    lines = _command_lines()
    assert len(lines) >= 15
    helps: dict[str, str] = {}
    for words in lines:
        command = [w for w in words if not w.startswith("-")][:2]
        name = command[0]
        if name == "stock":
            name = f"stock {command[1]}"
        if name not in helps:
            done = run([*name.split(), "--help"], cwd=tmp_path, env=ecomflow_env())
            assert done.returncode == 0, (name, done.stderr)
            helps[name] = done.stdout
        for option in (w.split("=")[0] for w in words if w.startswith("--")):
            assert option in helps[name], f"`ecomflow {name}` has no {option}"
    assert sys.executable  # the commands ran with this interpreter's ecomflow
