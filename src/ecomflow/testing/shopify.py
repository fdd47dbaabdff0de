"""FakeShopify: a loopback GraphQL Admin API that accepts what Shopify accepts and refuses the rest.

The request is Shopify's documented one — ``POST /admin/api/<version>/graphql.json``
with ``{"query": ..., "variables": ...}`` (``operationName`` optional; reference A1) — and
the document is parsed, validated and executed by ``graphql-core`` against a schema
written from the shopify.dev reference pages (:data:`SCHEMA`), not from ecomflow's
client: an unknown field, a wrong argument or a missing variable is a GraphQL
``errors`` answer, as on Shopify. Calls are counted (and faults injected) per root field
of the operation (``orders``, ``order``, ``fulfillmentCreate``, ``inventorySetQuantities``…).

It keeps state (orders with fulfillment orders per location, fulfilments, inventory
per location), prices each query (objects 1, connections 2 + ``first`` × their nodes,
mutations 10: shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits — the fake's
estimate), refuses a query over 1000 points (``MAX_COST_EXCEEDED``) and throttles with a
leaky bucket (``THROTTLED``, HTTP 200 or 429; reference A5, Part C). It refuses what Shopify
refuses: a bad token (401), ``first`` over 250, fulfilling a cancelled or closed
fulfillment order, a stale ``changeFromQuantity``, ``inventorySetQuantities`` without its
``@idempotent`` key (required from 2026-04), unknown items and locations.

Needs ``graphql-core`` (``pip install 'ecomflow[dev]'``).

>>> import httpx
>>> with FakeShopify() as fake:
...     _ = fake.add_order()
...     answer = httpx.post(f"{fake.url}/admin/api/2026-10/graphql.json",
...         headers={"X-Shopify-Access-Token": fake.token},
...         json={"query": "{ orders(first: 10) { nodes { id name } } }"}).json()
...     wrong = httpx.post(f"{fake.url}/admin/api/2026-10/graphql.json",
...         headers={"X-Shopify-Access-Token": fake.token},
...         json={"query": "{ orders(first: 10) { nodes { id colour } } }"}).json()
>>> answer["data"]["orders"]["nodes"], "throttleStatus" in answer["extensions"]["cost"]
([{'id': 'gid://shopify/Order/1002', 'name': '#1002'}], True)
>>> wrong["errors"][0]["message"]
"Cannot query field 'colour' on type 'Order'."
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from ecomflow.testing.server import LoopbackServer, Reply, Request, Route, RoutedHandler

__all__ = ["SCHEMA", "FakeShopify"]

_ENDPOINT = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
_MAX_FIRST = 250  # reference A2
_MAX_COST = 1000.0  # reference A5: one query may not cost more
_MUTATION_COST = 10.0

#: The part of the GraphQL Admin API (2026-10) the fake serves, written from the shopify.dev
#: reference pages named beside each type. ``CurrencyCode`` and ``CountryCode`` are enums on
#: Shopify; here they are scalars so a test can seed malformed values.
SCHEMA = """
schema { query: QueryRoot mutation: Mutation }

# shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities (2026-01+)
directive @idempotent(key: String!) on FIELD

scalar DateTime
scalar Decimal
scalar URL
scalar CurrencyCode
scalar CountryCode

interface Node { id: ID! }

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

# .../enums/OrderSortKeys
enum OrderSortKeys {
  CREATED_AT CUSTOMER_NAME DESTINATION FINANCIAL_STATUS FULFILLMENT_STATUS ID ORDER_NUMBER
  PO_NUMBER PROCESSED_AT RELEVANCE TOTAL_ITEMS_QUANTITY TOTAL_PRICE UPDATED_AT
}
# the orders query's financial_status / fulfillment_status filters (.../queries/orders)
enum OrderDisplayFinancialStatus {
  AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED
}
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT REQUEST_DECLINED
  RESTOCKED SCHEDULED UNFULFILLED
}
# .../enums/deliverymethodtype
enum DeliveryMethodType { LOCAL NONE PICK_UP PICKUP_POINT RETAIL SHIPPING }
# .../enums/FulfillmentOrderStatus
enum FulfillmentOrderStatus { CANCELLED CLOSED INCOMPLETE IN_PROGRESS ON_HOLD OPEN SCHEDULED }
# FulfillmentOrderAction: the full value list is UNCONFIRMED; these are the common ones
enum FulfillmentOrderAction {
  CREATE_FULFILLMENT REQUEST_FULFILLMENT CANCEL_FULFILLMENT_ORDER REQUEST_CANCELLATION MOVE HOLD
  RELEASE_HOLD MARK_AS_OPEN EXTERNAL SPLIT MERGE
}
# .../enums/fulfillmentstatus
enum FulfillmentStatus { CANCELLED ERROR FAILURE SUCCESS OPEN PENDING }
# .../enums/ordercancelreason
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
# .../enums/InventorySetQuantitiesUserErrorCode
enum InventorySetQuantitiesUserErrorCode {
  CHANGE_FROM_QUANTITY_STALE COMPARE_QUANTITY_REQUIRED COMPARE_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST IDEMPOTENCY_KEY_PARAMETER_MISMATCH
  IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED INVALID_INVENTORY_ITEM INVALID_LOCATION INVALID_NAME
  INVALID_QUANTITY_NEGATIVE INVALID_QUANTITY_TOO_HIGH INVALID_QUANTITY_TOO_LOW INVALID_REASON
  INVALID_REFERENCE_DOCUMENT ITEM_NOT_STOCKED_AT_LOCATION
  NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR NON_MUTABLE_INVENTORY_ITEM
}
# OrderCancelUserErrorCode: values UNCONFIRMED
enum OrderCancelUserErrorCode { INVALID NOT_FOUND NO_REFUND_PERMISSION }

