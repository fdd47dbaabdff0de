"""Bad input gets a clear error and a non-zero exit (or the right HTTP status); nothing is stored.

Through the real command line, as subprocesses: misspelt keys, a missing secret, a
database that is not there, an unknown argument; through ``ecomflow serve`` over
HTTP: a forged signature, an oversized body, a ShipX webhook with a wrong token or
from outside InPost's network.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ecomflow.orchestration import OrderRepository
from ecomflow.storage import open_store
from ecomflow.testing import FakeShipX, FakeShopify, FakeWooCommerce
from tests.e2e.shop import Process, ecomflow_env, free_port, run, start, wait_for

CONFIG, USAGE = 3, 2


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ecomflow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _closed_port() -> int:
    """A port on loopback where nothing listens (bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- configuration --------------------------------------------------------------------------


def test_several_unknown_keys_are_one_error_listing_them_all(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
stor = "sqlite:///shop.db"
[calender]
timezone = "Europe/Warsaw"
[worker]
sync_evry = 5
[notify]
transport = "log"
[channels.shop]
adapter = "baselinker"
tokn = "abc"
""",
    )
    for command in (["check-config"], ["worker"], ["status"]):
        done = run([*command, "--config", "ecomflow.toml"], cwd=tmp_path, env=ecomflow_env())
        assert done.returncode == CONFIG, (command, done.stdout, done.stderr)
        error = done.stderr
        assert error.count("error:") == 1
        assert "ecomflow.toml has 5 problems" in error
        for line in (
            "stor: unknown key (did you mean 'store'?)",
            "calender: unknown key (did you mean 'calendar'?)",
            "worker.sync_evry: unknown key (did you mean 'sync_every'?)",
            "channels.shop.tokn: unknown key (did you mean 'token'?)",
            "channels.shop.token: missing (required)",
        ):
            assert f"  - {line}\n" in error, (line, error)
    assert not (tmp_path / "shop.db").exists()  # nothing was opened, nothing stored


def test_errors_print_what_they_say_brackets_included(tmp_path: Path) -> None:
    """Messages name TOML tables in brackets; the terminal must not eat them as markup."""
    _write(tmp_path, 'store = "sqlite:///shop.db"\n[notify]\ntransport = "smtp"\n')
    done = run(["check-config", "--config", "ecomflow.toml"], cwd=tmp_path, env=ecomflow_env())
    assert done.returncode == CONFIG
    assert "The [notify] settings are not right" in done.stderr
    assert "[notify] host: Field required" in done.stderr


def test_a_missing_secret_is_named_never_shown(tmp_path: Path) -> None:
    _write(
        tmp_path,
        f"""
store = "sqlite:///shop.db"
[notify]
transport = "smtp"
host = "127.0.0.1"
username = "sklep"
password = {{env = "SMTP_PASSWORD"}}
[channels.shop]
adapter = "baselinker"
token = {{env = "BL_TOKEN"}}
[carriers.inpost]
adapter = "inpost"
token = {{file = "{tmp_path / "missing.token"}"}}
organization_id = 1
""",
    )
    env = ecomflow_env({"SMTP_PASSWORD": "smtp-pass-93c1"})
    done = run(["worker", "--config", "ecomflow.toml"], cwd=tmp_path, env=env)
    assert done.returncode == CONFIG
    assert "channels.shop.token: environment variable BL_TOKEN is not set" in done.stderr
    assert "carriers.inpost.token: cannot read secret file" in done.stderr
    assert "missing.token" in done.stderr
    assert "has 2 problems" in done.stderr  # each secret once, not also "not a string"
    assert "smtp-pass-93c1" not in done.stderr + done.stdout
    assert not (tmp_path / "shop.db").exists()

    (tmp_path / "missing.token").write_text("shipx-secret-5e\n", encoding="utf-8")
    env["BL_TOKEN"] = "bl-secret-71"
    shown = run(["check-config", "--offline", "--config", "ecomflow.toml"], cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    for secret in ("bl-secret-71", "shipx-secret-5e", "smtp-pass-93c1"):
        assert secret not in shown.stdout + shown.stderr
    assert shown.stdout.count('"***"') == 3
    effective = json.loads(shown.stdout)  # the adapters' defaults too, not only what was written
    assert effective["channels"]["shop"]["requests_per_minute"] == 90
    assert effective["carriers"]["inpost"]["adapter"] == "inpost"


@pytest.mark.parametrize("command", [["status"], ["migrate"], ["worker"], ["serve"]])
def test_an_unreachable_database_is_a_clear_error_without_the_password(
    tmp_path: Path, command: list[str]
) -> None:
    _write(
        tmp_path,
        f"""
store = "postgresql://shop:Pa55-w0rd-x9@127.0.0.1:{_closed_port()}/shop"
[notify]
transport = "log"
""",
    )
    done = run([*command, "--config", "ecomflow.toml"], cwd=tmp_path, env=ecomflow_env())
    assert done.returncode == CONFIG, done.stderr
    assert "Cannot connect to postgresql://shop:***@127.0.0.1:" in done.stderr
    assert "check that the server runs" in done.stderr
    assert "Pa55-w0rd-x9" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["worker", "--bogus"],
        ["status", "--jsno"],
        ["serve", "--port", "eighty"],
        ["retry"],
        ["erase", "--email", "anna@example.com"],
        ["stock", "receive", "MUG-RED"],
        ["no-such-command"],
    ],
)
def test_wrong_usage_exits_2(tmp_path: Path, args: list[str]) -> None:
    _write(tmp_path, 'store = "sqlite:///shop.db"\n[notify]\ntransport = "log"\n')
    done = run(args, cwd=tmp_path, env=ecomflow_env())
    assert done.returncode == USAGE, (args, done.stdout, done.stderr)
    assert done.stderr.strip()
    assert not (tmp_path / "shop.db").exists()


# -- webhooks through ecomflow serve ---------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, FakeShopify, FakeWooCommerce]]:
    """``ecomflow serve`` on a SQLite shop with Shopify, WooCommerce and InPost."""
    with (
        FakeShopify(app_secret="shpss_bad_input") as shopify,
        FakeWooCommerce(webhook_secret="whsec_bad_input") as woo,
        FakeShipX() as shipx,
    ):
        _write(
            tmp_path,
            f"""
store = "sqlite:///{tmp_path / "shop.db"}"
[serve]
max_body_bytes = 4000
[notify]
transport = "log"
[channels.shopify]
adapter = "shopify"
shop_url = "{shopify.url}"
access_token = "{shopify.token}"
app_secret = "shpss_bad_input"
[channels.woocommerce]
adapter = "woocommerce"
url = "{woo.url}"
consumer_key = "{woo.key}"
consumer_secret = "{woo.secret}"
allow_http = true
webhook_secret = "whsec_bad_input"
[carriers.inpost]
adapter = "inpost"
token = "{shipx.token}"
organization_id = {shipx.organization_id}
url = "{shipx.url}"
webhook_token = "hook-token-4b"
""",
        )
        port = free_port()
        process: Process = start(
            "serve",
            ["serve", "--port", str(port), "--config", "ecomflow.toml"],
            cwd=tmp_path,
            env=ecomflow_env(),
            logs=tmp_path / "logs",
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _answers(url), 30, "ecomflow serve")
            yield url, tmp_path / "shop.db", shopify, woo
            assert process.stop() == 0, process.output()
        finally:
            process.kill()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stored(db: Path) -> tuple[int, dict[str, str]]:
    """Orders stored, and the webhook deliveries recorded as applied."""
    repository = OrderRepository(open_store(f"sqlite:///{db}"))
    try:
        orders = sum(repository.counts()["status"].values())
        return orders, repository.records("delivery:")
    finally:
        repository.store.close()


def test_a_forged_signature_is_401_and_nothing_is_stored(served: tuple) -> None:  # type: ignore[type-arg]
    url, db, shopify, _ = served
    gid = shopify.add_order()
    headers, body = shopify.webhook("orders/create", gid, event_id="evt-1")
    forged = httpx.post(
        f"{url}/webhooks/shopify",
        content=body,
        headers={**headers, "X-Shopify-Hmac-Sha256": "bm90IHRoZSBzaWduYXR1cmU="},
    )
    assert forged.status_code == 401
    assert "signature" in forged.json()["error"]
    tampered = httpx.post(f"{url}/webhooks/shopify", content=body + b" ", headers=headers)
    assert tampered.status_code == 401
    assert _stored(db) == (0, {})
    # the genuine delivery was never marked as seen: it is applied when it comes
    genuine = httpx.post(f"{url}/webhooks/shopify", content=body, headers=headers)
    assert genuine.status_code == 200, genuine.text
    orders, deliveries = _stored(db)
    assert orders == 1
    assert list(deliveries) == ["delivery:shopify:evt-1:orders/create"]


def test_an_oversized_body_is_413_and_nothing_is_stored(served: tuple) -> None:  # type: ignore[type-arg]
    url, db, _, woo = served
    order_id = woo.add_order()
    request = woo.webhook_request("order.created", order_id)
    padded = json.dumps({**json.loads(request.body), "padding": "x" * 5000}).encode()
    big = httpx.post(f"{url}/webhooks/woocommerce", content=padded, headers=request.headers)
    assert big.status_code == 413
    assert "4000" in big.json()["error"]
    assert _stored(db) == (0, {})
    # a sender that does not say how long the body is is cut off too
    chunks = iter([padded[:3000], padded[3000:]])
    streamed = httpx.post(
        f"{url}/webhooks/woocommerce",
        content=chunks,
        headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"},
    )
    assert streamed.status_code == 413
    assert _stored(db) == (0, {})


def test_a_shipx_webhook_needs_the_token_and_inpost_s_network(served: tuple) -> None:  # type: ignore[type-arg]
    url, db, _, _ = served
    body = json.dumps(
        {
            "event_ts": "2026-11-24 10:08:42 +0100",
            "event": "shipment_status_changed",
            "organization_id": 1234,
            "payload": {"shipment_id": 7, "status": "delivered", "tracking_number": "6001"},
        }
    ).encode()
    wrong_token = httpx.post(
        f"{url}/webhooks/inpost/guessed",
        content=body,
        headers={"X-Forwarded-For": "91.216.25.7"},
    )
    assert wrong_token.status_code == 401
    # ecomflow serve trusts X-Forwarded-For from 127.0.0.1 (a proxy on the same host)
    outside = httpx.post(
        f"{url}/webhooks/inpost/hook-token-4b",
        content=body,
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert outside.status_code == 401
    assert "203.0.113.9" in outside.json()["error"]
    loopback = httpx.post(f"{url}/webhooks/inpost/hook-token-4b", content=body)
    assert loopback.status_code == 401  # 127.0.0.1 is not InPost's network either
    inside = httpx.post(
        f"{url}/webhooks/inpost/hook-token-4b",
        content=b"{not json",
        headers={"X-Forwarded-For": "91.216.25.7"},
    )
    assert inside.status_code == 400  # trusted, then read: a malformed body
    assert _stored(db) == (0, {})
