"""``ecomflow.toml``: the shop's configuration, validated whole, secrets kept secret.

.. code-block:: toml

    store = {env = "ECOMFLOW_DATABASE_URL"}   # or "sqlite:///ecomflow.db"
    catalogue = "carriers.toml"               # optional: the example catalogue otherwise
    rules = "rules.toml"                      # optional
    products = "products.toml"                # optional: weights and dimensions per SKU

    [calendar]
    timezone = "Europe/Warsaw"

    [channels.shop]                           # a channel: any adapter with "orders"
    adapter = "baselinker"
    token = {env = "BL_TOKEN"}
    inventory_id = 1

    [carriers.inpost]                         # a carrier: any adapter with "shipments"
    adapter = "inpost"
    token = {file = "/run/secrets/shipx"}
    organization_id = 1234

Each ``[channels.<name>]`` / ``[carriers.<id>]`` table names its adapter and is
validated by that adapter's own settings model (from the plugin registry), so
plugins are configured exactly like the built-in adapters. A value written as
``{env = "NAME"}`` or ``{file = "path"}`` is read from the environment or a
file (e.g. a Docker or systemd secret); any key can also be set with an
environment variable ``ECOMFLOW_<KEY>`` (nested with ``__``, e.g.
``ECOMFLOW_CHANNELS__SHOP__TOKEN``). Every problem is reported at once, with
"did you mean" for misspelt keys, and passwords in URLs never appear in an
error.

>>> config = OrchestratorConfig.from_dict({"store": "memory://", "notify": {"transport": "log"}})
>>> config.notifier_settings().transport
'log'
>>> OrchestratorConfig.from_dict({"stor": "memory://", "calender": {}})
Traceback (most recent call last):
...
ecomflow.errors.ConfigurationError: ecomflow.toml has 3 problems:
  - stor: unknown key (did you mean 'store'?)
  - calender: unknown key (did you mean 'calendar'?)
  - notify: missing — say how customer messages leave: [notify] transport = 'smtp' | 'webhook', or 'log' to only log them
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ecomflow._toml import read_toml
from ecomflow.adapters.registry import AdapterInfo, get
from ecomflow.errors import ConfigurationError, EcomflowError
from ecomflow.notify import NotifierSettings, ShopSettings, notifier_settings
from ecomflow.returns.models import ReturnPolicy
from ecomflow.shipping.selection import SelectionPolicy
from ecomflow.storage import redact_url

__all__ = [
    "AdapterConfig",
    "CalendarSettings",
    "OrchestratorConfig",
    "PipelineSettings",
    "ReturnsSettings",
    "ServeSettings",
    "WorkerSettings",
    "resolve_secrets",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarSettings(_Section):
    """The warehouse's working calendar."""

    country: str = Field(default="PL", description="Public holidays of this country (ISO code).")
    timezone: str = Field(default="Europe/Warsaw", description="The warehouse's time zone.")
    closed: list[date] = Field(default_factory=list, description="Extra closed days.")
    open: list[date] = Field(default_factory=list, description="Extra working days.")


class PipelineSettings(_Section):
    """How orders move: reservations, labels, retries of effects."""

    unpaid_ttl_minutes: int = Field(
        default=30, gt=0, description="How long stock is held for an unpaid order."
    )
    label_opening: time = Field(
        default=time(8, 0), description="Local time labels start being bought on a ship date."
    )
    max_attempts: int = Field(
        default=5, ge=1, description="Tries of an effect before it is parked for a person."
    )
    lease_seconds: float = Field(
        default=120.0, gt=0, description="A claimed effect's lease (renewed while it runs)."
    )
    claim_batch: int = Field(default=10, ge=1, description="Effects claimed at a time.")
    confirm_poll_seconds: float = Field(
        default=20.0, gt=0, description="Wait before reading an unconfirmed shipment again."
    )
    default_dimensions_cm: tuple[float, float, float] = Field(
        default=(35.0, 25.0, 8.0),
        description="A product without dimensions counts as this box (a data-quality finding).",
    )
    default_weight_kg: float = Field(
        default=0.5, gt=0, description="A product without weight counts this much (finding)."
    )