type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2 }
type Attribute { key: String! value: String }
type MailingAddress {
  name: String firstName: String lastName: String company: String address1: String
  address2: String city: String province: String provinceCode: String zip: String
  country: String countryCodeV2: CountryCode phone: String
}
type Location implements Node { id: ID! name: String! }
type ShippingLine { title: String! code: String originalPriceSet: MoneyBag }
type ShippingLineConnection { nodes: [ShippingLine!]! pageInfo: PageInfo! }
type LineItem {
  id: ID! sku: String name: String! quantity: Int!
  originalUnitPriceSet: MoneyBag! variant: ProductVariant
}
type LineItemConnection { nodes: [LineItem!]! pageInfo: PageInfo! }
# .../objects/DeliveryMethod
type DeliveryMethod implements Node {
  id: ID! methodType: DeliveryMethodType! presentedName: String serviceCode: String
}
type FulfillmentOrderAssignedLocation { location: Location name: String! }
type FulfillmentOrderSupportedAction { action: FulfillmentOrderAction! }
# .../queries/fulfillmentOrder
type FulfillmentOrder implements Node {
  id: ID! status: FulfillmentOrderStatus!
  assignedLocation: FulfillmentOrderAssignedLocation!
  deliveryMethod: DeliveryMethod
  supportedActions: [FulfillmentOrderSupportedAction!]!
}
type FulfillmentOrderConnection { nodes: [FulfillmentOrder!]! pageInfo: PageInfo! }
type FulfillmentTrackingInfo { company: String number: String url: URL }
type Fulfillment implements Node {
  id: ID! status: FulfillmentStatus! location: Location
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
}
type Order implements Node {
  id: ID! name: String! createdAt: DateTime! updatedAt: DateTime! cancelledAt: DateTime
  currencyCode: CurrencyCode! email: String phone: String tags: [String!]!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  totalPriceSet: MoneyBag! totalShippingPriceSet: MoneyBag! totalDiscountsSet: MoneyBag
  customAttributes: [Attribute!]!
  shippingAddress: MailingAddress
  shippingLines(first: Int, after: String): ShippingLineConnection!
  lineItems(first: Int, after: String): LineItemConnection!
  fulfillmentOrders(first: Int, after: String): FulfillmentOrderConnection!
  fulfillments(first: Int): [Fulfillment!]!
}
type OrderConnection { nodes: [Order!]! pageInfo: PageInfo! }
type InventoryQuantity { name: String! quantity: Int! }
# .../objects/InventoryLevel
type InventoryLevel implements Node {
  id: ID! location: Location! quantities(names: [String!]!): [InventoryQuantity!]!
}
type InventoryItem implements Node {
  id: ID! sku: String inventoryLevel(locationId: ID!): InventoryLevel
}
type ProductVariant implements Node {
  id: ID! sku: String barcode: String inventoryItem: InventoryItem!
}
type ProductVariantConnection { nodes: [ProductVariant!]! pageInfo: PageInfo! }

type QueryRoot {
  orders(first: Int, after: String, last: Int, before: String, query: String,
         reverse: Boolean = false, sortKey: OrderSortKeys = PROCESSED_AT): OrderConnection!
  order(id: ID!): Order
  productVariants(first: Int, after: String, last: Int, before: String, query: String,
                  reverse: Boolean = false): ProductVariantConnection!
  nodes(ids: [ID!]!): [Node]!
}

# .../objects/UserError
type UserError { field: [String!] message: String! }
type FulfillmentCreatePayload { fulfillment: Fulfillment userErrors: [UserError!]! }
type FulfillmentTrackingInfoUpdatePayload { fulfillment: Fulfillment userErrors: [UserError!]! }
type Job { id: ID! done: Boolean! }
type OrderCancelUserError { code: OrderCancelUserErrorCode field: [String!] message: String! }
type OrderCancelPayload {
  job: Job orderCancelUserErrors: [OrderCancelUserError!]! userErrors: [UserError!]!
}
type InventoryAdjustmentGroup {
  id: ID! reason: String! referenceDocumentUri: String createdAt: DateTime!
}
type InventorySetQuantitiesUserError {
  code: InventorySetQuantitiesUserErrorCode field: [String!] message: String!
}
type InventorySetQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]!
}

# .../mutations/fulfillmentCreate (the SDL of its inputs is quoted on that page)
input FulfillmentTrackingInput {
  number: String url: URL company: String numbers: [String!] urls: [URL!]
}
input FulfillmentOrderLineItemInput { id: ID! quantity: Int! }
input FulfillmentOrderLineItemsInput {
  fulfillmentOrderId: ID! fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
}
input FulfillmentOriginAddressInput {
  address1: String address2: String city: String zip: String provinceCode: String
  countryCode: String!
}
input FulfillmentInput {
  trackingInfo: FulfillmentTrackingInput notifyCustomer: Boolean
  lineItemsByFulfillmentOrder: [FulfillmentOrderLineItemsInput!]!
  originAddress: FulfillmentOriginAddressInput
}
# .../input-objects/OrderCancelRefundMethodInput
input OrderCancelStoreCreditRefundInput { expiresAt: DateTime }
input OrderCancelRefundMethodInput {
  originalPaymentMethodsRefund: Boolean storeCreditRefund: OrderCancelStoreCreditRefundInput
}
# .../input-objects/InventorySetQuantitiesInput (changeFromQuantity from 2026-04)
input InventoryQuantityInput {
  inventoryItemId: ID! locationId: ID! quantity: Int! compareQuantity: Int changeFromQuantity: Int
}
input InventorySetQuantitiesInput {
  name: String! reason: String! referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]! ignoreCompareQuantity: Boolean
}

