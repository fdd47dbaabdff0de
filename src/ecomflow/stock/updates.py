"""What a channel should show: the quantity the ledger publishes per SKU."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["StockUpdate"]


class StockUpdate(BaseModel):
    """One quantity to publish to one channel.

    ``quantity`` is what the channel should show (0 pauses the offer);
    ``product_id`` is the channel's own id when the caller already knows it;
    ``previous`` is the quantity last published to the channel (kept in the
    store), for channels that write with compare-and-set — ``None`` on the first
    publication, when the adapter must read the channel's current quantity
    rather than skip the check.

    >>> StockUpdate(channel="baselinker", sku="MUG-RED", quantity=7)
    StockUpdate(channel='baselinker', sku='MUG-RED', quantity=7, warehouse=None, product_id=None, paused=False, previous=None)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=0)
    warehouse: str | None = None
    product_id: str | None = None
    paused: bool = Field(default=False, description="Shown as 0 because of a minimum rule.")
    previous: int | None = Field(
        default=None, ge=0, description="The quantity last published (compare-and-set baseline)."
    )
