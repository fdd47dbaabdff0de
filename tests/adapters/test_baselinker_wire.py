"""BaseLinker against hand-written answers in the documented shapes (no FakeBaseLinker).

These tests do not rely on the project's fake agreeing with the project's client:
every answer below is written from the API documentation — the getOrders sample
of the official method page (copy: lukaszzychal/baselinker-integration-service-demo
docs/getOrders.md and docs/baselinker_get_orders_sample.json), the envelope
(reference §1), and the method pages of setOrderStatuses, createPackageManual,
getInventoryProductsList and updateInventoryProductsStock (copy:
Ropetr/TrailSystem-ERP docs-legado/08-integracoes/baselinker-api/03-metodos-detalhados.md).
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from ecomflow.adapters.baselinker import AsyncBaseLinkerClient, BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.protocols import StatusChange
from ecomflow.errors import (
    AuthenticationFailed,
    EcomflowError,
    MappingError,
    RateLimited,
    RemoteAPIError,
)
from ecomflow.http import RateLimiter, RetryPolicy
from ecomflow.orders import OrderStatus, ShipmentRef
from ecomflow.stock import StockUpdate
from ecomflow.testing import FrozenClock

TOKEN = "bl-token-7f3a9c"
FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)
URL = "https://api.baselinker.com/connector.php"
CLOCK = FrozenClock(datetime(2026, 11, 24, 9, tzinfo=UTC))

#: The getOrders sample of the official method page, as published (BL-doc).
DOC_ORDER: dict[str, Any] = {
    "order_id": 1630473,
    "shop_order_id": 2824,
    "external_order_id": "534534234",
    "order_source": "amazon",
    "order_source_id": 2598,
    "order_source_info": "-",
    "order_status_id": 6624,
    "date_add": 1407841161,
    "date_confirmed": 1407841256,
    "date_in_status": 1407841256,
    "user_login": "nick123",
    "phone": "693123123",
    "email": "test@test.com",
    "user_comments": "User comment",
    "admin_comments": "Seller test comments",
    "currency": "GBP",
    "payment_method": "PayPal",
    "payment_method_cod": "0",
    "payment_done": "50",
    "delivery_method": "Expedited shipping",
    "delivery_price": 10,
    "delivery_package_module": "other",
    "delivery_package_nr": "0042348723648234",
    "delivery_fullname": "John Doe",
    "delivery_company": "Company",
    "delivery_address": "Long Str 12",
    "delivery_city": "London",
    "delivery_state": "",
    "delivery_postcode": "E2 8HQ",
    "delivery_country": "Great Britain",
    "delivery_point_id": "",
    "delivery_point_name": "",
    "delivery_point_address": "",
    "delivery_point_postcode": "",
    "delivery_point_city": "",
    "invoice_fullname": "John Doe",
    "invoice_company": "Company",
    "invoice_nip": "GB8943245",
    "invoice_address": "Long Str 12",
    "invoice_city": "London",
    "invoice_state": "",
    "invoice_postcode": "E2 8HQ",
    "invoice_country": "Great Britain",
    "want_invoice": "0",
    "extra_field_1": "",
    "extra_field_2": "",
    "custom_extra_fields": {"135": "B2B", "172": "1646913115"},
    "order_page": "https://klient.baselinker.com/1630473/4ceca0d940/",
    "pick_status": "1",
    "pack_status": "0",
    "commission": {"net": 12.5, "gross": 15.38, "currency": "USD"},
    "connect_data": {"connect_integration_id": 1, "connect_contractor_id": 34},
    "products": [
        {
            "storage": "shop",
            "storage_id": 1,
            "order_product_id": 154904741,
            "product_id": "5434",
            "variant_id": 52124,
            "name": "Harry Potter and the Chamber of Secrets",
            "attributes": "Colour: green",
            "sku": "LU4235",
            "ean": "1597368451236",
            "location": "A1-13-7",
            "auction_id": "0",
            "price_brutto": 20.0,
            "tax_rate": 23,
            "quantity": 2,
            "weight": 1,
            "bundle_id": 0,
        }
    ],
}

STATUSES = {
    "status": "SUCCESS",
    "statuses": [
        {"id": 6624, "name": "Nowe", "name_for_customer": "Nowe", "color": "#fff"},
        {"id": 6625, "name": "Wysłane", "name_for_customer": "Wysłane", "color": "#0f0"},
        {"id": 6626, "name": "Anulowane", "name_for_customer": "Anulowane", "color": "#f00"},
    ],
}

Handler = Callable[[dict[str, Any]], Any]


class Scripted:
    """An httpx transport answering BaseLinker methods with hand-written answers."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.requests: list[tuple[str, dict[str, Any], httpx.Request]] = []

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params, _ in self.requests if name == method]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        method = form["method"][0]
        params = json.loads(form["parameters"][0])
        self.requests.append((method, params, request))
        answer = self.answers[method]
        if callable(answer):
            answer = answer(params)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def client(self, **settings: Any) -> BaseLinkerClient:
        return BaseLinkerClient(
            BaseLinkerSettings(token=TOKEN, url=URL, **settings),
            retry=FAST,
            limiter=RateLimiter(10_000, 1, burst=1000),
            transport=httpx.MockTransport(self),
            clock=CLOCK,
        )

    def async_client(self, **settings: Any) -> AsyncBaseLinkerClient:
        return AsyncBaseLinkerClient(
            BaseLinkerSettings(token=TOKEN, url=URL, **settings),
            retry=FAST,
            limiter=RateLimiter(10_000, 1, burst=1000),
            transport=httpx.MockTransport(self),
            clock=CLOCK,
        )


