"""SmtpNotifier against a real SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import email
import email.policy
import hashlib
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr, ValidationError

from ecomflow.errors import AuthenticationFailed, InvalidRequest, RemoteAPIError, TransportError
from ecomflow.notify import MessageKind, ShopSettings, SmtpNotifier, SmtpSettings, render
from ecomflow.orchestration import Orchestrator
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import sample_order
from ecomflow.worker import preflight

SHOP = ShopSettings(
    name="Kubkowo",
    sender_email="sklep@kubkowo.pl",
    reply_to="pomoc@kubkowo.pl",
    returns_url="https://kubkowo.pl/zwroty",
)
PASSWORD = "tajne-Hasło-123"

#: The Polish confirmation, written by hand.
POLISH_TEXT = (
    "Cześć Anna,\n"
    "dziękujemy za zamówienie 1001 na 49,00\xa0zł.\n"
    "Wyślemy je we wtorek, 24 listopada, a dostawę przewidujemy na środę, 25 listopada.\n"
    "Zwrot? Wystarczy kilka kliknięć: https://kubkowo.pl/zwroty\n"
    "\n"
    "Pozdrawiamy\n"
    "Kubkowo"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sink:
    """An SMTP handler that keeps what it receives; refuses recipients on request."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: str | None = None

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse is not None:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def parsed(self, index: int = -1) -> EmailMessage:
        message = email.message_from_bytes(self.received[index][2], policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


def _check_password(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = _free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        authenticator=_check_password,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _settings(port: int, **overrides: Any) -> SmtpSettings:
    data: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "timeout": 5,
    }
    data.update(overrides)
    return SmtpSettings.model_validate(data)


def _confirmation() -> Any:
    return render(
        MessageKind.CONFIRMATION,
        sample_order(),
        shop=SHOP,
        ship_date=date(2026, 11, 24),
        delivery_date=date(2026, 11, 25),
        key="msg:confirmation:shop-1001",
    )


def _expected_message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@kubkowo.pl>"


def test_smtp_server_receives_the_multipart_message(smtp_server: tuple[Sink, int]) -> None:
    sink, port = smtp_server
    message = _confirmation()
    SmtpNotifier(_settings(port)).send(message)

    mail_from, rcpt_tos, _ = sink.received[0]
    assert mail_from == "sklep@kubkowo.pl"
    assert rcpt_tos == ["anna@example.com"]
    received = sink.parsed()
    assert received["From"] == "Kubkowo <sklep@kubkowo.pl>"
    assert received["To"] == "anna@example.com"
    assert received["Reply-To"] == "pomoc@kubkowo.pl"
    assert received["Subject"] == "Dziękujemy! Zamówienie 1001 przyjęte"
    assert received["Message-ID"] == _expected_message_id("msg:confirmation:shop-1001")
    assert received["Content-Language"] == "pl"
    assert received["Date"]
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n").rstrip("\n") == POLISH_TEXT
    assert '<a href="https://kubkowo.pl/zwroty">' in html.get_content()


def test_a_resend_has_the_same_message_id(smtp_server: tuple[Sink, int]) -> None:
    sink, port = smtp_server
    notifier = SmtpNotifier(_settings(port))
    notifier.send(_confirmation())
    notifier.send(_confirmation())
    assert len(sink.received) == 2
    assert sink.parsed(0)["Message-ID"] == sink.parsed(1)["Message-ID"]
    other = render(MessageKind.DELIVERED, sample_order(), shop=SHOP)
    notifier.send(other)
    assert sink.parsed(2)["Message-ID"] != sink.parsed(0)["Message-ID"]


def test_login_with_the_password(smtp_server: tuple[Sink, int]) -> None:
    sink, port = smtp_server
    settings = _settings(port, username="sklep", password=PASSWORD)
    SmtpNotifier(settings).send(_confirmation())
    assert len(sink.received) == 1


def test_a_wrong_password_is_authentication_failed_and_never_shown(
    smtp_server: tuple[Sink, int],
) -> None:
    _, port = smtp_server
    wrong = "zle-haslo-987"
    notifier = SmtpNotifier(_settings(port, username="sklep", password=wrong))
    with pytest.raises(AuthenticationFailed) as caught:
        notifier.send(_confirmation())
    assert wrong not in str(caught.value)
    assert wrong not in repr(notifier)
    assert wrong not in repr(notifier.settings)


def test_a_refused_recipient_is_a_typed_error_and_not_sent(smtp_server: tuple[Sink, int]) -> None:
    sink, port = smtp_server
    sink.refuse = "550 5.1.1 No such mailbox"
    with pytest.raises(InvalidRequest) as caught:
        SmtpNotifier(_settings(port)).send(_confirmation())
    assert "550" in str(caught.value)
    assert sink.received == []


def test_a_temporary_refusal_is_a_retryable_remote_error(smtp_server: tuple[Sink, int]) -> None:
    sink, port = smtp_server
    sink.refuse = "450 4.2.0 Mailbox busy, try later"
    with pytest.raises(RemoteAPIError) as caught:
        SmtpNotifier(_settings(port)).send(_confirmation())
    assert not isinstance(caught.value, InvalidRequest)


def test_starttls_refused_by_the_server_is_a_transport_error(
    smtp_server: tuple[Sink, int],
) -> None:
    sink, port = smtp_server
    with pytest.raises(TransportError, match="STARTTLS"):
        SmtpNotifier(_settings(port, security="starttls")).send(_confirmation())
    assert sink.received == []


def test_connection_refused_is_a_transport_error() -> None:
    port = _free_port()  # nothing listens there
    with pytest.raises(TransportError) as caught:
        SmtpNotifier(_settings(port)).send(_confirmation())
    assert caught.value.endpoint == f"smtp://127.0.0.1:{port}"


def test_a_message_without_sender_is_a_configuration_error(smtp_server: tuple[Sink, int]) -> None:
    from ecomflow.errors import ConfigurationError

    _, port = smtp_server
    message = render(MessageKind.DELIVERED, sample_order())  # no shop: no sender
    with pytest.raises(ConfigurationError, match="ShopSettings"):
        SmtpNotifier(_settings(port)).send(message)


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return cert, key


def test_starttls_then_login(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    sink, port = Sink(), _free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=_check_password,
    )
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        settings = _settings(port, security="starttls", username="sklep", password=PASSWORD)
        SmtpNotifier(settings, ssl_context=client_context).send(_confirmation())
        assert len(sink.received) == 1
        # without trusting the certificate, nothing is sent
        with pytest.raises(TransportError):
            SmtpNotifier(settings).send(_confirmation())
        assert len(sink.received) == 1
    finally:
        controller.stop()


def test_smtp_settings_refuse_unknown_keys_and_clear_text_passwords() -> None:
    with pytest.raises(ValidationError, match="extra"):
        SmtpSettings.model_validate({"host": "smtp.kubkowo.pl", "pasword": "x"})
    with pytest.raises(ValidationError, match="clear text"):
        SmtpSettings(host="smtp.kubkowo.pl", security="none", username="a", password=SecretStr("b"))
    with pytest.raises(ValidationError, match="username"):
        SmtpSettings(host="smtp.kubkowo.pl", password=SecretStr("b"))


def test_smtp_port_defaults_follow_the_security() -> None:
    assert SmtpSettings(host="smtp.kubkowo.pl").port == 587
    assert SmtpSettings(host="smtp.kubkowo.pl", security="ssl").port == 465
    assert SmtpSettings(host="localhost", security="none").port == 25


@pytest.mark.parametrize("address", ["anna@example.com\r\nBcc: all@example.com", "not-an-address"])
def test_a_bad_recipient_address_is_refused_before_connecting(address: str) -> None:
    from dataclasses import replace

    from ecomflow.errors import ValidationFailed

    message = replace(_confirmation(), to=address)
    with pytest.raises(ValidationFailed, match="e-mail address"):
        SmtpNotifier(_settings(_free_port())).send(message)


def test_the_start_up_check_logs_in_and_sends_nothing(smtp_server: tuple[Sink, int]) -> None:
    sink, port = smtp_server
    SmtpNotifier(_settings(port, username="sklep", password=PASSWORD)).check_credentials()
    assert sink.received == []
    wrong = "zle-haslo-654"
    with pytest.raises(AuthenticationFailed) as caught:
        SmtpNotifier(_settings(port, username="sklep", password=wrong)).check_credentials()
    assert wrong not in str(caught.value) and "check username and password" in str(caught.value)
    with pytest.raises(TransportError):
        SmtpNotifier(_settings(_free_port())).check_credentials()  # nobody listens there


def test_the_worker_refuses_to_start_with_a_wrong_smtp_password(
    smtp_server: tuple[Sink, int],
) -> None:
    _, port = smtp_server
    notifier = SmtpNotifier(_settings(port, username="sklep", password="zle-haslo-321"))
    orchestrator = Orchestrator(
        store=open_store("memory://"), catalogue=Catalogue.example(), notifier=notifier
    )
    [problem] = preflight(orchestrator)
    assert problem.startswith("notify: ") and "refused the login of 'sklep'" in problem
    orchestrator.close()
