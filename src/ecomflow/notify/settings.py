"""The shop's own settings for customer messages (``[shop]`` in ``ecomflow.toml``).

Who the messages come from, where they point (returns, help, the shop's own
tracking page) and how carriers are called. Required fields have no made-up
defaults: a shop without its own returns page simply gets "reply to this
message" instead of a link.

>>> shop = ShopSettings(name="Kubkowo", sender_email="sklep@kubkowo.pl",
...                     carrier_names={"dpd": "DPD Polska"})
>>> shop.sender, shop.carrier_name("dpd"), shop.carrier_name("inpost")
('Kubkowo <sklep@kubkowo.pl>', 'DPD Polska', 'InPost')
"""

from __future__ import annotations

import re
import string
from email.utils import formataddr
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

__all__ = [
    "CARRIER_NAMES",
    "EmailAddress",
    "HttpLink",
    "LogSettings",
    "NotifierSettings",
    "ShopSettings",
    "SmtpSettings",
    "WebhookSettings",
    "carrier_name",
]

#: Display names of well-known carrier ids; a shop's ``carrier_names`` override and extend it.
CARRIER_NAMES: dict[str, str] = {
    "dhl": "DHL",
    "dpd": "DPD",
    "fedex": "FedEx",
    "gls": "GLS",
    "inpost": "InPost",
    "orlen": "ORLEN Paczka",
    "poczta_polska": "Poczta Polska",
    "pocztex": "Pocztex",
    "ups": "UPS",
}

_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def _email(value: str) -> str:
    value = value.strip()
    if not _ADDRESS.match(value):
        raise ValueError(f"{value!r} is not an e-mail address like 'sklep@example.pl'")
    return value


def _http(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) address like 'https://sklep.pl/zwroty'")
    if any(c.isspace() for c in value):
        raise ValueError(f"{value!r} contains spaces; encode them as %20")
    return value


#: An e-mail address (``name@domain.tld``), checked.
EmailAddress = Annotated[str, AfterValidator(_email)]
#: An absolute http(s) URL, checked.
HttpLink = Annotated[str, AfterValidator(_http)]

_TRACKING_FIELDS = frozenset({"tracking_number", "order"})


def carrier_name(carrier: str, names: dict[str, str] | None = None) -> str:
    """How to show ``carrier`` to a customer: ``names`` first, then :data:`CARRIER_NAMES`.

    An unknown id is shown as it was given (never upper-cased into a guess).

    >>> carrier_name("inpost"), carrier_name("kurier-lokalny")
    ('InPost', 'kurier-lokalny')
    """
    key = carrier.strip().lower()
    if names and key in names:
        return names[key]
    return CARRIER_NAMES.get(key, carrier)