def orders_answer(*orders: Any) -> dict[str, Any]:
    return {"status": "SUCCESS", "orders": list(orders)}


DOC_SETTINGS: dict[str, Any] = {
    "journal": "off",
    "statuses": {"Nowe": "new", "Wysłane": "shipped", "Anulowane": "cancelled"},
    "deliveries": {"Expedited shipping": {"method": "courier"}},
}


def test_request_shape_follows_the_reference() -> None:
    """POST connector.php, header X-BLToken, form fields method + parameters (JSON)."""
    script = Scripted(getOrderStatusList=STATUSES, getOrders=orders_answer())
    script.client(**DOC_SETTINGS).fetch_orders(None)
    method, params, request = script.requests[0]
    assert request.method == "POST"
    assert str(request.url) == URL
    assert request.headers["X-BLToken"] == TOKEN
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "token" not in parse_qs(request.content.decode())  # the deprecated POST field
    assert (method, params) == (
        "getOrders",
        {"date_confirmed_from": 0, "get_unconfirmed_orders": False},
    )


def test_the_documented_get_orders_sample_maps() -> None:
    """Item 12: ``shop_order_id`` is a JSON number in the documented sample; ids are lenient."""
    script = Scripted(getOrderStatusList=STATUSES, getOrders=orders_answer(DOC_ORDER))
    batch = script.client(**DOC_SETTINGS).fetch_orders(None)
    assert batch.failures == []
    (order,) = batch.orders
    assert order.id == "baselinker-1630473"
    assert order.status is OrderStatus.NEW
    assert order.currency == "GBP"
    assert str(order.total) == "50.00 GBP" and order.is_paid
    assert order.delivery_address is not None and order.delivery_address.country == "GB"
    assert order.delivery.name == "Expedited shipping" and order.delivery.method.value == "courier"
    (line,) = order.lines
    assert (line.sku, line.quantity, line.unit_price.amount) == ("LU4235", 2, Decimal("20"))
    assert order.raw is not None and order.raw["shop_order_id"] == 2824
    assert batch.cursor is not None and batch.cursor.startswith("d=1407841256;s=1630473")


def test_ids_as_strings_and_numbers_as_text_are_read_leniently() -> None:
    lenient = {
        **DOC_ORDER,
        "order_id": "1630473",
        "shop_order_id": "2824",
        "order_status_id": "6624",
        "date_confirmed": "1407841256",
        "delivery_price": "10.00",
        "products": [
            {**DOC_ORDER["products"][0], "quantity": "2", "price_brutto": "20.00", "variant_id": ""}
        ],
    }
    script = Scripted(getOrderStatusList=STATUSES, getOrders=orders_answer(lenient))
    (order,) = script.client(**DOC_SETTINGS).fetch_orders(None).orders
    assert str(order.total) == "50.00 GBP"


