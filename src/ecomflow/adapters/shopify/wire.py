"""The Shopify wire: GraphQL documents the client sends, GIDs, search strings, the cursor.

Everything here is pure. Each document names the shopify.dev reference page its
fields were checked against; fields marked UNCONFIRMED were not re-read there
(reference ``shopify-woocommerce-api.md`` A2) and are kept to widely used ones.

>>> legacy_id("gid://shopify/Order/1000"), gid("Order", "1000")
('1000', 'gid://shopify/Order/1000')
>>> sorted(["gid://shopify/Order/999", "gid://shopify/Order/1000"], key=gid_number)
['gid://shopify/Order/999', 'gid://shopify/Order/1000']
>>> sku_search(["MUG-1", "KUB/RED"])
'sku:"MUG-1" OR sku:"KUB/RED"'
>>> quantity_index(["input", "quantities", "3", "changeFromQuantity"])
3
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ecomflow.errors import ConfigurationError

__all__ = [
    "FULFILLMENT_CREATE",
    "FULFILLMENT_STATE",
    "INVENTORY_LEVELS",
    "INVENTORY_SET",
    "MAX_QUANTITIES",
    "ORDERS_QUERY",
    "ORDER_CANCEL",
    "ORDER_LINES",
    "ORDER_QUERY",
    "SKUS_PER_SEARCH",
    "TRACKING_UPDATE",
    "VARIANTS_BY_SKU",
    "UpdateCursor",
    "gid",
    "gid_number",
    "legacy_id",
    "parse_time",
    "quantity_index",
    "sku_search",
    "stamp",
]

#: Input arrays take at most 250 items (reference A2 "Input arrays"; a per-mutation
#: limit for inventorySetQuantities is UNCONFIRMED, so the general one is kept).
MAX_QUANTITIES = 250
#: SKUs per ``productVariants`` search (``sku:A OR sku:B``; OR is documented in the
#: search syntax, shopify.dev/docs/api/usage/search-syntax; the length limit of a
#: query string is UNCONFIRMED, so batches stay small).
SKUS_PER_SEARCH = 50
#: Line items read when one order is read alone (the requested cost stays under the
#: single-query limit of 1000 points, reference A5).
ORDER_LINES = 200

# Order fields: shopify.dev/docs/api/admin-graphql/latest/objects/Order (id, name,
# createdAt, updatedAt, cancelledAt, currencyCode, email, phone, tags, display*Status,
# customAttributes, shippingAddress, shippingLines, lineItems, fulfillmentOrders);
# the *Set MoneyBags (amount is a decimal string) and line-item sku / variant.barcode are
# UNCONFIRMED in this pass (reference A2). FulfillmentOrder.deliveryMethod.methodType:
# shopify.dev/docs/api/admin-graphql/latest/objects/DeliveryMethod.
_ORDER_FIELDS = """
fragment OrderFields on Order {
  id name createdAt updatedAt cancelledAt currencyCode email phone tags
  displayFinancialStatus displayFulfillmentStatus
  totalPriceSet { shopMoney { amount currencyCode } }
  totalShippingPriceSet { shopMoney { amount currencyCode } }
  totalDiscountsSet { shopMoney { amount currencyCode } }
  customAttributes { key value }
  shippingAddress { name company address1 address2 city zip countryCodeV2 phone }
  shippingLines(first: 5) { nodes { title code } }
  fulfillmentOrders(first: 5) { nodes { deliveryMethod { methodType } } }
  lineItems(first: $lines) {
    pageInfo { hasNextPage }
    nodes {
      id sku name quantity
      originalUnitPriceSet { shopMoney { amount currencyCode } }
      variant { barcode }
    }
  }
}
"""

#: Orders changed since a time, oldest change first (``sortKey: UPDATED_AT``:
#: shopify.dev/docs/api/admin-graphql/2024-07/enums/OrderSortKeys; the ``updated_at``
#: time filter: shopify.dev/docs/api/admin-graphql/latest/queries/orders; ``:>=``:
#: shopify.dev/docs/api/usage/search-syntax).
ORDERS_QUERY = (
    """
query Orders($first: Int!, $after: String, $query: String, $lines: Int!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderFields }
  }
}"""
    + _ORDER_FIELDS
)

#: One order by GID.
ORDER_QUERY = (
    """
query Order($id: ID!, $lines: Int!) {
  order(id: $id) { ...OrderFields }
}"""
    + _ORDER_FIELDS
)

#: What a fulfilment needs to know: cancelled?, existing fulfilments with their
#: tracking and location, fulfillment orders with their location and allowed actions.
#: Order.fulfillments is a plain list with ``first``; FulfillmentOrder.assignedLocation
#: { location { id } }, status, supportedActions: shopify.dev/docs/api/admin-graphql/
#: latest/queries/fulfillmentOrder; Fulfillment.location.id: the orders query's
#: ``fulfillment_location_id`` filter documents it.
FULFILLMENT_STATE = """
query FulfillmentState($id: ID!) {
  order(id: $id) {
    id cancelledAt displayFulfillmentStatus
    fulfillments(first: 20) {
      id status location { id } trackingInfo(first: 10) { number company url }
    }
    fulfillmentOrders(first: 20) {
      nodes {
        id status
        assignedLocation { location { id } }
        supportedActions { action }
      }
    }
  }
}"""

#: shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentCreate: the fulfillment
#: orders of one call belong to one order and one location.
FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}"""