class ShopSettings(BaseModel):
    """The shop as its customers see it in messages.

    Attributes:
        name: the shop's name (the sender's display name and the signature).
        sender_email: the address messages come from.
        sender_name: the display name, when it differs from ``name``.
        reply_to: where replies go, when not to ``sender_email``.
        returns_url: the returns page; without it messages say "reply to this message".
        help_url: the help/contact page; same fallback.
        tracking_page: the shop's own tracking page, used only when the carrier gave no
            link, e.g. ``"https://sklep.pl/sledzenie?numer={tracking_number}"``
            (``{order}`` is the shop's order number).
        return_days: days the customer has to return goods (14 by EU law, or more).
        carrier_names: carrier id → the name customers know (``{"dpd": "DPD Polska"}``).
        language: the language for customers whose language has no catalog.
        timezone: the zone times are shown in (pickup deadlines).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1)
    sender_email: EmailAddress
    sender_name: str | None = None
    reply_to: EmailAddress | None = None
    returns_url: HttpLink | None = None
    help_url: HttpLink | None = None
    tracking_page: str | None = None
    return_days: int = Field(default=14, ge=1)
    carrier_names: dict[str, str] = Field(default_factory=dict)
    language: Literal["pl", "en"] = "pl"
    timezone: str = "Europe/Warsaw"

    @field_validator("name", "sender_name")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and ("\n" in value or "\r" in value):
            raise ValueError("must be one line")
        return value

    @field_validator("tracking_page")
    @classmethod
    def _tracking_template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        unknown = names - _TRACKING_FIELDS
        if unknown or "tracking_number" not in names:
            raise ValueError(
                "tracking_page must contain {tracking_number} (and may contain {order}); "
                f"unknown fields: {sorted(unknown)}"
            )
        _http(value.format(tracking_number="0", order="0"))
        return value

    @field_validator("carrier_names")
    @classmethod
    def _lower_ids(cls, value: dict[str, str]) -> dict[str, str]:
        return {key.strip().lower(): name for key, name in value.items()}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use e.g. 'Europe/Warsaw'") from None
        return value

    @property
    def sender(self) -> str:
        """The ``From`` header: ``"Name <address>"``."""
        return formataddr((self.sender_name or self.name, self.sender_email))

    def carrier_name(self, carrier: str) -> str:
        """The display name of ``carrier`` (see :func:`carrier_name`)."""
        return carrier_name(carrier, self.carrier_names)

    def tracking_link(self, tracking_number: str, order: str) -> str | None:
        """The shop's own tracking page for a parcel, or ``None`` when there is none.

        >>> ShopSettings(name="K", sender_email="k@k.pl",
        ...              tracking_page="https://k.pl/sledz?nr={tracking_number}"
        ...              ).tracking_link("62 01", "1001")
        'https://k.pl/sledz?nr=62%2001'
        """
        if self.tracking_page is None:
            return None
        return self.tracking_page.format(
            tracking_number=quote(tracking_number, safe=""), order=quote(order, safe="")
        )


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class SmtpSettings(BaseModel):
    """How :class:`~ecomflow.notify.SmtpNotifier` reaches the mail server.

    The sender (``From``, ``Reply-To``) is the shop's, in
    :class:`ShopSettings`; here is only the way out.

    Attributes:
        host: the SMTP server.
        port: default 587 for ``starttls``, 465 for ``ssl``, 25 for ``none``.
        security: ``"starttls"`` (upgrade a plain connection; refuse to go on
            without it), ``"ssl"`` (TLS from the first byte) or ``"none"`` (a local
            relay only: credentials are refused in clear text to another host).
        username: the login, when the server wants one.
        password: its password (never shown in errors, logs or ``repr``).
        timeout: seconds for connecting and each command.
        envelope_from: the bounce address (``MAIL FROM``); default the ``From`` address.

    >>> SmtpSettings(host="smtp.kubkowo.pl", username="sklep", password="s3cret")
    SmtpSettings(transport='smtp', host='smtp.kubkowo.pl', port=587, security='starttls', username='sklep', password=SecretStr('**********'), timeout=30.0, envelope_from=None)
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    transport: Literal["smtp"] = "smtp"
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    timeout: float = Field(default=30.0, gt=0)
    envelope_from: EmailAddress | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("port") is None:
            security = data.get("security", "starttls")
            data = {**data, "port": _DEFAULT_PORTS.get(security, 587)}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> SmtpSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        if self.password is not None and self.security == "none" and self.host not in _LOOPBACK:
            raise ValueError(
                "security 'none' would send the password in clear text to "
                f"{self.host}; use 'starttls' or 'ssl'"
            )
        return self


class WebhookSettings(BaseModel):
    """Where :class:`~ecomflow.notify.WebhookNotifier` posts messages (SMS gateway, helpdesk).

    Attributes:
        url: the receiver's http(s) address (a query string is kept).
        secret: the shared HMAC key the receiver checks the signature with.
        timeout: seconds for connecting and reading the answer.
        attempts: tries per message through the shared retry policy (429, 5xx,
            connection errors); each carries the same ``Idempotency-Key``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    transport: Literal["webhook"] = "webhook"
    url: HttpLink
    secret: SecretStr
    timeout: float = Field(default=10.0, gt=0)
    attempts: int = Field(default=3, ge=1, le=10)

    @field_validator("secret")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("the secret must not be empty")
        return value


class LogSettings(BaseModel):
    """:class:`~ecomflow.notify.LogNotifier`: messages only go to the ``ecomflow.messages`` log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transport: Literal["log"] = "log"


#: The ``[notify]`` table of ``ecomflow.toml``: one transport, chosen by ``transport``.
NotifierSettings = Annotated[
    SmtpSettings | WebhookSettings | LogSettings, Field(discriminator="transport")
]
