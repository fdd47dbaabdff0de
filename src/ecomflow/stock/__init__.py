"""Stock: one ledger per SKU and warehouse, reservations, publication, replenishment."""

from ecomflow.stock.updates import StockUpdate

__all__ = ["StockUpdate"]
