"""The Shopify client against hand-written answers in the documented shapes (not the fake).

Each answer below is written from shopify.dev (or the reference's quotes of it), so these
tests do not rely on FakeShopify agreeing with the client:

- ``inventorySetQuantities`` userErrors: ``field`` is "the path to the input field that
  caused the error" (shopify.dev/docs/api/admin-graphql/latest/objects/
  inventorysetquantitiesusererror), e.g. ``["input", "quantities", "1",
  "changeFromQuantity"]``; code ``CHANGE_FROM_QUANTITY_STALE`` "The changeFromQuantity value
  does not match persisted value." (…/enums/InventorySetQuantitiesUserErrorCode).
- order nodes in the GraphQL shape of the orders query (…/queries/orders, reference A2).
- the THROTTLED body quoted in reference A5.
- webhook headers and HMAC as in reference A6 (signed here with the standard library).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from ecomflow.adapters.protocols import OrderEvent, WebhookRequest
from ecomflow.adapters.shopify import ShopifyClient, ShopifySettings
from ecomflow.errors import MappingError, SignatureVerificationError
from ecomflow.http import RetryPolicy
from ecomflow.orders.models import ShipmentRef
from ecomflow.stock import StockUpdate

LOCATION = "gid://shopify/Location/124656943"
Answer = Callable[[dict[str, Any]], Any]


def root_of(body: dict[str, Any]) -> str:
    document = parse(body["query"])
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return str(operation.selection_set.selections[0].name.value)  # type: ignore[attr-defined]


class Shop:
    """A MockTransport answering each root field from a queue of hand-written answers."""

    def __init__(self, answers: dict[str, list[Any]]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/admin/api/2026-10/graphql.json"
        assert request.headers["X-Shopify-Access-Token"] == "shpat_mock"
        assert request.headers["Content-Type"] == "application/json"
        body = json.loads(request.content)
        # Shopify's documented request (A1): {query, variables}, operationName optional
        assert {"query", "variables"} <= set(body) <= {"query", "variables", "operationName"}
        root = root_of(body)
        self.seen.append((root, body["variables"]))
        answer = self.answers[root].pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(body["variables"])
        status, payload = answer if isinstance(answer, tuple) else (200, answer)
        return httpx.Response(status, json=payload)

    def calls(self, root: str) -> list[dict[str, Any]]:
        return [v for r, v in self.seen if r == root]


def make(shop: Shop, waits: list[float] | None = None, **extra: Any) -> ShopifyClient:
    settings = ShopifySettings(
        shop_url="https://mock.myshopify.com",
        access_token="shpat_mock",
        app_secret="shpss_mock",
        location_id=LOCATION,
        **extra,
    )
    sleep = waits.append if waits is not None else (lambda s: None)
    retry = RetryPolicy(attempts=4, jitter=0, base=0.01, sleep=sleep)
    return ShopifyClient(settings, retry=retry, transport=httpx.MockTransport(shop))


def data(root: str, value: Any) -> dict[str, Any]:
    return {
        "data": {root: value},
        "extensions": {
            "cost": {
                "requestedQueryCost": 12,
                "actualQueryCost": 12,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": 988,
                    "restoreRate": 50.0,
                },
            }
        },
    }


# -- stock: refused compare-and-set writes (issue 16 item 1) ---------------------------------

VARIANTS = data(
    "productVariants",
    {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [
            {"sku": "MUG", "inventoryItem": {"id": "gid://shopify/InventoryItem/1"}},
            {"sku": "CUP", "inventoryItem": {"id": "gid://shopify/InventoryItem/2"}},
        ],
    },
)
STALE_CUP = data(
    "inventorySetQuantities",
    {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "code": "CHANGE_FROM_QUANTITY_STALE",
                "field": ["input", "quantities", "1", "changeFromQuantity"],
                "message": "The changeFromQuantity value does not match persisted value.",
            }
        ],
    },
)
APPLIED = data(
    "inventorySetQuantities",
    {"inventoryAdjustmentGroup": {"reason": "Inventory correction"}, "userErrors": []},
)
UPDATES = [
    StockUpdate(channel="shopify", sku="MUG", quantity=5, previous=3),
    StockUpdate(channel="shopify", sku="CUP", quantity=2, previous=1),
]


def test_a_refused_quantity_is_a_warning_and_the_rest_is_sent_again() -> None:
    shop = Shop(
        {"productVariants": [VARIANTS, VARIANTS], "inventorySetQuantities": [STALE_CUP, APPLIED]}
    )
    result = make(shop).publish_stock(UPDATES)
    assert result.updated == 1
    assert set(result.warnings) == {"CUP"}
    assert "CHANGE_FROM_QUANTITY_STALE" in result.warnings["CUP"]
    first, second = shop.calls("inventorySetQuantities")
    assert [q["changeFromQuantity"] for q in first["input"]["quantities"]] == [3, 1]
    assert [q["inventoryItemId"] for q in second["input"]["quantities"]] == [
        "gid://shopify/InventoryItem/1"
    ]
    assert first["key"] != second["key"]  # a new call, a new idempotency key


def test_a_partly_applied_call_is_not_sent_again() -> None:
    partial = json.loads(json.dumps(STALE_CUP))
    partial["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"] = {"reason": "x"}
    shop = Shop({"productVariants": [VARIANTS, VARIANTS], "inventorySetQuantities": [partial]})
    result = make(shop).publish_stock(UPDATES)
    assert result.updated == 1 and set(result.warnings) == {"CUP"}
    assert len(shop.calls("inventorySetQuantities")) == 1


def test_first_publication_sends_the_quantity_read_as_baseline() -> None:
    levels = data(
        "nodes",
        [
            {
                "id": "gid://shopify/InventoryItem/1",
                "inventoryLevel": {"quantities": [{"name": "available", "quantity": 4}]},
            }
        ],
    )
    shop = Shop(
        {"productVariants": [VARIANTS], "nodes": [levels], "inventorySetQuantities": [APPLIED]}
    )
    result = make(shop).publish_stock([StockUpdate(channel="shopify", sku="MUG", quantity=9)])
    assert result.updated == 1
    (sent,) = shop.calls("inventorySetQuantities")
    assert sent["input"]["quantities"][0]["changeFromQuantity"] == 4
    assert shop.calls("nodes")[0]["location"] == LOCATION


# -- orders: the update cursor (issue 16 item 2) and malformed nodes (item 6) ----------------


def node(number: int, updated: str, **fields: Any) -> dict[str, Any]:
    """An order node in the documented GraphQL shape (reference A2)."""
    base = {
        "id": f"gid://shopify/Order/{number}",
        "name": f"#{number}",
        "createdAt": "2026-11-24T08:00:00Z",
        "updatedAt": updated,
        "cancelledAt": None,
        "currencyCode": "PLN",
        "email": "anna@example.com",
        "phone": None,
        "tags": [],
        "displayFinancialStatus": "PENDING",
        "displayFulfillmentStatus": "UNFULFILLED",
        "totalPriceSet": {"shopMoney": {"amount": "49.0", "currencyCode": "PLN"}},
        "totalShippingPriceSet": {"shopMoney": {"amount": "0.0", "currencyCode": "PLN"}},
        "totalDiscountsSet": {"shopMoney": {"amount": "0.0", "currencyCode": "PLN"}},
        "customAttributes": [],
        "shippingAddress": {
            "name": "Anna Nowak",
            "company": None,
            "address1": "Długa 1",
            "address2": None,
            "city": "Kraków",
            "zip": "31-147",
            "countryCodeV2": "PL",
            "phone": None,
        },
        "shippingLines": {"nodes": [{"title": "Kurier DPD", "code": "dpd"}]},
        "fulfillmentOrders": {"nodes": [{"deliveryMethod": {"methodType": "SHIPPING"}}]},
        "lineItems": {
            "pageInfo": {"hasNextPage": False},
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{number}",
                    "sku": "MUG",
                    "name": "Kubek",
                    "quantity": 2,
                    "originalUnitPriceSet": {
                        "shopMoney": {"amount": "24.50", "currencyCode": "PLN"}
                    },
                    "variant": {"barcode": None},
                }
            ],
        },
    }
    return {**base, **fields}


def page(*nodes: dict[str, Any]) -> dict[str, Any]:
    return data(
        "orders", {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": list(nodes)}
    )


def test_a_change_in_the_boundary_second_and_gids_past_999_are_not_lost() -> None:
    t0, t1 = "2026-11-24T08:00:00Z", "2026-11-24T08:00:01Z"
    a, b = node(998, t0), node(999, t1)
    c = node(1000, t1)  # a higher id, same second: "…/1000" < "…/999" as strings
    b_paid = node(999, t1, displayFinancialStatus="PAID")  # changed again in the same second

    def search(*nodes: dict[str, Any]) -> Answer:
        """Shopify's updated_at filter (search syntax :> / :>=) over ``nodes``."""

        def answer(variables: dict[str, Any]) -> Any:
            found = re.fullmatch(r"updated_at:(>=|>)'([^']+)'", variables["query"])
            assert found, variables["query"]
            op, since = found.groups()
            return page(
                *[
                    n
                    for n in nodes
                    if (n["updatedAt"] >= since if op == ">=" else n["updatedAt"] > since)
                ]
            )

        return answer

    shop = Shop({"orders": [page(a, b), search(a, b, c), search(a, b, c), search(a, b_paid, c)]})
    api = make(shop)
    first = api.fetch_orders(None)
    assert [o.channel_order_id for o in first.orders] == ["998", "999"]
    assert shop.calls("orders")[0]["query"] is None
    second = api.fetch_orders(first.cursor)
    assert [o.channel_order_id for o in second.orders] == ["1000"]
    third = api.fetch_orders(second.cursor)
    assert third.orders == [] and third.cursor == second.cursor
    fourth = api.fetch_orders(third.cursor)
    assert [o.channel_order_id for o in fourth.orders] == ["999"]
    assert fourth.orders[0].status.value == "paid" and fourth.orders[0].is_paid


