"""Returns / RMA: policy and window, RMA numbers, RmaFlow, quarantine, refunds, reports."""

from ecomflow.returns.flow import RMA_EVENTS, RmaFlow
from ecomflow.returns.models import (
    LineOutcome,
    Refusal,
    ReturnLine,
    ReturnPolicy,
    ReturnReason,
    Rma,
    RmaStatus,
)
from ecomflow.returns.numbering import RmaNumbering
from ecomflow.returns.refunds import paid_per_unit, refund_amounts
from ecomflow.returns.reports import ReturnsReport, returns_report
from ecomflow.returns.service import (
    CorrectionInvoiceRequested,
    RefundRequested,
    Returns,
    customer_messages,
    returned_quantities,
)
from ecomflow.returns.store import RmaStore

__all__ = [
    "RMA_EVENTS",
    "CorrectionInvoiceRequested",
    "LineOutcome",
    "RefundRequested",
    "Refusal",
    "ReturnLine",
    "ReturnPolicy",
    "ReturnReason",
    "Returns",
    "ReturnsReport",
    "Rma",
    "RmaFlow",
    "RmaNumbering",
    "RmaStatus",
    "RmaStore",
    "customer_messages",
    "paid_per_unit",
    "refund_amounts",
    "returned_quantities",
    "returns_report",
]
