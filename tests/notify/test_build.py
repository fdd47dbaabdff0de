"""[notify] in ecomflow.toml: one transport with its settings, built by build_notifier."""

from __future__ import annotations

import tomllib

import pytest

from ecomflow.errors import ConfigurationError
from ecomflow.notify import (
    LogNotifier,
    LogSettings,
    Notifier,
    SmtpNotifier,
    SmtpSettings,
    WebhookNotifier,
    build_notifier,
    notifier_settings,
)


def _notify_table(text: str) -> dict[str, object]:
    return dict(tomllib.loads(text)["notify"])


def test_smtp_from_toml() -> None:
    table = _notify_table(
        """
        [notify]
        transport = "smtp"
        host = "smtp.kubkowo.pl"
        security = "ssl"
        username = "sklep@kubkowo.pl"
        password = "tajne-haslo"
        """
    )
    notifier = build_notifier(table)
    assert isinstance(notifier, SmtpNotifier)
    assert notifier.settings.port == 465
    assert notifier.settings.password is not None
    assert notifier.settings.password.get_secret_value() == "tajne-haslo"
    assert isinstance(notifier, Notifier)


def test_webhook_from_toml() -> None:
    table = _notify_table(
        """
        [notify]
        transport = "webhook"
        url = "https://sms.example.pl/hooks/ecomflow"
        secret = "whsec-123"
        """
    )
    notifier = build_notifier(table)
    assert isinstance(notifier, WebhookNotifier)
    notifier.close()


def test_log_from_toml_and_from_a_model() -> None:
    assert isinstance(build_notifier({"transport": "log"}), LogNotifier)
    assert isinstance(build_notifier(LogSettings()), LogNotifier)
    assert isinstance(build_notifier(SmtpSettings(host="localhost", security="none")), SmtpNotifier)


def test_missing_settings_are_a_clear_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_notifier({"transport": "smtp"})
    assert "[notify] host: Field required" in str(caught.value)
    with pytest.raises(ConfigurationError, match=r"\[notify\] url.*\n.*\[notify\] secret"):
        build_notifier({"transport": "webhook"})


def test_unknown_keys_are_an_error_that_does_not_echo_values() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_notifier({"transport": "smtp", "host": "h", "pasword": "tajne-haslo"})
    assert "[notify] pasword: Extra inputs are not permitted" in str(caught.value)
    assert "tajne-haslo" not in str(caught.value)


@pytest.mark.parametrize("table", [{}, {"transport": "pigeon"}, {"host": "smtp.kubkowo.pl"}])
def test_the_transport_must_be_named(table: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match=r"transport.*'smtp', 'webhook' or 'log'"):
        notifier_settings(table)
