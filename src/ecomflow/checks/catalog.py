"""Data quality of the product catalogue, and parcel weight checks.

>>> from ecomflow.catalog import Product
>>> report = audit_products([Product(sku="MUG", ean="5901234123457", weight_kg=1,
...                                  dimensions_cm=(10, 10, 12), images=["mug.jpg"]),
...                          Product(sku="CUP", ean="5901234123458")])
>>> sorted(f.code for f in report["CUP"])
['ean.invalid', 'product.dimensions_missing', 'product.images_missing', 'product.weight_missing']
>>> report["MUG"]
[]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ecomflow.catalog import Product
from ecomflow.checks.findings import Finding, Severity
from ecomflow.checks.order import check_ean

__all__ = ["WeightCheck", "audit_products", "weight_mismatch"]


def audit_products(products: Iterable[Product]) -> dict[str, list[Finding]]:
    """Findings per SKU: EAN missing or invalid, weight, dimensions, images, duplicate EANs."""
    items = list(products)
    report: dict[str, list[Finding]] = {p.sku: [] for p in items}
    by_ean: dict[str, list[str]] = defaultdict(list)
    for product in items:
        found = report[product.sku]
        about = {"sku": product.sku}
        if not product.ean:
            found.append(Finding("ean.missing", Severity.ERROR, "ean", "no EAN", None, about))
        else:
            found += check_ean(product.ean, "ean", Severity.ERROR, **about)
            by_ean[product.ean].append(product.sku)
        if product.weight_kg is None or product.weight_kg == 0:
            found.append(
                Finding(
                    "product.weight_missing",
                    Severity.ERROR,
                    "weight_kg",
                    "no weight (carrier selection needs it)",
                    product.weight_kg,
                    about,
                )
            )
        if product.dimensions_cm is None:
            found.append(
                Finding(
                    "product.dimensions_missing",
                    Severity.ERROR,
                    "dimensions_cm",
                    "no dimensions (box and locker size need them)",
                    None,
                    about,
                )
            )
        if not product.images:
            found.append(
                Finding(
                    "product.images_missing", Severity.WARNING, "images", "no images", None, about
                )
            )
    for ean, skus in by_ean.items():
        if len(skus) > 1:
            for sku in skus:
                others = [s for s in skus if s != sku]
                report[sku].append(
                    Finding(
                        "ean.duplicate",
                        Severity.ERROR,
                        "ean",
                        f"EAN {ean} is also used by {', '.join(others)}",
                        ean,
                        {"sku": sku, "others": others},
                    )
                )
    return report


@dataclass(frozen=True, slots=True)
class WeightCheck:
    """A measured parcel weight against the catalogue's expectation."""

    measured_kg: Decimal
    expected_kg: Decimal
    tolerance_kg: Decimal

    @property
    def difference_kg(self) -> Decimal:
        """Measured minus expected."""
        return self.measured_kg - self.expected_kg

    @property
    def flagged(self) -> bool:
        """Whether the difference is beyond the tolerance."""
        return abs(self.difference_kg) > self.tolerance_kg

    def __str__(self) -> str:
        verdict = "MISMATCH" if self.flagged else "ok"
        return (
            f"{verdict}: measured {self.measured_kg} kg, expected {self.expected_kg} kg "
            f"(±{self.tolerance_kg} kg)"
        )


def weight_mismatch(
    measured_kg: Decimal | int | str,
    expected_kg: Decimal | int | str,
    tolerance: Decimal | int | str = Decimal("0.1"),
) -> WeightCheck:
    """Compare a scale reading with the expected weight (absolute tolerance in kg).

    >>> str(weight_mismatch("2.45", "2.1", "0.2"))
    'MISMATCH: measured 2.45 kg, expected 2.1 kg (±0.2 kg)'
    """
    return WeightCheck(
        Decimal(str(measured_kg)), Decimal(str(expected_kg)), Decimal(str(tolerance))
    )