def test_a_truly_malformed_order_is_an_intake_failure_and_the_good_ones_come_in() -> None:
    good = copy.deepcopy(DOC_ORDER)
    bad: list[Any] = [
        {**good, "order_id": 1630474, "products": [{**good["products"][0], "quantity": -2}]},
        {**good, "order_id": 1630475, "products": [{**good["products"][0], "price_brutto": "abc"}]},
        {**good, "order_id": 1630476, "currency": "XQZ"},
        {**good, "order_id": 1630477, "products": []},
        {**good, "order_id": 1630478, "delivery_country": "Atlantis"},
        {**good, "order_id": "not-a-number"},
    ]
    later = {**good, "order_id": 1630479, "date_confirmed": 1407841300}
    script = Scripted(getOrderStatusList=STATUSES, getOrders=orders_answer(good, *bad, later))
    client = script.client(**DOC_SETTINGS)
    batch = client.fetch_orders(None)
    assert [o.channel_order_id for o in batch.orders] == ["1630473", "1630479"]
    reasons = {f.channel_order_id: f for f in batch.failures}
    assert set(reasons) == {"1630474", "1630475", "1630476", "1630477", "1630478", None}
    assert "greater than 0" in reasons["1630474"].reason
    assert "price_brutto" in reasons["1630475"].reason
    assert "XQZ" in reasons["1630476"].reason
    assert "lines" in reasons["1630477"].reason
    assert "Atlantis" in reasons["1630478"].reason
    assert all(f.error == "MappingError" and f.raw for f in batch.failures)
    assert batch.cursor is not None and batch.cursor.startswith("d=1407841300;")
    script.answers["getOrders"] = orders_answer(bad[0])
    with pytest.raises(MappingError, match="quantity"):
        client.get_order("1630474")


def test_unmapped_status_and_delivery_are_named_failures() -> None:
    odd_status = {**DOC_ORDER, "order_id": 2, "order_status_id": 9999}
    odd_delivery = {**DOC_ORDER, "order_id": 3, "delivery_method": "Gołąb pocztowy"}
    script = Scripted(
        getOrderStatusList=STATUSES, getOrders=orders_answer(DOC_ORDER, odd_status, odd_delivery)
    )
    batch = script.client(**DOC_SETTINGS).fetch_orders(None)
    failures = {f.channel_order_id: f for f in batch.failures}
    assert failures["2"].error == "UnmappedStatus" and "9999" in failures["2"].reason
    assert failures["3"].error == "UnmappedDeliveryMethod"
    assert "[channels.baselinker.deliveries]" in failures["3"].reason
    assert "Gołąb pocztowy" in failures["3"].reason
    assert len(script.calls("getOrderStatusList")) == 2  # read again once for the unknown id


# -- item 11: the token never leaks ------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ERROR_BAD_TOKEN", AuthenticationFailed),
        ("ERROR_USER_ACCOUNT_BLOCKED", RateLimited),
        ("ERROR_SOMETHING_ELSE", RemoteAPIError),
    ],
)
def test_an_error_envelope_echoing_the_token_is_redacted(code: str, error: type) -> None:
    echo = {
        "status": "ERROR",
        "error_code": code,
        "error_message": f"Token {TOKEN} is not allowed to do that",
        "token": TOKEN,
    }
    script = Scripted(getOrders=echo)
    with pytest.raises(error) as info:
        script.client(**DOC_SETTINGS).fetch_orders(None)
    raised = info.value
    assert isinstance(raised, RemoteAPIError)
    for text in (str(raised), raised.message, raised.body or "", repr(raised.args)):
        assert TOKEN not in text
    assert "***" in (raised.body or "")


def test_an_http_error_echoing_the_token_is_redacted() -> None:
    body = {"status": "ERROR", "error_code": "ERROR_X", "error_message": f"bad {TOKEN}"}
    script = Scripted(getOrders=httpx.Response(400, json=body))
    with pytest.raises(RemoteAPIError) as info:
        script.client(**DOC_SETTINGS).fetch_orders(None)
    assert TOKEN not in str(info.value) and TOKEN not in (info.value.body or "")
    assert info.value.code == "ERROR_X"


