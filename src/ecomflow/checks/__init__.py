"""Checks that stop problem orders before they cost money, and catalogue data quality."""

from ecomflow.checks.catalog import WeightCheck, audit_products, weight_mismatch
from ecomflow.checks.findings import FINDING_CODES, Finding, FindingCode, Severity
from ecomflow.checks.order import (
    POSTCODE_FORMATS,
    CheckPolicy,
    DataRequest,
    check_address,
    check_ean,
    check_order,
    check_phone,
    check_tax_id,
    hold_if_needed,
    normalise_phone,
)

__all__ = [
    "FINDING_CODES",
    "POSTCODE_FORMATS",
    "CheckPolicy",
    "DataRequest",
    "Finding",
    "FindingCode",
    "Severity",
    "WeightCheck",
    "audit_products",
    "check_address",
    "check_ean",
    "check_order",
    "check_phone",
    "check_tax_id",
    "hold_if_needed",
    "normalise_phone",
    "weight_mismatch",
]
