"""BaseLinker adapter settings: what ``[channels.<name>]`` with ``adapter = "baselinker"`` holds.

>>> settings = BaseLinkerSettings(token="secret-token", couriers={"gls": "gls"})
>>> settings.channel, settings.journal, settings.token
('baselinker', 'auto', SecretStr('**********'))
>>> settings.courier_code("inpost", "inpost_locker_standard"), settings.courier_code("dpd")
('paczkomaty', 'dpd')
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from ecomflow.adapters.settings import ChannelSettings
from ecomflow.errors import ConfigurationError

__all__ = ["BASELINKER_URL", "DEFAULT_COURIERS", "BaseLinkerSettings"]

#: The single endpoint of the BaseLinker API (reference §1 Transport, BL-doc).
BASELINKER_URL = "https://api.baselinker.com/connector.php"

#: Carrier id or service id → BaseLinker courier code for ``createPackageManual``.
#:
#: Codes from the ``getCouriersList`` sample of the official method page (copy in
#: Ropetr/TrailSystem-ERP docs-legado/08-integracoes/baselinker-api/03-metodos-detalhados.md):
#: ``dhl``, ``dpd``, ``fedexpl``, ``gls``, ``inpostkurier`` (InPost courier) and
#: ``paczkomaty`` (InPost lockers). Poczta Polska, ORLEN Paczka and UPS appear only in a
#: doubtful copy (``pocztapolska``, ``ruch``, ``ups``): UNCONFIRMED, so they are not
#: defaults — name them in ``couriers`` (createPackageManual also takes a custom courier
#: name, BL-doc). A service id wins over its carrier id.
DEFAULT_COURIERS: dict[str, str] = {
    "inpost": "inpostkurier",
    "inpost_locker_standard": "paczkomaty",
    "inpost_locker_economy": "paczkomaty",
    "inpost_locker_allegro": "paczkomaty",
    "inpost_locker_pass_thru": "paczkomaty",
    "inpost_locker_customer_service_point": "paczkomaty",
    "dhl": "dhl",
    "dpd": "dpd",
    "gls": "gls",
    "fedex": "fedexpl",
}

# "[type:bl|shop|warehouse]_[id:int]" (BL-doc updateInventoryProductsStock).
_WAREHOUSE = re.compile(r"^(bl|shop|warehouse)_\d+$")


class BaseLinkerSettings(ChannelSettings):
    """How to reach one BaseLinker account, and how to read and write it."""

    channel: str = Field(
        default="baselinker",
        min_length=1,
        description="The channel's name (the [channels.<name>] table); order ids are "
        "'<channel>-<BaseLinker order id>'.",
    )
    token: SecretStr = Field(description="API token from BaseLinker → My account → API.")
    url: str = Field(default=BASELINKER_URL, description="The connector endpoint.")
    inventory_id: int | None = Field(
        default=None, description="The catalogue stock is published to (getInventories)."
    )
    warehouse_id: str = Field(
        default="bl_1",
        description="The warehouse stock is published to, e.g. 'bl_123' "
        "(getInventoryWarehouses); a StockUpdate's own warehouse wins.",
    )
    requests_per_minute: int = Field(
        default=90,
        ge=1,
        le=100,
        description="Client-side limit; BaseLinker blocks the account above 100/min.",
    )
    timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP call.")
    journal: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Find orders changed after intake with getJournalList: 'on' trusts it, "
        "'off' never calls it, 'auto' uses it once it has returned an event and re-reads "
        "recent orders on a schedule until then (the journal must be enabled by Base "
        "support; until then it answers empty).",
    )
    reread_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="Without the journal: re-read orders confirmed in the last N days.",
    )
    reread_every_minutes: int = Field(
        default=60,
        ge=0,
        description="Without the journal: at most one re-read every M minutes (0: every fetch).",
    )
    couriers: dict[str, str] = Field(
        default_factory=dict,
        description="Carrier id or service id → BaseLinker courier code for recording "
        "packages (added to the defaults: inpost, dhl, dpd, gls, fedex).",
    )

    @field_validator("warehouse_id")
    @classmethod
    def _warehouse(cls, value: str) -> str:
        if not _WAREHOUSE.match(value):
            raise ValueError(
                f"{value!r} is not a BaseLinker warehouse id; write it as 'bl_<id>' "
                "(or 'shop_<id>' / 'warehouse_<id>'), see getInventoryWarehouses"
            )
        return value

    @field_validator("couriers")
    @classmethod
    def _courier_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for key, code in value.items():
            if not code or len(code) > 20:  # courier_code is varchar(20) (BL-doc)
                raise ValueError(f"courier code for {key!r} must be 1–20 characters")
        return value

    def courier_code(self, carrier: str, service_id: str | None = None) -> str:
        """The BaseLinker courier code for a shipment of ``carrier`` (and ``service_id``).

        :class:`~ecomflow.errors.ConfigurationError` names the table to fix when
        neither the service nor the carrier is known.
        """
        codes = {**DEFAULT_COURIERS, **self.couriers}
        for key in (service_id, carrier):
            if key and key in codes:
                return codes[key]
        known = ", ".join(sorted(codes))
        raise ConfigurationError(
            f"No BaseLinker courier code for carrier {carrier!r}"
            + (f" (service {service_id!r})" if service_id else "")
            + f"; add it to [channels.{self.channel}.couriers] in ecomflow.toml, e.g. "
            f'{carrier} = "<code from getCouriersList>" (known: {known}).'
        )