# -- writes ------------------------------------------------------------------------------------


def doc_order() -> Any:
    script = Scripted(getOrderStatusList=STATUSES, getOrders=orders_answer(DOC_ORDER))
    return script.client(**DOC_SETTINGS).get_order("1630473")


def test_set_order_statuses_groups_by_status_and_falls_back_after_an_error() -> None:
    """Item 7: a failed bulk call is redone order by order to find the failing orders."""
    order = doc_order()
    others = [
        order.model_copy(update={"channel_order_id": str(n), "id": f"baselinker-{n}"})
        for n in (11, 12, 13)
    ]

    def bulk(params: dict[str, Any]) -> dict[str, Any]:
        if 13 in params["order_ids"]:
            return {"status": "ERROR", "error_code": "ERROR_ORDER", "error_message": "no order 13"}
        return {"status": "SUCCESS"}

    def single(params: dict[str, Any]) -> dict[str, Any]:
        return bulk({"order_ids": [params["order_id"]]})

    script = Scripted(getOrderStatusList=STATUSES, setOrderStatuses=bulk, setOrderStatus=single)
    client = script.client(**DOC_SETTINGS)
    changes = [
        StatusChange(order, OrderStatus.SHIPPED),
        StatusChange(others[0], OrderStatus.SHIPPED),
        StatusChange(others[1], OrderStatus.CANCELLED),
        StatusChange(others[2], OrderStatus.CANCELLED),
        StatusChange(others[0], OrderStatus.SHIPPED),  # a repeat is written once
        StatusChange(
            others[1].model_copy(update={"id": "x-14", "channel_order_id": "14"}), OrderStatus.PAID
        ),
    ]
    result = client.write_statuses(changes)
    assert script.calls("setOrderStatuses") == [
        {"order_ids": [1630473, 11], "status_id": 6625},
        {"order_ids": [12, 13], "status_id": 6626},
    ]
    assert script.calls("setOrderStatus") == [
        {"order_id": 12, "status_id": 6626},
        {"order_id": 13, "status_id": 6626},
    ]
    assert sorted(result.written) == ["baselinker-11", "baselinker-12", "baselinker-1630473"]
    assert (
        list(result.failed) == ["baselinker-13"] and "no order 13" in result.failed["baselinker-13"]
    )
    assert list(result.skipped) == ["x-14"]  # no channel status for "paid" in this map
    assert result.calls == 4


def test_a_blocked_account_stops_bulk_writes_without_raising() -> None:
    order = doc_order()
    blocked = {"status": "ERROR", "error_code": "ERROR_USER_ACCOUNT_BLOCKED", "error_message": "x"}
    script = Scripted(getOrderStatusList=STATUSES, setOrderStatuses=blocked)
    result = script.client(**DOC_SETTINGS).write_statuses(
        [
            StatusChange(order, OrderStatus.SHIPPED),
            StatusChange(
                order.model_copy(update={"id": "b-2", "channel_order_id": "2"}),
                OrderStatus.CANCELLED,
            ),
        ]
    )
    assert len(script.calls("setOrderStatuses")) == 1
    assert sorted(result.failed) == ["b-2", "baselinker-1630473"] and result.written == []


def test_create_package_manual_request_and_documented_answer() -> None:
    answer = {
        "status": "SUCCESS",
        "package_id": 77014697,
        "package_number": "622222044730624327700198",
    }
    script = Scripted(createPackageManual=answer)
    client = script.client(**DOC_SETTINGS)
    order = doc_order()
    shipment = ShipmentRef(
        carrier="inpost",
        service_id="inpost_locker_standard",
        tracking_number="622222044730624327700197",
    )
    client.write_tracking(order, shipment, first_attempt=True)
    assert script.calls("createPackageManual") == [
        {
            "order_id": 1630473,
            "courier_code": "paczkomaty",
            "package_number": "622222044730624327700197",
            "pickup_date": int(CLOCK().timestamp()),
        }
    ]
    assert [name for name, _, _ in script.requests] == ["createPackageManual"]  # no look-up