type Mutation {
  fulfillmentCreate(fulfillment: FulfillmentInput!, message: String): FulfillmentCreatePayload
  fulfillmentTrackingInfoUpdate(fulfillmentId: ID!, trackingInfoInput: FulfillmentTrackingInput!,
                                notifyCustomer: Boolean): FulfillmentTrackingInfoUpdatePayload
  orderCancel(orderId: ID!, reason: OrderCancelReason!, refund: Boolean,
              refundMethod: OrderCancelRefundMethodInput, restock: Boolean!,
              notifyCustomer: Boolean, staffNote: String): OrderCancelPayload
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
}
"""

_SEARCH_TERM = re.compile(r"""^(?P<field>\w+):(?P<op><=|>=|<|>)?(?P<value>'[^']*'|"[^"]*"|\S+)$""")
_FULFILLABLE = ("OPEN", "IN_PROGRESS")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _legacy(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def _tie(gid: str) -> str:
    # Shopify does not document the order of orders with one updatedAt; the fake makes it
    # deterministic but unrelated to the id, so a client cannot lean on ascending ids.
    return hashlib.sha1(gid.encode()).hexdigest()


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _decode(cursor: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(cursor.encode()))


def _connection(items: Sequence[Any], first: int | None, after: str | None) -> dict[str, Any]:
    start = int(_decode(after)) if after else 0
    size = len(items) if first is None else first
    page = list(items[start : start + size])
    end = start + len(page)
    return {
        "nodes": page,
        "edges": [{"node": n, "cursor": _encode(start + i + 1)} for i, n in enumerate(page)],
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": _encode(start + 1) if page else None,
            "endCursor": _encode(end) if page else None,
        },
    }


def _money(amount: str, currency: str = "PLN") -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


class _Refused(Exception):
    """A request the API refuses before running it (becomes a top-level ``errors`` answer)."""

    def __init__(self, message: str, code: str, status: int = 200, **extra: Any) -> None:
        super().__init__(message)
        self.error = {"message": message, "extensions": {"code": code, **extra}}
        self.status = status