#: shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentTrackingInfoUpdate.
TRACKING_UPDATE = """
mutation TrackingUpdate($id: ID!, $tracking: FulfillmentTrackingInput!, $notify: Boolean) {
  fulfillmentTrackingInfoUpdate(
    fulfillmentId: $id, trackingInfoInput: $tracking, notifyCustomer: $notify
  ) {
    fulfillment { id }
    userErrors { field message }
  }
}"""

#: shopify.dev/docs/api/admin-graphql/2026-07/mutations/orderCancel (refundMethod since
#: 2025-07, which deprecated ``refund``: shopify.dev/changelog/ordercancel-mutation-now-
#: supports-refunds-to-store-credit); the cancellation runs as a job.
ORDER_CANCEL = """
mutation OrderCancel(
  $id: ID!, $reason: OrderCancelReason!, $refund: OrderCancelRefundMethodInput!,
  $restock: Boolean!, $notify: Boolean, $note: String
) {
  orderCancel(
    orderId: $id, reason: $reason, refundMethod: $refund, restock: $restock,
    notifyCustomer: $notify, staffNote: $note
  ) {
    job { id done }
    orderCancelUserErrors { code field message }
  }
}"""

#: shopify.dev/docs/api/admin-graphql/latest/queries/productVariants (``sku:`` filter).
VARIANTS_BY_SKU = """
query VariantsBySku($query: String!, $first: Int!, $after: String) {
  productVariants(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { sku inventoryItem { id } }
  }
}"""

#: Current ``available`` quantities of inventory items at one location (InventoryItem.
#: inventoryLevel(locationId:), InventoryLevel.quantities(names:):
#: shopify.dev/docs/api/admin-graphql/latest/objects/InventoryLevel).
INVENTORY_LEVELS = """
query InventoryLevels($ids: [ID!]!, $location: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } }
    }
  }
}"""

#: shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities: from
#: 2026-04 every quantity carries ``changeFromQuantity`` and the call an ``@idempotent``
#: key; userErrors[].field is "the path to the input field that caused the error"
#: (shopify.dev/docs/api/admin-graphql/latest/objects/inventorysetquantitiesusererror).
INVENTORY_SET = """
mutation InventorySet($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { reason }
    userErrors { code field message }
  }
}"""

_GID = re.compile(r"^gid://shopify/(?P<kind>\w+)/(?P<id>\d+)(\?.*)?$")


def gid(kind: str, legacy: str | int) -> str:
    """The GID of a Shopify object (shopify.dev/docs/api/usage/gids)."""
    return f"gid://shopify/{kind}/{legacy}"


def legacy_id(value: str) -> str:
    """The numeric id inside a GID (``…/Order/1000`` → ``1000``); the value when it is one."""
    found = _GID.match(value)
    if found:
        return found.group("id")
    if value.isdigit():
        return value
    raise ValueError(f"{value!r} is not a Shopify GID or numeric id")


def gid_number(value: str) -> int:
    """A GID's numeric id, for ordering (``…/1000`` after ``…/999``, unlike strings)."""
    try:
        return int(legacy_id(value))
    except ValueError:
        return -1


def parse_time(value: Any) -> datetime:
    """A Shopify ``DateTime`` (ISO 8601, ``Z`` for UTC) as an aware datetime."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date-time string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def stamp(moment: datetime) -> str:
    """``moment`` in UTC to the second, as Shopify writes it (``2026-11-24T08:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sku_search(skus: Iterable[str]) -> str:
    """A ``productVariants`` search for exactly these SKUs (quoted, joined by OR)."""
    return " OR ".join(f"sku:{_quote(sku)}" for sku in skus)


def quantity_index(path: Sequence[str] | None) -> int | None:
    """The index in ``input.quantities`` a userError's ``field`` path points at, if any."""
    if not path or len(path) < 3 or list(path[:2]) != ["input", "quantities"]:
        return None
    text = str(path[2])
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class UpdateCursor:
    """Where ``fetch_orders`` goes on from: a second of ``updatedAt`` and what was seen in it.

    The next fetch re-reads that whole second (``updated_at:>=``) and skips the orders
    whose (id, digest of the node) it already returned, so an older order changed in the
    same second is read again, and ids need not ascend within a second.

    >>> cursor = UpdateCursor.decode(UpdateCursor(parse_time("2026-11-24T08:00:07Z"),
    ...                                           {"1000": "ab"}).encode())
    >>> cursor.search(), cursor.seen
    ("updated_at:>='2026-11-24T08:00:07Z'", {'1000': 'ab'})
    """

    since: datetime | None = None
    seen: dict[str, str] = field(default_factory=dict)

    def search(self) -> str | None:
        """The orders search that re-reads the boundary second (inclusive)."""
        return None if self.since is None else f"updated_at:>='{stamp(self.since)}'"

    def encode(self) -> str | None:
        """The opaque string the Orchestrator stores (``None`` before the first order)."""
        if self.since is None:
            return None
        body = {"v": 1, "since": stamp(self.since), "seen": dict(sorted(self.seen.items()))}
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> UpdateCursor:
        """Read a stored cursor (also the old ``updatedAt|gid`` form, re-read inclusively)."""
        if not text:
            return cls()
        try:
            if text.startswith("{"):
                body = json.loads(text)
                seen = {str(k): str(v) for k, v in dict(body.get("seen") or {}).items()}
                return cls(parse_time(body["since"]), seen)
            moment, _, _ = text.partition("|")
            return cls(parse_time(moment))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigurationError(
                f"{text[:80]!r} is not a Shopify order cursor; pass the cursor a previous "
                "fetch_orders returned, or None to read from the start"
            ) from None
