"""Shipping: parcels, shipment requests, carrier services, selection, promises, boxes."""

from ecomflow.shipping.request import Parcel, ShipmentRequest

__all__ = ["Parcel", "ShipmentRequest"]
