"""Shipping: parcels, carrier services, explainable selection with cut-off, promises, boxes."""

from ecomflow.shipping.boxes import Box, BoxChoice, Item, PackedParcel, choose_box
from ecomflow.shipping.catalogue import CarrierService, Catalogue, PriceBracket, SizeClass
from ecomflow.shipping.exceptions import DelayReason, TrackingException, find_exceptions
from ecomflow.shipping.packing import (
    DEFAULT_BOXES,
    PackedItems,
    PackingDefaults,
    ParcelPlan,
    Products,
    ProductSpec,
    load_boxes,
    plan_parcels,
)
from ecomflow.shipping.request import Parcel, ShipmentRequest
from ecomflow.shipping.selection import (
    Candidate,
    Promise,
    Selection,
    SelectionPolicy,
    promise,
    quote,
    select_service,
    ship_date,
)
from ecomflow.shipping.shipments import Label, LabelFormat, LabelSize, Shipment
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus

__all__ = [
    "DEFAULT_BOXES",
    "Box",
    "BoxChoice",
    "Candidate",
    "CarrierService",
    "Catalogue",
    "DelayReason",
    "Item",
    "Label",
    "LabelFormat",
    "LabelSize",
    "PackedItems",
    "PackedParcel",
    "PackingDefaults",
    "Parcel",
    "ParcelPlan",
    "PriceBracket",
    "ProductSpec",
    "Products",
    "Promise",
    "Selection",
    "SelectionPolicy",
    "Shipment",
    "ShipmentRequest",
    "SizeClass",
    "TrackingEvent",
    "TrackingException",
    "TrackingStatus",
    "choose_box",
    "find_exceptions",
    "load_boxes",
    "plan_parcels",
    "promise",
    "quote",
    "select_service",
    "ship_date",
]
