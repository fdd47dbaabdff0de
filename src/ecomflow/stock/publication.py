"""What each channel should show, computed from the ledger only.

Available stock minus a per-channel buffer; ``0`` (the offer paused) below a
minimum, resumed only when it climbs back to ``resume_at`` (so an offer does
not flicker on and off at the threshold); and only what changed since the
last publication, so adapters send the fewest calls their API allows.

>>> from ecomflow.stock import StockLedger, open_store
>>> ledger = StockLedger(open_store("memory://"))
>>> _ = ledger.receive("MUG", 10); _ = ledger.receive("CUP", 2)
>>> rules = [PublicationRule(channel="allegro", buffer=1, minimum=2)]
>>> [(u.sku, u.quantity, u.paused) for u in publication_plan(ledger, rules)]
[('CUP', 0, True), ('MUG', 9, False)]
>>> publication_plan(ledger, rules, last_published={("allegro", "CUP"): 0, ("allegro", "MUG"): 9})
[]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from ecomflow.stock.ledger import StockLedger
from ecomflow.stock.updates import StockUpdate

__all__ = ["PublicationRule", "publication_plan"]


class PublicationRule(BaseModel):
    """How one channel shows stock."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str
    buffer: int = Field(default=0, ge=0, description="Units kept back from this channel.")
    minimum: int = Field(default=0, ge=0, description="Below this the offer is paused (0).")
    resume_at: int | None = Field(
        default=None, ge=0, description="A paused offer resumes from here (default: minimum)."
    )
    sku_minimums: dict[str, int] = Field(default_factory=dict)
    warehouses: list[str] | None = Field(
        default=None, description="Warehouses that feed this channel (default: all)."
    )

    def minimum_for(self, sku: str) -> int:
        """The pause threshold of ``sku`` on this channel."""
        return self.sku_minimums.get(sku, self.minimum)


def publication_plan(
    ledger: StockLedger,
    rules: Sequence[PublicationRule],
    *,
    last_published: Mapping[tuple[str, str], int] | None = None,
    skus: Sequence[str] | None = None,
) -> list[StockUpdate]:
    """The :class:`StockUpdate` each channel needs now, sorted by channel then SKU.

    ``last_published`` maps ``(channel, sku)`` to the quantity the channel shows;
    SKUs whose value is unchanged are left out. Without it, everything is listed.
    """
    last = last_published or {}
    levels = ledger.levels(skus)
    updates: list[StockUpdate] = []
    for rule in sorted(rules, key=lambda r: r.channel):
        available: dict[str, int] = {}
        for level in levels:
            if rule.warehouses is None or level.warehouse in rule.warehouses:
                available[level.sku] = available.get(level.sku, 0) + level.available
        for sku in sorted(available):
            shown = max(0, available[sku] - rule.buffer)
            minimum = rule.minimum_for(sku)
            resume = max(rule.resume_at if rule.resume_at is not None else minimum, minimum)
            previous = last.get((rule.channel, sku))
            paused = shown < minimum or (previous == 0 and 0 < shown < resume)
            quantity = 0 if paused else shown
            if previous is not None and previous == quantity:
                continue
            updates.append(
                StockUpdate(channel=rule.channel, sku=sku, quantity=quantity, paused=paused)
            )
    return updates
