"""Stock: one ledger per SKU and warehouse, reservations, publication, replenishment.

>>> from ecomflow.stock import StockLedger, open_store
>>> ledger = StockLedger(open_store("memory://"))
>>> ledger.receive("MUG-RED", 3).available
3
"""

from ecomflow.stock.ledger import DEFAULT_WAREHOUSE, StockLedger, Verification
from ecomflow.stock.models import (
    Backorder,
    Movement,
    MovementKind,
    Reservation,
    ReservationLine,
    ReservationState,
    StockLevel,
)
from ecomflow.stock.publication import PublicationRule, publication_plan
from ecomflow.stock.replenishment import (
    AbcXyz,
    Proposal,
    Sale,
    SupplierTerms,
    abc_xyz,
    replenishment,
)
from ecomflow.stock.updates import StockUpdate
from ecomflow.storage import open_store

__all__ = [
    "DEFAULT_WAREHOUSE",
    "AbcXyz",
    "Backorder",
    "Movement",
    "MovementKind",
    "Proposal",
    "PublicationRule",
    "Reservation",
    "ReservationLine",
    "ReservationState",
    "Sale",
    "StockLedger",
    "StockLevel",
    "StockUpdate",
    "SupplierTerms",
    "Verification",
    "abc_xyz",
    "open_store",
    "publication_plan",
    "replenishment",
]