class WorkerSettings(_Section):
    """``ecomflow worker``: what runs how often (seconds), and when the daily report goes."""

    sync_every: float = Field(
        default=60.0,
        gt=0,
        description="Intake from every channel (one worker per channel per interval).",
    )
    dispatch_every: float = Field(default=2.0, gt=0, description="Due effects.")
    expire_every: float = Field(default=60.0, gt=0, description="Reservation expiry.")
    tracking_every: float = Field(default=900.0, gt=0, description="Tracking polls.")
    publish_every: float = Field(default=300.0, gt=0, description="Stock publication.")
    heartbeat_every: float = Field(default=15.0, gt=0, description="Worker heartbeat.")
    report_at: time | None = Field(default=time(20, 0), description="Daily report (local).")
    dispatch_limit: int = Field(default=200, ge=1, description="Effects per dispatch pass.")


class ReturnsSettings(ReturnPolicy):
    """Returns: the window, who pays the return label, refunds (see docs/returns.md).

    The return policy's own keys (:class:`~ecomflow.returns.ReturnPolicy`), and
    the correcting invoice's numbering series per channel.

    >>> settings = ReturnsSettings(window_days=30, standard_delivery="15.00 PLN",
    ...                            invoice_series={"allegro": "AL"})
    >>> policy = settings.policy()
    >>> policy.window_days, str(policy.standard_delivery), type(policy).__name__
    (30, '15.00 PLN', 'ReturnPolicy')
    """

    invoice_series: dict[str, str] = Field(
        default_factory=dict,
        description="Numbering series of correcting invoices per channel, e.g. {allegro = 'AL'}.",
    )

    def policy(self) -> ReturnPolicy:
        """The :class:`~ecomflow.returns.ReturnPolicy` these settings describe."""
        return ReturnPolicy.model_validate(
            {name: getattr(self, name) for name in ReturnPolicy.model_fields}
        )


class ServeSettings(_Section):
    """The webhook and status app (``ecomflow serve``)."""

    max_body_bytes: int = Field(default=1_000_000, gt=0, description="Larger bodies get 413.")
    path_prefix: str = Field(default="/webhooks", description="Where webhooks are mounted.")


@dataclass(frozen=True)
class AdapterConfig:
    """One configured channel or carrier: its name, its adapter, its validated settings."""

    name: str
    info: AdapterInfo
    settings: BaseModel

    def build(self) -> Any:
        """The adapter's sync client."""
        return self.info.build(self.settings)