MALFORMED = {
    "1002": node(1002, "2026-11-24T08:00:02Z", totalPriceSet=None),
    "1003": node(1003, "2026-11-24T08:00:03Z", lineItems={"nodes": []}),
    "1004": node(
        1004,
        "2026-11-24T08:00:04Z",
        lineItems={
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/1",
                    "sku": "MUG",
                    "name": "Kubek",
                    "quantity": 1,
                    "originalUnitPriceSet": {"shopMoney": {"amount": "abc", "currencyCode": "PLN"}},
                }
            ]
        },
    ),
    "1005": node(1005, "2026-11-24T08:00:05Z", currencyCode="XQZ"),
    "1007": node(1007, "yesterday"),
}
FIELDS = {
    "1002": "totalPriceSet",
    "1003": "no line items",
    "1004": "abc",
    "1005": "XQZ",
    "1007": "updatedAt",
}


def test_malformed_nodes_are_intake_failures_between_good_orders() -> None:
    good = [node(1001, "2026-11-24T08:00:01Z"), node(1006, "2026-11-24T08:00:06Z")]
    shop = Shop({"orders": [page(good[0], *MALFORMED.values(), good[1])]})
    batch = make(shop).fetch_orders()
    assert [o.channel_order_id for o in batch.orders] == ["1001", "1006"]
    assert {f.channel_order_id for f in batch.failures} == set(MALFORMED)
    for failure in batch.failures:
        assert failure.error == "MappingError"
        assert FIELDS[str(failure.channel_order_id)] in failure.reason
        assert failure.raw == MALFORMED[str(failure.channel_order_id)]
    assert json.loads(str(batch.cursor))["since"] == "2026-11-24T08:00:06Z"