def test_async_write_tracking_looks_again_after_a_lost_answer() -> None:
    """Issue 14: the async twin runs the same flow — it finds the package after a lost answer."""
    recorded: list[dict[str, Any]] = []

    def create(params: dict[str, Any]) -> Any:
        recorded.append(
            {
                "package_id": 1,
                "courier_package_nr": params["package_number"],
                "courier_code": params["courier_code"],
            }
        )
        raise httpx.ReadError("connection lost after the write")

    script = Scripted(
        createPackageManual=create,
        getOrderPackages=lambda p: {"status": "SUCCESS", "packages": recorded},
    )
    order = doc_order()
    shipment = ShipmentRef(carrier="dpd", tracking_number="DPD-123")

    async def run() -> None:
        async with script.async_client(**DOC_SETTINGS) as client:
            await client.write_tracking(order, shipment, first_attempt=True)
            await client.write_tracking(order, shipment)

    asyncio.run(run())
    assert len(recorded) == 1
    assert [name for name, _, _ in script.requests] == [
        "createPackageManual",
        "getOrderPackages",
        "getOrderPackages",
    ]


def test_stock_uses_product_ids_from_the_documented_product_list() -> None:
    """Item 13: SKUs are never sent as product ids; documented warnings map back to SKUs."""
    products = {
        "status": "SUCCESS",
        "products": {
            "2685": {
                "id": 2685,
                "ean": "",
                "sku": "MUG-RED",
                "name": "Kubek",
                "prices": {},
                "stock": {},
            },
            "2686": {
                "id": 2686,
                "ean": "",
                "sku": "MUG-BLUE",
                "name": "Kubek",
                "prices": {},
                "stock": {},
            },
            "2687": {"id": 2687, "ean": "", "sku": "TWIN", "name": "a", "prices": {}, "stock": {}},
            "2688": {"id": 2688, "ean": "", "sku": "TWIN", "name": "b", "prices": {}, "stock": {}},
        },
    }
    update = {"status": "SUCCESS", "counter": 1, "warnings": {"2686": "Warehouse is read-only"}}
    script = Scripted(getInventoryProductsList=products, updateInventoryProductsStock=update)
    client = script.client(inventory_id=307, warehouse_id="bl_206")
    result = client.publish_stock(
        [
            StockUpdate(channel="baselinker", sku="MUG-RED", quantity=5),
            StockUpdate(channel="baselinker", sku="MUG-BLUE", quantity=7),
            StockUpdate(channel="baselinker", sku="GHOST", quantity=1),
            StockUpdate(channel="baselinker", sku="TWIN", quantity=1),
        ]
    )
    (sent,) = script.calls("updateInventoryProductsStock")
    assert sent == {"inventory_id": 307, "products": {"2685": {"bl_206": 5}, "2686": {"bl_206": 7}}}
    assert script.calls("getInventoryProductsList") == [
        {"inventory_id": 307, "page": 1, "include_variants": True}
    ]
    assert result.updated == 1
    assert "read-only" in result.warnings["MUG-BLUE"]
    assert "not in BaseLinker inventory 307" in result.warnings["GHOST"]
    assert "names 2 BaseLinker products" in result.warnings["TWIN"]
    script.answers["updateInventoryProductsStock"] = {
        "status": "SUCCESS",
        "counter": 1,
        "warnings": "",
    }
    again = client.publish_stock([StockUpdate(channel="baselinker", sku="MUG-RED", quantity=4)])
    assert again.warnings == {} and len(script.calls("getInventoryProductsList")) == 1  # cached


def test_every_error_is_an_ecomflow_error() -> None:
    weird = [
        {"status": "SUCCESS", "orders": "nope"},
        {"no": "envelope"},
        ["a", "list"],
    ]
    for answer in weird:
        script = Scripted(getOrderStatusList=STATUSES, getOrders=answer)
        with pytest.raises(EcomflowError):
            script.client(**DOC_SETTINGS).fetch_orders(None)
    with pytest.raises(MappingError):
        Scripted().client(**DOC_SETTINGS).get_order("12a")