class OrchestratorConfig(BaseSettings):
    """Everything :meth:`Orchestrator.from_config` needs; unknown keys are an error."""

    model_config = SettingsConfigDict(
        extra="forbid", env_prefix="ECOMFLOW_", env_nested_delimiter="__"
    )

    store: str = Field(default="sqlite:///ecomflow.db", description="Database URL.")
    catalogue: Path | None = Field(default=None, description="Carrier services (TOML).")
    rules: Path | None = Field(default=None, description="Rule set (TOML).")
    products: Path | None = Field(
        default=None, description="SKU weights and dimensions (TOML [products.<sku>])."
    )
    boxes: Path | None = Field(default=None, description="Box sizes (TOML [[boxes]]).")
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    selection: SelectionPolicy = Field(default_factory=SelectionPolicy)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    returns: ReturnsSettings = Field(default_factory=ReturnsSettings)
    shop: ShopSettings | None = Field(
        default=None, description="Shop name, sender, links (see docs/messages.md)."
    )
    notify: dict[str, Any] | None = Field(
        default=None, description="Message transport: smtp, webhook or log (required)."
    )
    channels: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="[channels.<name>] adapter = … and its settings."
    )
    carriers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="[carriers.<id>] adapter = … and its settings."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment variables override the file (twelve-factor style)."""
        return (env_settings, init_settings)

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: str | Path) -> OrchestratorConfig:
        """Read ``ecomflow.toml``; relative paths inside are taken from its folder."""
        source = Path(path)
        data = read_toml(source, "configuration")
        for key in ("rules", "catalogue", "products", "boxes"):
            if isinstance(data.get(key), str):
                data[key] = str((source.parent / data[key]).resolve())
        return cls.from_dict(data, where=str(source))

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "ecomflow.toml"
    ) -> OrchestratorConfig:
        """Validate a configuration mapping; every problem is reported in one error."""
        problems: list[str] = []
        resolved = resolve_secrets(dict(data), problems)
        config = None
        try:
            config = cls(**resolved)
        except ValidationError as exc:
            problems += [_describe(error, cls) for error in exc.errors()]
        for kind in ("channels", "carriers"):
            tables = getattr(config, kind) if config is not None else resolved.get(kind)
            if isinstance(tables, Mapping):
                problems += _adapter_configs(kind, tables)[1]
        if config is not None:
            problems += config._window_problems()
        notify = config.notify if config is not None else resolved.get("notify")
        if notify is None:
            problems.append(
                "notify: missing — say how customer messages leave: [notify] transport = "
                "'smtp' | 'webhook', or 'log' to only log them"
            )
        elif isinstance(notify, Mapping):
            try:
                notifier_settings(notify)
            except ConfigurationError as error:
                problems.append(str(error))
        if problems or config is None:
            raise _problems(where, _first_per_setting(problems))
        return config

    def _window_problems(self) -> list[str]:
        shop, returns = self.shop, self.returns
        if (
            shop is not None
            and "return_days" in shop.model_fields_set
            and "window_days" in returns.model_fields_set
            and shop.return_days != returns.window_days
        ):
            return [
                f"shop.return_days ({shop.return_days}) and returns.window_days "
                f"({returns.window_days}) differ: customers would be told another return "
                "window than the returns desk applies; set returns.window_days only"
            ]
        return []

    def shop_settings(self) -> ShopSettings | None:
        """``[shop]``, its ``return_days`` (what messages promise) = ``[returns] window_days``.

        >>> config = OrchestratorConfig.from_dict({
        ...     "store": "memory://", "notify": {"transport": "log"}, "returns": {"window_days": 30},
        ...     "shop": {"name": "Kubkowo", "sender_email": "sklep@kubkowo.example"}})
        >>> config.shop_settings().return_days
        30
        """
        shop = self.shop
        if shop is None or "return_days" in shop.model_fields_set:
            return shop
        return shop.model_copy(update={"return_days": self.returns.window_days})

    def notifier_settings(self) -> NotifierSettings:
        """The validated ``[notify]`` settings."""
        if self.notify is None:
            raise ConfigurationError("ecomflow.toml has no [notify] section.")
        return notifier_settings(self.notify)

    # -- adapters ------------------------------------------------------------------------

    def adapters(self, kind: Literal["channels", "carriers"]) -> list[AdapterConfig]:
        """The configured channels or carriers, each validated by its adapter's settings."""
        built, problems = _adapter_configs(kind, getattr(self, kind))
        if problems:
            raise _problems("ecomflow.toml", problems)
        return built

    def redacted(self) -> dict[str, Any]:
        """The effective configuration with every secret masked (``check-config``)."""
        data = self.model_dump(mode="json")
        data["store"] = redact_url(self.store)
        for kind in ("channels", "carriers"):
            built: Literal["channels", "carriers"] = kind  # each with its adapter's defaults
            data[kind] = {
                adapter.name: {
                    "adapter": adapter.info.id,
                    **adapter.settings.model_dump(mode="json"),
                }
                for adapter in self.adapters(built)
            }
            for table in data[kind].values():
                for key, value in list(table.items()):
                    if _secret_name(key) and value:
                        table[key] = "***"
        for section in ("notify",):
            table = data.get(section) or {}
            for key, value in list(table.items()):
                if _secret_name(key) and value:
                    table[key] = "***"
        return data