@pytest.mark.parametrize("number", sorted(MALFORMED))
def test_get_order_of_a_malformed_node_is_a_mapping_error(number: str) -> None:
    shop = Shop({"order": [data("order", MALFORMED[number])]})
    with pytest.raises(MappingError, match=FIELDS[number]):
        make(shop).get_order(number)


# -- throttling (reference A5) and a lost fulfilment answer -------------------------------------

THROTTLED = {
    "errors": [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ],
    "extensions": {
        "cost": {
            "requestedQueryCost": 752,
            "actualQueryCost": None,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": 666,
                "restoreRate": 50.0,
            },
        }
    },
}


@pytest.mark.parametrize("status", [200, 429])
def test_throttled_waits_what_the_bucket_needs_then_retries(status: int) -> None:
    waits: list[float] = []
    shop = Shop({"orders": [(status, THROTTLED), page(node(1001, "2026-11-24T08:00:01Z"))]})
    batch = make(shop, waits).fetch_orders()
    assert len(batch.orders) == 1
    assert waits[0] >= (752 - 666) / 50.0  # the points missing, at the restore rate


def state(closed: bool) -> dict[str, Any]:
    tracking = [{"number": "620000000000000001", "company": "inpost", "url": None}]
    return data(
        "order",
        {
            "id": "gid://shopify/Order/1001",
            "cancelledAt": None,
            "displayFulfillmentStatus": "FULFILLED" if closed else "UNFULFILLED",
            "fulfillments": (
                [
                    {
                        "id": "gid://shopify/Fulfillment/1",
                        "status": "SUCCESS",
                        "location": {"id": LOCATION},
                        "trackingInfo": tracking,
                    }
                ]
                if closed
                else []
            ),
            "fulfillmentOrders": {
                "nodes": [
                    {
                        "id": "gid://shopify/FulfillmentOrder/1",
                        "status": "CLOSED" if closed else "OPEN",
                        "assignedLocation": {"location": {"id": LOCATION}},
                        "supportedActions": [] if closed else [{"action": "CREATE_FULFILLMENT"}],
                    }
                ]
            },
        },
    )