class _Handler(RoutedHandler):
    """Routes by the GraphQL operation's root field, then serves like every fake."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.rfile = io.BytesIO(body)  # read again by RoutedHandler._serve
        self.server.fake._current.root = _root_field(body)
        super()._serve()


def _root_field(body: bytes) -> str | None:
    from graphql import GraphQLError, OperationDefinitionNode, parse  # noqa: PLC0415

    try:
        request = json.loads(body)
        document = parse(str(request.get("query") or ""))
    except (ValueError, AttributeError, GraphQLError):
        return None
    wanted = request.get("operationName")
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            not wanted or (definition.name and definition.name.value == wanted)
        ):
            for selection in definition.selection_set.selections:
                name = getattr(selection, "name", None)
                if name is not None:
                    return str(name.value)
    return None


class FakeShopify(LoopbackServer):
    """A stateful Shopify store (GraphQL Admin API) on ``127.0.0.1``.

    Args:
        token: the access token it accepts.
        app_secret: the client secret it signs webhooks with.
        maximum_available: the bucket size (points).
        restore_rate: points restored per second.
        throttle_status: HTTP status of a THROTTLED answer (200 or 429; reference A5).
        clock: monotonic seconds for the bucket (tests pass a fake clock).
        now: the wall clock for ``updatedAt`` of changes the API makes.
    """

    def __init__(
        self,
        *,
        token: str = "shpat_test",
        app_secret: str = "shpss_test",
        port: int = 0,
        maximum_available: float = 1000.0,
        restore_rate: float = 100.0,
        throttle_status: int = 200,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        keep_alive: bool = False,
    ) -> None:
        from graphql import build_schema  # noqa: PLC0415 - graphql-core is a test dependency

        super().__init__(_Handler, port, keep_alive=keep_alive)
        self.routes = [Route("POST", "graphql", _ENDPOINT, self._graphql)]
        self.schema = build_schema(SCHEMA)
        self.token = token
        self.app_secret = app_secret
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self.throttle_status = throttle_status
        self.clock = clock or time.monotonic
        self.now = now or (lambda: datetime.now(UTC))
        self.available = maximum_available
        self._stamp = self.clock()
        self._current = threading.local()
        self.orders: dict[str, dict[str, Any]] = {}
        self.fulfillments: dict[str, list[dict[str, Any]]] = {}
        self.locations: dict[str, str] = {}
        self.variants: dict[str, dict[str, str]] = {}
        self.inventory: dict[tuple[str, str], int] = {}
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        self.throttled = 0
        self.requests: list[dict[str, Any]] = []
        self._next = 1000
        self.default_location = self.add_location("Magazyn")

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (the shop URL)."""
        return self.base_url

    def arrive(self, route: str) -> Any:
        """Count and fault by the operation's root field (``orders``, ``fulfillmentCreate``…)."""
        root = getattr(self._current, "root", None)
        self._current.root = None
        return super().arrive(root or route)

    # -- seeding and inspection -----------------------------------------------------------

    def _id(self) -> int:
        self._next += 1
        return self._next

    def add_location(self, name: str = "Magazyn") -> str:
        """Add a location; returns its GID."""
        with self._lock:
            location = f"gid://shopify/Location/{self._id()}"
            self.locations[location] = name
            return location

    def add_order(
        self,
        *,
        updated: datetime | None = None,
        financial: str = "PAID",
        sku: str = "MUG-RED",
        delivery: str = "Kurier DPD",
        method: str = "SHIPPING",
        locations: Sequence[str] | None = None,
        **fields: Any,
    ) -> str:
        """Seed an order (stored with plain lists for its connections); returns its GID.

        ``locations`` gives one fulfillment order per location (default: the default one);
        ``fields`` override any stored field (``lineItems``, ``totalPriceSet``…).
        """
        with self._lock:
            number = self._id()
            order_gid = f"gid://shopify/Order/{number}"
            moment = updated or self.now()
            order: dict[str, Any] = {
                "id": order_gid,
                "name": f"#{number}",
                "createdAt": _stamp(moment),
                "updatedAt": _stamp(moment),
                "cancelledAt": None,
                "currencyCode": "PLN",
                "email": "anna@example.com",
                "phone": None,
                "tags": [],
                "displayFinancialStatus": financial,
                "displayFulfillmentStatus": "UNFULFILLED",
                "totalPriceSet": _money("64.00"),
                "totalShippingPriceSet": _money("15.00"),
                "totalDiscountsSet": _money("0.00"),
                "customAttributes": [],
                "shippingAddress": {
                    "name": "Anna Nowak",
                    "company": None,
                    "address1": "Długa 1",
                    "address2": None,
                    "city": "Kraków",
                    "zip": "31-147",
                    "countryCodeV2": "PL",
                    "phone": "600100200",
                },
                "shippingLines": [{"title": delivery, "code": delivery.lower().replace(" ", "-")}],
                "lineItems": [
                    {
                        "id": f"gid://shopify/LineItem/{number}",
                        "sku": sku,
                        "name": "Kubek",
                        "quantity": 2,
                        "originalUnitPriceSet": _money("24.50"),
                        "variant": {"barcode": "5901234123457"},
                    }
                ],
                "fulfillmentOrders": [
                    {
                        "id": f"gid://shopify/FulfillmentOrder/{self._id()}",
                        "status": "OPEN",
                        "assignedLocation": {"location": {"id": location}},
                        "deliveryMethod": {
                            "id": f"gid://shopify/DeliveryMethod/{self._id()}",
                            "methodType": method,
                        },
                    }
                    for location in (locations or [self.default_location])
                ],
                **fields,
            }
            self.orders[order_gid] = order
            self.fulfillments[order_gid] = []
            return order_gid

    def add_variant(
        self, sku: str, available: int = 0, *, locations: Sequence[str] | None = None
    ) -> str:
        """Seed a variant stocked at ``locations`` (default: the default one); returns its item."""
        with self._lock:
            item = f"gid://shopify/InventoryItem/{self._id()}"
            self.variants[sku] = {"id": f"gid://shopify/ProductVariant/{self._id()}", "item": item}
            for location in locations or [self.default_location]:
                self.inventory[(item, location)] = available
            return item

    def quantity(self, sku: str, location: str | None = None) -> int | None:
        """The ``available`` quantity of ``sku`` at ``location`` (default location)."""
        variant = self.variants.get(sku)
        if variant is None:
            return None
        return self.inventory.get((variant["item"], location or self.default_location))

    def touch(self, order_gid: str, moment: datetime | None = None) -> None:
        """Set an order's ``updatedAt`` (to ``now`` by default)."""
        with self._lock:
            self.orders[order_gid]["updatedAt"] = _stamp(moment or self.now())

    def pay(self, order_gid: str, *, at: datetime | None = None) -> None:
        """The order is paid (as Shopify Payments would do it)."""
        with self._lock:
            self.orders[order_gid]["displayFinancialStatus"] = "PAID"
            self.touch(order_gid, at)

    def cancel(self, order_gid: str, *, at: datetime | None = None) -> None:
        """The merchant cancels the order in the admin: its fulfillment orders close."""
        with self._lock:
            order = self.orders[order_gid]
            order["cancelledAt"] = _stamp(at or self.now())
            for fo in order["fulfillmentOrders"]:
                if fo["status"] in _FULFILLABLE or fo["status"] in ("ON_HOLD", "SCHEDULED"):
                    fo["status"] = "CLOSED"
            self.touch(order_gid, at)

    def tracking_numbers(self, order_gid: str) -> list[str]:
        """Every tracking number recorded on the order's fulfilments (one per record)."""
        return [
            str(t["number"])
            for f in self.fulfillments.get(order_gid, [])
            for t in f["trackingInfo"]
            if t.get("number")
        ]

    def webhook(
        self, topic: str, order_gid: str, *, event_id: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """A signed, REST-shaped delivery about an order (reference A6): headers and body."""
        order = self.orders[order_gid]
        body = json.dumps(
            {
                "id": int(_legacy(order_gid)),
                "admin_graphql_api_id": order_gid,
                "name": order["name"],
                "financial_status": str(order["displayFinancialStatus"]).lower(),
                "cancelled_at": order["cancelledAt"],
            }
        ).encode()
        digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "X-Shopify-Shop-Domain": "test.myshopify.com",
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Event-Id": event_id or secrets.token_hex(8),
            "X-Shopify-Webhook-Id": secrets.token_hex(8),
            "X-Shopify-Triggered-At": _stamp(self.now()),
        }
        return headers, body

    def send_webhook(
        self, url: str, topic: str, order_gid: str, *, event_id: str | None = None
    ) -> httpx.Response:
        """POST :meth:`webhook` to ``url``."""
        headers, body = self.webhook(topic, order_gid, event_id=event_id)
        return httpx.post(url, content=body, headers=headers, timeout=5)

    # -- HTTP -----------------------------------------------------------------------------

    def authorize(self, request: Request, route: Route) -> Reply | None:
        """401 without the right ``X-Shopify-Access-Token`` (reference A1, A7)."""
        if request.header("X-Shopify-Access-Token") != self.token:
            return Reply(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login)"}
            )
        return None

    def _graphql(self, request: Request, version: str) -> Reply:
        if (request.header("Content-Type") or "").split(";")[0].strip() != "application/json":
            return Reply(400, {"errors": "Content-Type must be application/json"})  # A7
        try:
            body = request.json()
        except ValueError:
            return Reply(400, {"errors": "Request body is not JSON"})
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return Reply(400, {"errors": "Body must be {query, variables}"})
        variables = body.get("variables") or {}
        self.requests.append(body)
        try:
            with self._lock:
                return self._run(body["query"], variables, body.get("operationName"))
        except _Refused as refused:
            return Reply(refused.status, {"errors": [refused.error]})

    def _run(self, query: str, variables: dict[str, Any], name: str | None) -> Reply:
        from graphql import GraphQLError, execute_sync, parse, validate  # noqa: PLC0415

        try:
            document = parse(query)
        except GraphQLError as error:
            raise _Refused(error.message, "PARSE_ERROR") from None
        errors = validate(self.schema, document)
        if errors:
            return Reply(200, {"errors": [e.formatted for e in errors]})
        operation = self._operation(document, name)
        requested = self._price(operation, document, variables)
        allowed, cost = self._spend(requested)
        if not allowed:
            return Reply(
                self.throttle_status,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {"cost": cost},
                },
            )
        result = execute_sync(
            self.schema,
            document,
            root_value=_Root(self),
            variable_values=variables,
            operation_name=name,
        )
        answer: dict[str, Any] = {"data": result.data, "extensions": {"cost": cost}}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        return Reply(200, answer)

    @staticmethod
    def _operation(document: Any, name: str | None) -> Any:
        from graphql import OperationDefinitionNode  # noqa: PLC0415

        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name:
            operations = [o for o in operations if o.name and o.name.value == name]
        if len(operations) != 1:
            raise _Refused("Exactly one operation must be given (or named)", "BAD_REQUEST")
        return operations[0]

    # -- cost ----------------------------------------------------------------------------

    def _price(self, operation: Any, document: Any, variables: dict[str, Any]) -> float:
        from graphql import FragmentDefinitionNode  # noqa: PLC0415

        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        if operation.operation.value == "mutation":
            self._cost(operation.selection_set, self.schema.mutation_type, variables, fragments)
            return _MUTATION_COST
        cost = self._cost(operation.selection_set, self.schema.query_type, variables, fragments)
        if cost > _MAX_COST:
            raise _Refused(
                f"Query cost is {cost:g}, which exceeds the single query max cost limit "
                f"({_MAX_COST:g}).",
                "MAX_COST_EXCEEDED",
                cost=cost,
                maxCost=_MAX_COST,
            )
        return cost

    def _cost(
        self, selection_set: Any, parent: Any, variables: dict[str, Any], fragments: dict[str, Any]
    ) -> float:
        from graphql import (  # noqa: PLC0415
            FieldNode,
            FragmentSpreadNode,
            GraphQLList,
            InlineFragmentNode,
            get_named_type,
            get_nullable_type,
            is_leaf_type,
            value_from_ast_untyped,
        )

        total = 0.0
        for selection in selection_set.selections if selection_set else []:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                kind = self.schema.get_type(fragment.type_condition.name.value)
                total += self._cost(fragment.selection_set, kind, variables, fragments)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                total += self._cost(selection.selection_set, kind, variables, fragments)
                continue
            if not isinstance(selection, FieldNode) or selection.name.value.startswith("__"):
                continue
            field = parent.fields[selection.name.value]
            args = {
                a.name.value: value_from_ast_untyped(a.value, variables)
                for a in selection.arguments or ()
            }
            first = args.get("first")
            if isinstance(first, int) and first > _MAX_FIRST:
                raise _Refused(
                    f"The 'first' argument of {selection.name.value} is {first}; at most "
                    f"{_MAX_FIRST} can be requested",
                    "BAD_REQUEST",
                )
            named = get_named_type(field.type)
            if is_leaf_type(named):
                continue
            if named.name.endswith("Connection"):
                per_node, once = self._connection_cost(selection, named, variables, fragments)
                total += 2 + max(int(first or 0), 1) * per_node + once
                continue
            inner = self._cost(selection.selection_set, named, variables, fragments)
            if isinstance(get_nullable_type(field.type), GraphQLList):
                count = len(args["ids"]) if "ids" in args else int(first or 1)
                total += count * (1 + inner)
            else:
                total += 1 + inner
        return total

    def _connection_cost(
        self, selection: Any, connection: Any, variables: dict[str, Any], fragments: dict[str, Any]
    ) -> tuple[float, float]:
        """(cost of one node, cost paid once — pageInfo) of a connection's selection."""
        from graphql import FieldNode, get_named_type  # noqa: PLC0415

        per_node = once = 0.0
        for sub in selection.selection_set.selections if selection.selection_set else []:
            if not isinstance(sub, FieldNode) or sub.name.value.startswith("__"):
                continue
            named = get_named_type(connection.fields[sub.name.value].type)
            inner = self._cost(sub.selection_set, named, variables, fragments)
            if sub.name.value == "nodes":
                per_node += 1 + inner
            elif sub.name.value == "edges":
                per_node += inner  # the edge's node counts 1 inside
            else:
                once += 1 + inner
        return per_node, once

    def _spend(self, requested: float) -> tuple[bool, dict[str, Any]]:
        now = self.clock()
        self.available = min(
            self.maximum_available, self.available + (now - self._stamp) * self.restore_rate
        )
        self._stamp = now
        allowed = self.available + 1e-9 >= requested
        if allowed:
            self.available -= requested
        else:
            self.throttled += 1
        return allowed, {
            "requestedQueryCost": requested,
            "actualQueryCost": requested if allowed else None,
            "throttleStatus": {
                "maximumAvailable": self.maximum_available,
                "currentlyAvailable": round(self.available, 1),
                "restoreRate": self.restore_rate,
            },
        }

    # -- the data the resolvers serve -------------------------------------------------------

    def _order_view(self, order: dict[str, Any]) -> dict[str, Any]:
        order_gid = order["id"]
        view = dict(order)
        for name in ("lineItems", "shippingLines"):
            items = order[name]
            view[name] = lambda info, first=None, after=None, items=items: _connection(
                items, first, after
            )
        fos = [self._fo_view(fo) for fo in order["fulfillmentOrders"]]
        view["fulfillmentOrders"] = lambda info, first=None, after=None: _connection(
            fos, first, after
        )
        done = [self._fulfillment_view(f) for f in self.fulfillments.get(order_gid, [])]
        view["fulfillments"] = lambda info, first=None: done[:first] if first else done
        return view

    def _fo_view(self, fo: dict[str, Any]) -> dict[str, Any]:
        location = fo["assignedLocation"]["location"]["id"]
        actions = ["CREATE_FULFILLMENT", "MOVE", "HOLD"] if fo["status"] == "OPEN" else []
        if fo["status"] == "IN_PROGRESS":
            actions = ["CREATE_FULFILLMENT"]
        return {
            **fo,
            "assignedLocation": {
                "name": self.locations.get(location, ""),
                "location": {"id": location, "name": self.locations.get(location, "")},
            },
            "supportedActions": [{"action": a} for a in actions],
        }

    @staticmethod
    def _fulfillment_view(record: dict[str, Any]) -> dict[str, Any]:
        tracking = record["trackingInfo"]
        return {
            **record,
            "trackingInfo": lambda info, first=None: tracking[:first] if first else tracking,
        }

    def _search(self, query: str | None) -> Callable[[dict[str, Any]], bool]:
        tests: list[Callable[[dict[str, Any]], bool]] = []
        for term in (query or "").split():
            if term == "AND":
                continue
            found = _SEARCH_TERM.match(term)
            if not found or found.group("field") not in ("updated_at", "created_at"):
                raise _Refused(f"The fake does not support the search term {term!r}", "BAD_REQUEST")
            key = "updatedAt" if found.group("field") == "updated_at" else "createdAt"
            op = found.group("op") or ""
            value = found.group("value").strip("'\"")
            try:
                limit = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise _Refused(f"Invalid date in search term {term!r}", "BAD_REQUEST") from None
            compare = {
                "": lambda a, b: a == b,
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
            }[op]

            def test(
                order: dict[str, Any],
                key: str = key,
                compare: Any = compare,
                limit: datetime = limit,
            ) -> bool:
                moment = datetime.fromisoformat(str(order[key]).replace("Z", "+00:00"))
                return bool(compare(moment, limit))

            tests.append(test)
        return lambda order: all(t(order) for t in tests)

    def _orders(self, first: int | None, after: str | None, query: str | None, sort: str) -> Any:
        if first is None:
            raise _Refused("You must provide one of first or last", "BAD_REQUEST")
        match = self._search(query)
        key_field = {"UPDATED_AT": "updatedAt", "CREATED_AT": "createdAt"}.get(sort, "createdAt")

        def key(order: dict[str, Any]) -> tuple[str, str]:
            return (str(order[key_field]), _tie(order["id"]))

        chosen = sorted((o for o in self.orders.values() if match(o)), key=key)
        if after:
            mark = tuple(_decode(after))
            chosen = [o for o in chosen if key(o) > mark]
        page = chosen[:first]
        return {
            "nodes": [self._order_view(o) for o in page],
            "pageInfo": {
                "hasNextPage": len(chosen) > len(page),
                "hasPreviousPage": bool(after),
                "startCursor": _encode(list(key(page[0]))) if page else None,
                "endCursor": _encode(list(key(page[-1]))) if page else None,
            },
        }

    def _variants(self, first: int | None, after: str | None, query: str | None) -> Any:
        if first is None:
            raise _Refused("You must provide one of first or last", "BAD_REQUEST")
        wanted: set[str] = set()
        for term in re.split(r"\s+OR\s+", (query or "").strip()):
            found = re.match(r'^sku:(?:"((?:[^"\\]|\\.)*)"|(\S+))$', term)
            if not found:
                raise _Refused(f"The fake does not support the search {term!r}", "BAD_REQUEST")
            quoted = found.group(1)
            wanted.add(re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else found.group(2))
        nodes = [
            {
                "id": v["id"],
                "sku": sku,
                "barcode": None,
                "inventoryItem": self._item_view(v["item"], sku),
            }
            for sku, v in sorted(self.variants.items())
            if sku in wanted
        ]
        return _connection(nodes, first, after)

    def _item_view(self, item: str, sku: str | None = None) -> dict[str, Any]:
        def level(info: Any, locationId: str) -> dict[str, Any] | None:  # noqa: N803
            if (item, locationId) not in self.inventory:
                return None
            quantity = self.inventory[(item, locationId)]
            return {
                "__typename": "InventoryLevel",
                "id": f"gid://shopify/InventoryLevel/{_legacy(item)}?inventory_item_id={_legacy(locationId)}",
                "location": {"id": locationId, "name": self.locations.get(locationId, "")},
                "quantities": lambda info, names: [
                    {"name": n, "quantity": quantity}
                    for n in names
                    if n in ("available", "on_hand")
                ],
            }

        if sku is None:
            sku = next((s for s, v in self.variants.items() if v["item"] == item), None)
        return {"__typename": "InventoryItem", "id": item, "sku": sku, "inventoryLevel": level}

    def _node(self, node_id: str) -> dict[str, Any] | None:
        if node_id in self.orders:
            return {"__typename": "Order", **self._order_view(self.orders[node_id])}
        if any(v["item"] == node_id for v in self.variants.values()):
            return self._item_view(node_id)
        if node_id in self.locations:
            return {"__typename": "Location", "id": node_id, "name": self.locations[node_id]}
        return None

    # -- mutations -----------------------------------------------------------------------

    def _changed(self, order_gid: str) -> None:
        self.orders[order_gid]["updatedAt"] = _stamp(self.now())

    def _fulfillment_create(self, fulfillment: dict[str, Any]) -> dict[str, Any]:
        def refuse(message: str, *field: str) -> dict[str, Any]:
            return {
                "fulfillment": None,
                "userErrors": [{"field": ["fulfillment", *field], "message": message}],
            }

        groups = fulfillment["lineItemsByFulfillmentOrder"]
        if not groups:
            return refuse(
                "Line items by fulfillment order can't be blank", "lineItemsByFulfillmentOrder"
            )
        found = []
        for group in groups:
            if group.get("fulfillmentOrderLineItems"):
                return refuse("The fake fulfils whole fulfillment orders only")
            owner = next(
                (
                    (gid_, fo)
                    for gid_, order in self.orders.items()
                    for fo in order["fulfillmentOrders"]
                    if fo["id"] == group["fulfillmentOrderId"]
                ),
                None,
            )
            if owner is None:
                return refuse("Fulfillment order does not exist.", "lineItemsByFulfillmentOrder")
            found.append(owner)
        orders = {gid_ for gid_, _ in found}
        places = {fo["assignedLocation"]["location"]["id"] for _, fo in found}
        if len(orders) > 1 or len(places) > 1:
            # "The fulfillment orders are associated with the same Order and are assigned to
            # the same Location" (shopify.dev .../mutations/fulfillmentCreate); wording the fake's.
            return refuse("All fulfillment orders must belong to the same order and location.")
        order_gid = found[0][0]
        for _, fo in found:
            if fo["status"] not in _FULFILLABLE or self.orders[order_gid]["cancelledAt"]:
                # The message Shopify gives for a closed fulfillment order as quoted by
                # third-party code ("has an unfulfillable status= closed"); UNCONFIRMED on
                # shopify.dev. A cancelled order's fulfillment orders are closed.
                status = "closed" if self.orders[order_gid]["cancelledAt"] else fo["status"].lower()
                return refuse(
                    f"Fulfillment order {_legacy(fo['id'])} has an unfulfillable status= {status}."
                )
        tracking_in = fulfillment.get("trackingInfo") or {}
        numbers = list(tracking_in.get("numbers") or []) or (
            [tracking_in["number"]] if tracking_in.get("number") else []
        )
        urls = list(tracking_in.get("urls") or []) or (
            [tracking_in["url"]] if tracking_in.get("url") else []
        )
        tracking = [
            {
                "number": n,
                "company": tracking_in.get("company"),
                "url": urls[i] if i < len(urls) else None,
            }
            for i, n in enumerate(numbers)
        ]
        record = {
            "id": f"gid://shopify/Fulfillment/{self._id()}",
            "status": "SUCCESS",
            "location": {
                "id": next(iter(places)),
                "name": self.locations.get(next(iter(places)), ""),
            },
            "trackingInfo": tracking,
            "notifyCustomer": bool(fulfillment.get("notifyCustomer")),
        }
        self.fulfillments[order_gid].append(record)
        for _, fo in found:
            fo["status"] = "CLOSED"
        order = self.orders[order_gid]
        open_left = any(fo["status"] in _FULFILLABLE for fo in order["fulfillmentOrders"])
        order["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED" if open_left else "FULFILLED"
        self._changed(order_gid)
        return {"fulfillment": self._fulfillment_view(record), "userErrors": []}

    def _tracking_update(self, fulfillment_id: str, tracking_in: dict[str, Any]) -> dict[str, Any]:
        for order_gid, records in self.fulfillments.items():
            for record in records:
                if record["id"] == fulfillment_id:
                    numbers = list(tracking_in.get("numbers") or []) or (
                        [tracking_in["number"]] if tracking_in.get("number") else []
                    )
                    record["trackingInfo"] = [
                        {
                            "number": n,
                            "company": tracking_in.get("company"),
                            "url": tracking_in.get("url"),
                        }
                        for n in numbers
                    ]
                    self._changed(order_gid)
                    return {"fulfillment": self._fulfillment_view(record), "userErrors": []}
        return {
            "fulfillment": None,
            "userErrors": [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}],
        }

    def _order_cancel(self, args: dict[str, Any]) -> dict[str, Any]:
        def refuse(message: str, code: str, field: str) -> dict[str, Any]:
            error = {"code": code, "field": [field], "message": message}
            return {"job": None, "orderCancelUserErrors": [error], "userErrors": []}

        order = self.orders.get(args["orderId"])
        if order is None:
            return refuse("Order does not exist.", "NOT_FOUND", "orderId")
        if args.get("refund") is None and args.get("refundMethod") is None:
            return refuse("A refund method is required.", "INVALID", "refundMethod")
        # The documented criteria: not already cancelled, no outstanding fulfilments
        # (shopify.dev .../mutations/orderCancel); the messages are the fake's.
        if order["cancelledAt"]:
            return refuse("Order has already been cancelled.", "INVALID", "orderId")
        if any(r["status"] == "SUCCESS" for r in self.fulfillments.get(order["id"], [])):
            return refuse("Cannot cancel an order with fulfillments.", "INVALID", "orderId")
        order["cancelledAt"] = _stamp(self.now())
        order["cancelReason"] = args["reason"]
        order["restocked"] = args["restock"]
        for fo in order["fulfillmentOrders"]:
            if fo["status"] in _FULFILLABLE or fo["status"] in ("ON_HOLD", "SCHEDULED"):
                fo["status"] = "CLOSED"
        self._changed(order["id"])
        job = {"id": f"gid://shopify/Job/{self._id()}", "done": True}
        return {"job": job, "orderCancelUserErrors": [], "userErrors": []}

    def _inventory_set(self, payload: dict[str, Any], key: str | None) -> dict[str, Any]:
        from graphql import GraphQLError  # noqa: PLC0415

        if not key:
            # Required from 2026-04 (shopify.dev .../mutations/inventorySetQuantities); the
            # error's wording and code are the fake's (UNCONFIRMED).
            raise GraphQLError(
                "An idempotency key is required: add @idempotent(key: ...) to the mutation",
                extensions={"code": "BAD_REQUEST"},
            )
        fingerprint = json.dumps(payload, sort_keys=True)
        if key in self.idempotency:
            previous, answer = self.idempotency[key]
            if previous != fingerprint:
                return {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [
                        {
                            "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                            "field": ["input"],
                            "message": "The same idempotency key cannot be used with "
                            "different operation parameters.",
                        }
                    ],
                }
            return answer
        answer = self._apply_quantities(payload)
        self.idempotency[key] = (fingerprint, answer)
        return answer

    def _apply_quantities(self, payload: dict[str, Any]) -> dict[str, Any]:
        errors: list[dict[str, Any]] = []

        def refuse(code: str, message: str, *field: str) -> None:
            errors.append({"code": code, "field": ["input", *field], "message": message})

        if payload["name"] not in ("available", "on_hand"):
            refuse(
                "INVALID_NAME", "The quantity name must be either 'available' or 'on_hand'.", "name"
            )
        if not payload["reason"]:
            refuse("INVALID_REASON", "The reason is invalid.", "reason")
        quantities = payload["quantities"]
        if len(quantities) > _MAX_FIRST:
            refuse("INVALID_QUANTITY_TOO_HIGH", f"At most {_MAX_FIRST} quantities.", "quantities")
        pairs: set[tuple[str, str]] = set()
        changes: list[tuple[tuple[str, str], int]] = []
        for index, entry in enumerate(quantities):
            at = ("quantities", str(index))
            pair = (entry["inventoryItemId"], entry["locationId"])
            if "changeFromQuantity" not in entry:
                # "Omitting changeFromQuantity returns an error" (2026-04+); code the fake's.
                refuse(
                    "COMPARE_QUANTITY_REQUIRED",
                    "changeFromQuantity must be given (null to opt out of the check).",
                    *at,
                    "changeFromQuantity",
                )
                continue
            if not any(v["item"] == pair[0] for v in self.variants.values()):
                refuse(
                    "INVALID_INVENTORY_ITEM",
                    "The specified inventory item could not be found.",
                    *at,
                    "inventoryItemId",
                )
                continue
            if pair[1] not in self.locations:
                refuse(
                    "INVALID_LOCATION",
                    "The specified location could not be found.",
                    *at,
                    "locationId",
                )
                continue
            if pair not in self.inventory:
                refuse(
                    "ITEM_NOT_STOCKED_AT_LOCATION",
                    "The item is not stocked at the location.",
                    *at,
                    "locationId",
                )
                continue
            if pair in pairs:
                refuse(
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    "Duplicate inventory item and location.",
                    *at,
                )
                continue
            pairs.add(pair)
            if entry["quantity"] < 0 and payload["name"] == "on_hand":
                refuse(
                    "INVALID_QUANTITY_NEGATIVE", "The quantity can't be negative.", *at, "quantity"
                )
                continue
            expected = entry["changeFromQuantity"]
            if expected is not None and self.inventory[pair] != expected:
                refuse(
                    "CHANGE_FROM_QUANTITY_STALE",
                    "The changeFromQuantity value does not match persisted value.",
                    *at,
                    "changeFromQuantity",
                )
                continue
            changes.append((pair, int(entry["quantity"])))
        if errors:
            # All or nothing (the fake's reading; whether Shopify applies the rest is UNCONFIRMED).
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        for pair, quantity in changes:
            self.inventory[pair] = quantity
        group = {
            "id": f"gid://shopify/InventoryAdjustmentGroup/{self._id()}",
            "reason": payload["reason"],
            "referenceDocumentUri": payload.get("referenceDocumentUri"),
            "createdAt": _stamp(self.now()),
        }
        return {"inventoryAdjustmentGroup": group, "userErrors": []}