def _adapter_configs(kind: str, tables: Mapping[str, Any]) -> tuple[list[AdapterConfig], list[str]]:
    problems: list[str] = []
    built = []
    wanted = "orders" if kind == "channels" else "shipments"
    name_field = "channel" if kind == "channels" else "carrier"
    for name, raw in sorted(tables.items()):
        where = f"{kind}.{name}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: must be a table with adapter = '…'")
            continue
        table = dict(raw)
        adapter_id = table.pop("adapter", None)
        if not isinstance(adapter_id, str):
            problems.append(f"{where}.adapter: missing (name the adapter, e.g. 'inpost')")
            continue
        try:
            info = get(adapter_id)
        except EcomflowError as error:
            problems.append(f"{where}.adapter: {error}")
            continue
        if wanted not in info.capabilities:
            role = "channel" if kind == "channels" else "carrier"
            offers = ", ".join(sorted(info.capabilities)) or "nothing"
            problems.append(
                f"{where}.adapter: {adapter_id!r} is not a {role} (it offers: {offers})"
            )
            continue
        if name_field in info.settings.model_fields:
            table.setdefault(name_field, name)
        try:
            settings = info.settings.model_validate(table)
        except ValidationError as exc:
            problems += [f"{where}.{_describe(e, info.settings)}" for e in exc.errors()]
            continue
        built.append(AdapterConfig(name, info, settings))
    return built, problems


_SECRET_WORDS = ("token", "secret", "password", "key")


def _secret_name(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def resolve_secrets(data: Any, problems: list[str], where: str = "") -> Any:
    """Replace ``{env = "NAME"}`` and ``{file = "path"}`` values by what they point to.

    A missing variable or unreadable file is added to ``problems`` (never its value).
    """
    if isinstance(data, Mapping):
        keys = set(data)
        if keys in ({"env"}, {"file"}) and isinstance(next(iter(data.values())), str):
            if "env" in data:
                value = os.environ.get(data["env"])
                if value is None:
                    problems.append(
                        f"{where}: environment variable {data['env']} is not set "
                        "(export it, or write the value in ecomflow.toml)"
                    )
                return value
            try:
                return Path(data["file"]).read_text(encoding="utf-8").strip()
            except OSError as error:
                problems.append(
                    f"{where}: cannot read secret file {data['file']}: {error.strerror}"
                )
                return None
        return {
            key: resolve_secrets(value, problems, f"{where}.{key}" if where else str(key))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [resolve_secrets(v, problems, f"{where}[{i}]") for i, v in enumerate(data)]
    return data


def _first_per_setting(problems: list[str]) -> list[str]:
    """One problem per setting: a missing ``{env}`` secret is not also "not a string".

    >>> _first_per_setting(["a.token: variable T is not set", "a.token: not a string", "b: x"])
    ['a.token: variable T is not set', 'b: x']
    """
    seen: set[str] = set()
    kept = []
    for problem in problems:
        setting = problem.split(": ", 1)[0]
        if setting == "(top)" or setting not in seen:
            seen.add(setting)
            kept.append(problem)
    return kept


def _problems(where: str, problems: list[str]) -> ConfigurationError:
    count = len(problems)
    lines = "\n".join(f"  - {p}" for p in problems)
    error = ConfigurationError(f"{where} has {count} problem{'s' if count != 1 else ''}:\n{lines}")
    error.problems = problems  # type: ignore[attr-defined]
    return error


def _describe(error: Any, model: type[BaseModel]) -> str:
    location = [str(p) for p in error["loc"]]
    path = ".".join(location) or "(top)"
    if error["type"] == "extra_forbidden":
        known = _fields_at(model, location[:-1])
        close = difflib.get_close_matches(location[-1], known, n=1, cutoff=0.6)
        hint = (
            f" (did you mean {close[0]!r}?)"
            if close
            else (f" (known: {', '.join(sorted(known))})" if known else "")
        )
        return f"{path}: unknown key{hint}"
    message = str(error["msg"])
    if error["type"] == "missing":
        message = "missing (required)"
    if any(_secret_name(p) for p in location):
        return f"{path}: {message}"  # never echo a secret's value
    value = error.get("input")
    shown = redact_url(value) if isinstance(value, str) else None
    return f"{path}: {message}" + (f" (got {shown!r})" if shown and len(shown) < 80 else "")


def _fields_at(model: type[BaseModel], path: list[str]) -> list[str]:
    current: Any = model
    for part in path:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = field.annotation
    return list(getattr(current, "model_fields", {}))
