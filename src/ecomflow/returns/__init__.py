"""Returns / RMA: policy and window, RMA numbers, RmaFlow, quarantine, refunds, reports."""

from ecomflow.returns.eligibility import check_request, returned_quantities, window_start
from ecomflow.returns.flow import RMA_EVENTS, RmaFlow
from ecomflow.returns.models import (
    DEFAULT_TIMEZONE,
    LineOutcome,
    Refusal,
    ReturnLine,
    ReturnPolicy,
    ReturnReason,
    Rma,
    RmaStatus,
)
from ecomflow.returns.numbering import RmaNumbering
from ecomflow.returns.refunds import (
    PaidShares,
    RefundPlan,
    paid_per_unit,
    paid_shares,
    plan_refund,
    what_was_paid,
)
from ecomflow.returns.reports import ReturnsReport, returns_report
from ecomflow.returns.service import (
    EXCHANGE_TAG,
    CorrectionInvoiceRequested,
    RefundRequested,
    ReturnEvent,
    Returns,
    customer_messages,
    replacement_order,
)
from ecomflow.returns.store import RmaStore

__all__ = [
    "DEFAULT_TIMEZONE",
    "EXCHANGE_TAG",
    "RMA_EVENTS",
    "CorrectionInvoiceRequested",
    "LineOutcome",
    "PaidShares",
    "RefundPlan",
    "RefundRequested",
    "Refusal",
    "ReturnEvent",
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
    "check_request",
    "customer_messages",
    "paid_per_unit",
    "paid_shares",
    "plan_refund",
    "replacement_order",
    "returned_quantities",
    "returns_report",
    "what_was_paid",
    "window_start",
]
