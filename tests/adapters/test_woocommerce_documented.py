"""WooCommerce client against answers in the documented shapes, not against FakeWooCommerce.

Each answer is copied from the WooCommerce REST API docs (woocommerce/woocommerce-rest-api-docs
``source/includes/wp-api-v3/*.md``, the source of woocommerce.github.io/woocommerce-rest-api-docs)
or written from the server source where the docs give no example; the requests the client
sends are checked against the same documents. ``httpx.MockTransport`` serves them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ecomflow.adapters.protocols import WebhookRequest
from ecomflow.adapters.woocommerce import WooCommerceClient, WooCommerceSettings, parse_webhook
from ecomflow.errors import (
    AuthenticationFailed,
    InvalidRequest,
    MappingError,
    NotFound,
    SignatureVerificationError,
)
from ecomflow.http import RetryPolicy
from ecomflow.orders import OrderStatus
from ecomflow.orders.models import ShipmentRef
from ecomflow.stock import StockUpdate

FAST = RetryPolicy(attempts=2, jitter=0, base=0.01, sleep=lambda s: None)

#: WC-doc ``_orders.md`` "Retrieve an order", JSON response example (``_links`` left out).
ORDER_727: dict[str, Any] = {
    "id": 727,
    "parent_id": 0,
    "number": "727",
    "order_key": "wc_order_58d2d042d1d",
    "created_via": "rest-api",
    "version": "3.0.0",
    "status": "processing",
    "currency": "USD",
    "date_created": "2017-03-22T16:28:02",
    "date_created_gmt": "2017-03-22T19:28:02",
    "date_modified": "2017-03-22T16:28:08",
    "date_modified_gmt": "2017-03-22T19:28:08",
    "discount_total": "0.00",
    "discount_tax": "0.00",
    "shipping_total": "10.00",
    "shipping_tax": "0.00",
    "cart_tax": "1.35",
    "total": "29.35",
    "total_tax": "1.35",
    "prices_include_tax": False,
    "customer_id": 0,
    "customer_ip_address": "",
    "customer_user_agent": "",
    "customer_note": "",
    "billing": {
        "first_name": "John",
        "last_name": "Doe",
        "company": "",
        "address_1": "969 Market",
        "address_2": "",
        "city": "San Francisco",
        "state": "CA",
        "postcode": "94103",
        "country": "US",
        "email": "john.doe@example.com",
        "phone": "(555) 555-5555",
    },
    "shipping": {
        "first_name": "John",
        "last_name": "Doe",
        "company": "",
        "address_1": "969 Market",
        "address_2": "",
        "city": "San Francisco",
        "state": "CA",
        "postcode": "94103",
        "country": "US",
    },
    "payment_method": "bacs",
    "payment_method_title": "Direct Bank Transfer",
    "transaction_id": "",
    "date_paid": "2017-03-22T16:28:08",
    "date_paid_gmt": "2017-03-22T19:28:08",
    "date_completed": None,
    "date_completed_gmt": None,
    "cart_hash": "",
    "meta_data": [{"id": 13106, "key": "_download_permissions_granted", "value": "yes"}],
    "line_items": [
        {
            "id": 315,
            "name": "Woo Single #1",
            "product_id": 93,
            "variation_id": 0,
            "quantity": 2,
            "tax_class": "",
            "subtotal": "6.00",
            "subtotal_tax": "0.45",
            "total": "6.00",
            "total_tax": "0.45",
            "taxes": [{"id": 75, "total": "0.45", "subtotal": "0.45"}],
            "meta_data": [],
            "sku": "",
            "price": 3,
        },
        {
            "id": 316,
            "name": "Ship Your Idea &ndash; Color: Black, Size: M Test",
            "product_id": 22,
            "variation_id": 23,
            "quantity": 1,
            "tax_class": "",
            "subtotal": "12.00",
            "subtotal_tax": "0.90",
            "total": "12.00",
            "total_tax": "0.90",
            "taxes": [{"id": 75, "total": "0.9", "subtotal": "0.9"}],
            "meta_data": [
                {"id": 2095, "key": "pa_color", "value": "black"},
                {"id": 2096, "key": "size", "value": "M Test"},
            ],
            "sku": "Bar3",
            "price": 12,
        },
    ],
    "tax_lines": [
        {
            "id": 318,
            "rate_code": "US-CA-STATE TAX",
            "rate_id": 75,
            "label": "State Tax",
            "compound": False,
            "tax_total": "1.35",
            "shipping_tax_total": "0.00",
            "meta_data": [],
        }
    ],
    "shipping_lines": [
        {
            "id": 317,
            "method_title": "Flat Rate",
            "method_id": "flat_rate",
            "total": "10.00",
            "total_tax": "0.00",
            "taxes": [],
            "meta_data": [],
        }
    ],
    "fee_lines": [],
    "coupon_lines": [],
    "refunds": [],
}

#: The parent of variation 23 as ``GET products?include=22`` lists it (fields of WC-doc
#: ``_products.md`` "Product properties"; hand-written: the docs show no variable product
#: with these ids).
PRODUCT_22 = {"id": 22, "name": "Ship Your Idea", "type": "variable", "sku": "", "variations": [23]}

#: WC-doc ``_order-notes.md`` "Create an order note", JSON response example (``_links`` out).
NOTE_281 = {
    "id": 281,
    "author": "system",
    "date_created": "2017-03-21T16:46:41",
    "date_created_gmt": "2017-03-21T19:46:41",
    "note": "Order ok!!!",
    "customer_note": False,
}

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler, **extra: Any) -> WooCommerceClient:
    settings = WooCommerceSettings(
        url="https://example.com", consumer_key="ck_doc", consumer_secret="cs_doc", **extra
    )
    return WooCommerceClient(settings, retry=FAST, transport=httpx.MockTransport(handler))


def listing(items: list[Any], *, total: int | None = None, pages: int = 1) -> httpx.Response:
    """A list answer with the headers WC-doc ``_introduction.md`` "Pagination" promises."""
    count = len(items) if total is None else total
    return httpx.Response(
        200, json=items, headers={"X-WP-Total": str(count), "X-WP-TotalPages": str(pages)}
    )


def test_the_documented_order_maps_to_its_own_total() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/wp-json/wc/v3/orders/727":
            return httpx.Response(200, json=ORDER_727)
        if request.url.path == "/wp-json/wc/v3/products":
            assert request.url.params["include"] == "22"
            return listing([PRODUCT_22])
        return httpx.Response(404, json={"code": "rest_no_route", "message": "No route"})

    order = client_with(handler).get_order("727")
    assert (order.id, order.status, str(order.total), order.is_paid) == (
        "woocommerce-727",
        OrderStatus.PAID,
        "29.35 USD",
        True,
    )
    assert order.quantities() == {"woo-product-93": 2, "Bar3": 1}
    assert (order.delivery.method.value, order.delivery.name) == ("courier", "Flat Rate")
    assert order.country == "US"
    # HTTPS: HTTP Basic with the key pair (WC-doc _authentication.md), nothing in the query
    expected = "Basic " + base64.b64encode(b"ck_doc:cs_doc").decode()
    assert all(r.headers["Authorization"] == expected for r in seen)
    assert all("oauth_signature" not in r.url.params for r in seen)


def test_fetch_orders_asks_as_documented_and_reads_the_boundary_second_again() -> None:
    asked: list[httpx.QueryParams] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/wc/v3/products":
            return listing([PRODUCT_22])
        asked.append(request.url.params)
        return listing([ORDER_727])

    client = client_with(handler)
    first = client.fetch_orders()
    assert [o.channel_order_id for o in first.orders] == ["727"]
    again = client.fetch_orders(first.cursor)
    assert again.orders == [] and again.failures == []  # the same payload is not repeated
    assert asked[0]["orderby"] == "id" and asked[0]["order"] == "asc"
    assert asked[0]["per_page"] == "100" and asked[0]["page"] == "1"
    assert "modified_after" not in asked[0]
    # date_modified_gmt 19:28:08; modified_after is exclusive, so ask from one second before,
    # in GMT and without a zone suffix (a suffix is converted to the shop's local time)
    assert asked[1]["modified_after"] == "2017-03-22T19:28:07"
    assert asked[1]["dates_are_gmt"] == "true"


def test_an_empty_list_has_zero_pages() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return listing([], pages=0)  # ceil(0 / per_page) (WC-src get_objects)

    batch = client_with(handler).fetch_orders()
    assert (batch.orders, batch.cursor, len(calls)) == ([], None, 1)


def test_batch_item_errors_are_per_sku_warnings() -> None:
    """The failed-item shape of WC-src ``class-wc-rest-controller.php`` ``batch_items``."""
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wp-json/wc/v3/products" and request.method == "GET":
            assert request.url.params["sku"] == "A-1,B-2"
            return listing([{"id": 801, "sku": "A-1"}, {"id": 802, "sku": "B-2"}])
        assert request.url.path == "/wp-json/wc/v3/products/batch"
        bodies.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "update": [
                    {"id": 801, "sku": "A-1", "stock_quantity": 3},
                    {
                        "id": 802,
                        "error": {
                            "code": "woocommerce_rest_product_invalid_id",
                            "message": "Invalid ID.",
                            "data": {"status": 400},
                        },
                    },
                ]
            },
        )

    result = client_with(handler).publish_stock(
        [
            StockUpdate(channel="woocommerce", sku="A-1", quantity=3),
            StockUpdate(channel="woocommerce", sku="B-2", quantity=4),
        ]
    )
    assert (result.updated, result.calls) == (1, 1)
    assert result.warnings == {"B-2": "Invalid ID. (woocommerce_rest_product_invalid_id)"}
    assert bodies == [
        {
            "update": [
                {"id": 801, "manage_stock": True, "stock_quantity": 3},
                {"id": 802, "manage_stock": True, "stock_quantity": 4},
            ]
        }
    ]


def test_errors_are_typed_from_the_wordpress_error_shape() -> None:
    """``{"code", "message", "data": {"status"}}`` (WC-doc ``_introduction.md`` "Errors")."""
    answers = {
        "/wp-json/wc/v3/orders/1": httpx.Response(
            401,
            json={
                "code": "woocommerce_rest_authentication_error",
                "message": "Consumer secret is invalid.",
                "data": {"status": 401},
            },
        ),
        "/wp-json/wc/v3/orders/2": httpx.Response(
            404,
            json={
                "code": "woocommerce_rest_shop_order_invalid_id",
                "message": "Invalid ID.",
                "data": {"status": 404},
            },
        ),
        "/wp-json/wc/v3/orders/3": httpx.Response(
            400,
            json={
                "code": "rest_invalid_param",
                "message": "Invalid parameter(s): status",
                "data": {"status": 400, "params": {"status": "status is not one of …"}},
            },
        ),
    }
    client = client_with(lambda request: answers[request.url.path])
    with pytest.raises(AuthenticationFailed) as denied:
        client.get_order("1")
    assert denied.value.code == "woocommerce_rest_authentication_error"
    with pytest.raises(NotFound, match="Invalid ID"):
        client.get_order("2")
    with pytest.raises(InvalidRequest) as invalid:
        client.get_order("3")
    assert invalid.value.details == {"status": "status is not one of …"}
    with pytest.raises(MappingError, match="number"):
        client.get_order("#727")


def test_tracking_write_back_requests() -> None:
    """Note body per WC-doc ``_order-notes.md``; the order meta per ``_orders.md`` ``meta_data``."""
    sent: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        sent.append((request.method, request.url.path, body))
        if request.url.path.endswith("/notes") and request.method == "POST":
            return httpx.Response(201, json={**NOTE_281, "note": body["note"]})
        if request.url.path.endswith("/notes"):
            return httpx.Response(200, json=[NOTE_281])
        return httpx.Response(200, json=ORDER_727)

    client = client_with(handler)
    order_raw = {**ORDER_727, "line_items": ORDER_727["line_items"][:1]}
    from ecomflow.adapters.woocommerce import WOO_STATUSES, to_order
    from ecomflow.orders.delivery import DeliveryMap

    order = to_order(order_raw, WOO_STATUSES, DeliveryMap.default())
    shipment = ShipmentRef(carrier="inpost", tracking_number="620000111", shipment_id="49001")
    client.write_tracking(order, shipment)
    assert [(m, p) for m, p, _ in sent] == [
        ("GET", "/wp-json/wc/v3/orders/727"),
        ("GET", "/wp-json/wc/v3/orders/727/notes"),
        ("POST", "/wp-json/wc/v3/orders/727/notes"),
        ("PUT", "/wp-json/wc/v3/orders/727"),
    ]
    note = sent[2][2]
    assert note["customer_note"] is False and "620000111" in note["note"]
    (meta,) = sent[3][2]["meta_data"]
    assert meta["key"] == "_ecomflow_tracking"
    assert meta["value"][0]["tracking_number"] == "620000111"
    sent.clear()
    client.write_tracking(order, shipment, first_attempt=True)  # no look-ups
    assert [m for m, _, _ in sent] == ["POST", "PUT"]


# -- webhooks: bodies as WooCommerce writes them, signed here -----------------------------

SECRET = "whsec_doc"


def signed(body: bytes, topic: str, delivery: str = "5f2b0a1c") -> WebhookRequest:
    """Headers of WC-src ``class-wc-webhook.php`` ``deliver``; signature computed here."""
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    return WebhookRequest(
        {
            "content-type": "application/json",
            "x-wc-webhook-source": "https://example.com/",
            "x-wc-webhook-topic": topic,
            "x-wc-webhook-resource": topic.split(".", maxsplit=1)[0],
            "x-wc-webhook-event": topic.split(".")[1],
            "x-wc-webhook-signature": signature.decode(),
            "x-wc-webhook-id": "3",
            "x-wc-webhook-delivery-id": delivery,
        },
        body,
    )


def test_a_delivery_as_php_encodes_it() -> None:
    # wp_json_encode escapes "/" as "\/"; the signature is over these exact bytes
    body = json.dumps(ORDER_727, separators=(",", ":")).replace("/", "\\/").encode()
    (event,) = parse_webhook(signed(body, "order.updated"), secret=SECRET)
    assert (event.topic, event.channel_order_id, event.source) == (
        "order.updated",
        "727",
        "woocommerce",
    )
    assert event.delivery_id.startswith("5f2b0a1c:")
    (deleted,) = parse_webhook(signed(b'{"id":727}', "order.deleted"), secret=SECRET)
    assert deleted.channel_order_id == "727"


@pytest.mark.parametrize(
    "body",
    [
        b"webhook_id=12\xff",
        b"\xff\xfe\x00{",
        b"webhook_id=",
        b"webhook_id=12&x=1",
        b'{"id": 727}',
    ],
)
def test_unsigned_look_alikes_are_refused(body: bytes) -> None:
    """Only ``webhook_id=<number>`` (``deliver_ping``) may come unsigned; never a 500."""
    request = WebhookRequest({"Content-Type": "application/x-www-form-urlencoded"}, body)
    with pytest.raises(SignatureVerificationError):
        parse_webhook(request, secret=SECRET)


def test_the_ping_is_answered_with_no_events() -> None:
    assert parse_webhook(WebhookRequest({}, b"webhook_id=12"), secret=SECRET) == []


@pytest.mark.parametrize("body", [b"\xff\xfe", b"<html>", b"[727]", b'{"id": "abc"}', b"{}"])
def test_signed_but_malformed_is_a_mapping_error(body: bytes) -> None:
    with pytest.raises(MappingError):
        parse_webhook(signed(body, "order.updated"), secret=SECRET)


def test_bad_signatures_are_refused() -> None:
    body = b'{"id":727}'
    good = signed(body, "order.updated")
    headers = dict(good.headers)
    headers["x-wc-webhook-signature"] = "not base64 !!"
    with pytest.raises(SignatureVerificationError):
        parse_webhook(WebhookRequest(headers, body), secret=SECRET)
    with pytest.raises(SignatureVerificationError):
        parse_webhook(good, secret="another secret")
    with pytest.raises(SignatureVerificationError):
        parse_webhook(WebhookRequest(good.headers, b'{"id":728}'), secret=SECRET)