class _Root:
    """The root value: one method per root field (graphql-core calls them with the args)."""

    def __init__(self, fake: FakeShopify) -> None:
        self.fake = fake

    def orders(
        self, info: Any, first: int | None = None, after: str | None = None, **args: Any
    ) -> Any:
        return self.fake._orders(first, after, args.get("query"), str(args.get("sortKey")))

    def order(self, info: Any, id: str) -> Any:
        order = self.fake.orders.get(id)
        return None if order is None else self.fake._order_view(order)

    def productVariants(  # noqa: N802
        self, info: Any, first: int | None = None, after: str | None = None, **args: Any
    ) -> Any:
        return self.fake._variants(first, after, args.get("query"))

    def nodes(self, info: Any, ids: list[str]) -> Any:
        return [self.fake._node(i) for i in ids]

    def fulfillmentCreate(self, info: Any, fulfillment: dict[str, Any], **args: Any) -> Any:  # noqa: N802
        return self.fake._fulfillment_create(fulfillment)

    def fulfillmentTrackingInfoUpdate(  # noqa: N802
        self,
        info: Any,
        fulfillmentId: str,  # noqa: N803
        trackingInfoInput: dict[str, Any],  # noqa: N803
        **args: Any,
    ) -> Any:
        return self.fake._tracking_update(fulfillmentId, trackingInfoInput)

    def orderCancel(self, info: Any, **args: Any) -> Any:  # noqa: N802
        return self.fake._order_cancel(args)

    def inventorySetQuantities(self, info: Any, input: dict[str, Any]) -> Any:  # noqa: N802
        from graphql import value_from_ast_untyped  # noqa: PLC0415

        key = None
        for directive in info.field_nodes[0].directives or ():
            if directive.name.value == "idempotent":
                for argument in directive.arguments or ():
                    if argument.name.value == "key":
                        key = value_from_ast_untyped(argument.value, info.variable_values)
        return self.fake._inventory_set(input, key)
