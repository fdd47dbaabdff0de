"""``[returns]`` in ecomflow.toml: validated with the other sections, used by the desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecomflow import Money
from ecomflow.errors import ConfigurationError
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, OrchestratorConfig, ReturnsSettings
from ecomflow.returns import ReturnPolicy

TOML = """
store = "memory://"

[notify]
transport = "log"

[returns]
window_days = 30
channel_windows = {allegro = 14}
excluded_skus = ["GRAWER-1"]
shop_pays_return = false
standard_delivery = "12.99 PLN"
refund_method = "bank_transfer"
timezone = "Europe/Warsaw"
invoice_series = {shop = "WWW-KOR"}
"""


def test_the_returns_table_becomes_the_desks_policy(tmp_path: Path) -> None:
    path = tmp_path / "ecomflow.toml"
    path.write_text(TOML, encoding="utf-8")
    config = OrchestratorConfig.from_toml(path)
    shop = Orchestrator.from_config(config, notifier=RecordingNotifier())
    try:
        policy = shop.returns.policy
        assert type(policy) is ReturnPolicy
        assert policy == ReturnPolicy(
            window_days=30,
            channel_windows={"allegro": 14},
            excluded_skus=frozenset({"GRAWER-1"}),
            shop_pays_return=False,
            standard_delivery=Money("12.99", "PLN"),
            refund_method="bank_transfer",
            timezone="Europe/Warsaw",
        )
        assert shop.returns.invoice_series == {"shop": "WWW-KOR"}
        assert policy.window_for("allegro") == 14
        assert policy.window_for("shop") == 30
    finally:
        shop.close()


def test_without_a_returns_table_the_defaults_hold() -> None:
    config = OrchestratorConfig.from_dict({"store": "memory://", "notify": {"transport": "log"}})
    assert config.returns == ReturnsSettings()
    assert config.returns.policy() == ReturnPolicy()
    assert config.returns.policy().window_days == 14


def test_mistakes_in_the_returns_table_are_reported_with_the_others() -> None:
    with pytest.raises(ConfigurationError) as info:
        OrchestratorConfig.from_dict(
            {
                "store": "memory://",
                "notify": {"transport": "log"},
                "returns": {
                    "windows_days": 30,
                    "window_days": 0,
                    "standard_delivery": "twelve",
                    "timezone": "Mars/Olympus",
                },
            }
        )
    text = str(info.value)
    assert "returns.windows_days: unknown key (did you mean 'window_days'?)" in text
    assert "returns.window_days" in text
    assert "returns.standard_delivery" in text
    assert "unknown time zone 'Mars/Olympus'" in text


def test_the_environment_overrides_a_returns_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOMFLOW_RETURNS__WINDOW_DAYS", "100")
    config = OrchestratorConfig.from_dict({"store": "memory://", "notify": {"transport": "log"}})
    assert config.returns.policy().window_days == 100


def test_messages_promise_the_window_the_desk_applies() -> None:
    kubkowo = {"name": "Kubkowo", "sender_email": "sklep@kubkowo.example"}
    base = {"store": "memory://", "notify": {"transport": "log"}, "shop": kubkowo}
    config = OrchestratorConfig.from_dict({**base, "returns": {"window_days": 30}})
    settings = config.shop_settings()
    assert settings is not None
    assert settings.return_days == 30
    shop = Orchestrator.from_config(config, notifier=RecordingNotifier())
    assert shop.core.shop is not None
    assert shop.core.shop.return_days == 30
    shop.close()
    told = {**base, "shop": {**kubkowo, "return_days": 14}}
    with pytest.raises(
        ConfigurationError, match=r"shop.return_days \(14\) and returns.window_days"
    ):
        OrchestratorConfig.from_dict({**told, "returns": {"window_days": 30}})
    same = OrchestratorConfig.from_dict({**told, "returns": {"window_days": 14}})
    assert same.shop_settings() == same.shop