def test_a_lost_fulfilment_answer_is_looked_up_not_sent_twice() -> None:
    shop = Shop(
        {
            "order": [data("order", node(1001, "2026-11-24T08:00:01Z")), state(False), state(True)],
            "fulfillmentCreate": [httpx.ReadError("connection reset after the write")],
        }
    )
    api = make(shop)
    order = api.get_order("1001")
    shipment = ShipmentRef(carrier="inpost", tracking_number="620000000000000001")
    api.write_tracking(order, shipment, first_attempt=True)
    assert len(shop.calls("fulfillmentCreate")) == 1


# -- webhooks (reference A6, issue 15 item 1) ---------------------------------------------------


def signed(body: bytes, topic: str = "orders/paid", **headers: str) -> WebhookRequest:
    digest = hmac.new(b"shpss_mock", body, hashlib.sha256).digest()
    return WebhookRequest(
        {
            "x-shopify-hmac-sha256": base64.b64encode(digest).decode(),
            "x-shopify-topic": topic,
            **headers,
        },
        body,
    )


BODY = json.dumps(
    {"id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508"}
).encode()


def test_webhook_events_and_delivery_ids() -> None:
    api = make(Shop({}))
    (event,) = api.parse_webhook(
        signed(BODY, **{"x-shopify-event-id": "e-1", "x-shopify-webhook-id": "w-1"})
    )
    assert isinstance(event, OrderEvent)
    assert (event.channel_order_id, event.delivery_id, event.source) == (
        "820982911946154508",
        "e-1:orders/paid",
        "shopify",
    )
    (only_webhook_id,) = api.parse_webhook(signed(BODY, **{"x-shopify-webhook-id": "w-1"}))
    assert only_webhook_id.delivery_id == "w-1"
    for topic in ("orders/create", "orders/updated", "orders/cancelled"):
        assert [e.topic for e in api.parse_webhook(signed(BODY, topic))] == [topic]
    assert api.parse_webhook(signed(BODY, "products/update")) == []


def test_webhooks_that_cannot_be_trusted_or_read() -> None:
    api = make(Shop({}))
    good = signed(BODY)
    with pytest.raises(SignatureVerificationError):
        api.parse_webhook(WebhookRequest(good.headers, BODY + b" "))
    with pytest.raises(SignatureVerificationError):
        api.parse_webhook(WebhookRequest({"x-shopify-topic": "orders/paid"}, BODY))
    with pytest.raises(MappingError):
        api.parse_webhook(signed(b"\xff not json"))
    with pytest.raises(MappingError):
        api.parse_webhook(signed(b'{"name": "#1001"}'))
    no_secret = ShopifyClient(ShopifySettings(shop_url="https://x.myshopify.com", access_token="t"))
    with pytest.raises(SignatureVerificationError, match="app_secret"):
        no_secret.parse_webhook(good)
