"""The ``ecomflow.toml`` reference, generated from the settings models themselves.

``docs/configuration.md`` is this module's output (a test keeps it so): every
key of every section, and of every installed adapter's table, with its type,
default and description — it cannot drift from what the code accepts.

>>> text = config_reference()
>>> "| `store` |" in text, '## `[notify]` with `transport = "smtp"`' in text
(True, True)
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ecomflow.adapters.registry import available
from ecomflow.notify import LogSettings, ShopSettings, SmtpSettings, WebhookSettings
from ecomflow.orchestration.config import OrchestratorConfig

__all__ = ["config_reference"]

_SECTIONS = ("calendar", "selection", "pipeline", "worker", "serve", "returns")


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + (
            " (optional)" if type(None) in args else ""
        )
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (list, tuple, set, frozenset):
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        return f"list of {inner}" if inner else "list"
    if origin is dict:
        inner = _type_name(args[1]) if len(args) == 2 else "Any"
        return "table" if inner in ("Any", "table of Any") else f"table of {inner}"
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return " | ".join(repr(m.value) for m in annotation)
        if issubclass(annotation, BaseModel):
            return "table"
        return {
            "str": "text",
            "int": "integer",
            "float": "number",
            "bool": "true/false",
            "Decimal": "decimal",
            "SecretStr": "secret text",
            "Path": "path",
            "date": "date",
            "time": "time",
            "datetime": "date-time",
            "Money": "money ('15.00 PLN')",
        }.get(annotation.__name__, annotation.__name__)
    return str(annotation).replace("typing.", "")


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    value = field.default
    if value is PydanticUndefined and field.default_factory is not None:
        try:
            value = field.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return "(computed)"
    if isinstance(value, BaseModel):
        return "(see its section)"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, dt.time | dt.date):
        value = value.isoformat()
    if isinstance(value, frozenset | set):
        value = sorted(value)
    text = repr(value) if value not in (None, "", [], {}, ()) else "—"
    return f"`{text}`" if text != "—" else text


def _table(model: type[BaseModel], *, skip: tuple[str, ...] = ()) -> list[str]:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        description = (field.description or "").replace("|", "\\|").replace("\n", " ")
        kind = _type_name(field.annotation).replace("|", "\\|")
        lines.append(f"| `{name}` | {kind} | {_default(field)} | {description} |")
    return lines


def config_reference() -> str:
    """Markdown: every key ``ecomflow.toml`` accepts (see the module docstring)."""
    out = [
        "# ecomflow.toml reference",
        "",
        "Generated from the settings models by `ecomflow.orchestration.reference` — do not edit "
        'by hand; a test checks it is current. Any value can be written as `{env = "NAME"}` or '
        '`{file = "/path"}` to read it from the environment or a file, and any key can be set '
        "with an environment variable `ECOMFLOW_<KEY>` (nested keys joined by `__`, e.g. "
        "`ECOMFLOW_CHANNELS__SHOP__TOKEN`).",
        "",
        "## Top level",
        "",
        *_table(OrchestratorConfig, skip=_SECTIONS),
        "",
    ]
    for section in _SECTIONS:
        model = OrchestratorConfig.model_fields[section].annotation
        assert isinstance(model, type)
        assert issubclass(model, BaseModel)
        out += [f"## `[{section}]`", "", (model.__doc__ or "").strip().splitlines()[0], ""]
        out += [*_table(model), ""]
    out += ["## `[shop]`", "", (ShopSettings.__doc__ or "").strip().splitlines()[0], ""]
    out += [*_table(ShopSettings), ""]
    for model in (SmtpSettings, WebhookSettings, LogSettings):
        transport = model.model_fields["transport"].default
        out += [f'## `[notify]` with `transport = "{transport}"`', ""]
        out += [(model.__doc__ or "").strip().splitlines()[0], ""]
        out += [*_table(model, skip=("transport",)), ""]
    for plugin in available():
        if plugin.info is None or plugin.source == "registered":
            continue
        info = plugin.info
        kind = {"channel": "channels.<name>", "carrier": "carriers.<id>"}.get(info.kind)
        if kind is None:
            continue
        capabilities = ", ".join(sorted(info.capabilities))
        out += [
            f'## `[{kind}]` with `adapter = "{info.id}"`',
            "",
            f"{info.label}: {info.description} Capabilities: {capabilities}.",
            "",
            *_table(info.settings, skip=("channel", "carrier")),
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - `python -m ecomflow.orchestration.reference`
    print(config_reference(), end="")
