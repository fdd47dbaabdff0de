"""E-mail through an SMTP server (stdlib ``smtplib`` and ``email``): multipart text + HTML.

A message counts as sent only when the server accepted it; anything else
raises a typed error from :mod:`ecomflow.errors`, so the outbox retries or
parks it:

- no connection, timeout, TLS failure, STARTTLS not offered → :class:`TransportError`;
- login refused → :class:`AuthenticationFailed`;
- recipient or sender refused for good (5xx) → :class:`InvalidRequest`;
- any other refusal, e.g. a temporary 4xx → :class:`RemoteAPIError` (retry later).

Each message gets a ``Message-ID`` made from its key, so a resend of the same
message carries the same id and mail clients and helpdesks can recognise it:

>>> message_id("msg:confirmation:shop-1001", "kubkowo.pl")
'<a280174c00bb37d46410a25b255f5df9@kubkowo.pl>'
"""

from __future__ import annotations

import base64
import hashlib
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from ecomflow.clock import Clock, utc_now
from ecomflow.errors import (
    AuthenticationFailed,
    ConfigurationError,
    EcomflowError,
    InvalidRequest,
    RemoteAPIError,
    TransportError,
    ValidationFailed,
)
from ecomflow.http import redact
from ecomflow.notify.messages import Message
from ecomflow.notify.settings import SmtpSettings, _email

__all__ = ["SmtpNotifier", "email_message", "message_id"]


def message_id(key: str, domain: str) -> str:
    """The ``Message-ID`` of the message with ``key``: ``<sha256(key)[:32]@domain>``."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2]


def email_message(message: Message, *, clock: Clock = utc_now) -> EmailMessage:
    """``message`` as a MIME e-mail: ``multipart/alternative`` with text and HTML parts.

    Raises :class:`~ecomflow.errors.ConfigurationError` when the message has no
    sender (render it with ``shop=ShopSettings(...)``) and
    :class:`~ecomflow.errors.ValidationFailed` when it has no recipient.
    """
    if not message.sender:
        raise ConfigurationError(
            f"Message {message.key!r} has no sender; render it with shop=ShopSettings(...) "
            "so it has a From address."
        )
    if not message.to:
        raise ValidationFailed(
            f"Message {message.key!r} for order {message.order_id} has no e-mail address; "
            "ask the channel for the customer's e-mail or send it another way."
        )
    try:
        _email(message.to)
    except ValueError:
        raise ValidationFailed(
            f"Message {message.key!r} for order {message.order_id} has an e-mail address "
            "that is not one; correct the customer's e-mail."
        ) from None
    mail = EmailMessage()
    mail["From"] = message.sender
    mail["To"] = message.to
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(clock())
    mail["Message-ID"] = message_id(message.key, _domain(message.sender))
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: autoresponders stay quiet
    mail.set_content(message.body + "\n")
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    mail["Content-Language"] = message.language  # after the content: set_content drops Content-*
    return mail


class SmtpNotifier:
    """Sends each message as an e-mail through one SMTP server.

    One connection per message; ``ssl_context`` (default: the system's trusted
    CAs) checks the server's certificate for ``starttls`` and ``ssl``.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self._ssl_context = ssl_context
        self._clock = clock

    @property
    def endpoint(self) -> str:
        """``smtp://host:port``, as errors name it."""
        return f"smtp://{self.settings.host}:{self.settings.port}"

    def _secrets(self) -> tuple[str, ...]:
        if self.settings.password is None:
            return ()
        password = self.settings.password.get_secret_value()
        user = self.settings.username or ""
        plain = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return (password, base64.b64encode(password.encode()).decode(), plain)

    def _text(self, error: BaseException) -> str:
        return redact(f"{type(error).__name__}: {error}", self._secrets())

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        context = self._ssl_context or ssl.create_default_context()
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise TransportError(
                    f"{self.endpoint} does not offer STARTTLS; nothing was sent in clear "
                    "text. Use security='ssl' (port 465) or a server that offers STARTTLS.",
                    endpoint=self.endpoint,
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        username, secret = self.settings.username, self.settings.password
        if username is None or secret is None:
            return
        password = secret.get_secret_value()
        if (username + password).isascii():
            smtp.login(username, password)
            return
        # smtplib encodes credentials as ASCII; AUTH PLAIN is UTF-8 (RFC 4616), so a
        # password like "zażółć" is sent that way by hand.
        smtp.ehlo_or_helo_if_needed()
        if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
            raise ConfigurationError(
                f"{self.endpoint} does not offer AUTH PLAIN, the only way to send a "
                "non-ASCII username or password; use an ASCII password."
            )
        token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
        code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def send(self, message: Message) -> None:
        """Send ``message``; return only when the server accepted it (else raise)."""
        mail = email_message(message, clock=self._clock)
        sender = self.settings.envelope_from or parseaddr(mail["From"])[1]
        with self._talking(message.key, sender), self._connect() as smtp:
            self._login(smtp)
            refused = smtp.send_message(mail, from_addr=sender, to_addrs=[str(message.to)])
        if refused:
            code, reply = next(iter(refused.values()))
            raise self._refused(f"the recipient of {message.key!r}", code, reply)

    def check_credentials(self) -> None:
        """Connect, secure and log in as :meth:`send` would, then say goodbye (a start-up check).

        Raises what :meth:`send` would: :class:`~ecomflow.errors.AuthenticationFailed`
        for a refused login, :class:`~ecomflow.errors.TransportError` for a server
        that cannot be reached or secured.
        """
        with self._talking(None, ""), self._connect() as smtp:
            self._login(smtp)
            smtp.noop()

    @contextmanager
    def _talking(self, key: str | None, sender: str) -> Iterator[None]:
        """Turn smtplib's errors into ecomflow's, with the password redacted."""
        what = f"message {key!r}" if key is not None else "the connection check"
        try:
            yield
        except EcomflowError:
            raise
        except smtplib.SMTPAuthenticationError as error:
            raise AuthenticationFailed(
                f"{self.endpoint} refused the login of {self.settings.username!r} "
                f"({self._text(error)}); check username and password",
                code=f"SMTP {error.smtp_code}",
                endpoint=self.endpoint,
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise self._refused(f"the recipient of {key!r}", code, reply) from None
        except smtplib.SMTPSenderRefused as error:
            raise self._refused(
                f"the sender {sender!r}", error.smtp_code, error.smtp_error
            ) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
            raise self._transport(error) from None
        except smtplib.SMTPResponseException as error:
            raise self._refused(what, error.smtp_code, error.smtp_error) from None
        except (smtplib.SMTPException, OSError) as error:  # refused, timeout, TLS, STARTTLS
            raise self._transport(error) from None

    def _transport(self, error: BaseException) -> TransportError:
        return TransportError(
            f"{self.endpoint}: {self._text(error)}; nothing was sent, check the server and "
            "the network, then retry",
            endpoint=self.endpoint,
        )

    def _refused(self, what: str, code: int, reply: bytes | str) -> RemoteAPIError:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        text = redact(text, self._secrets())
        kind = InvalidRequest if 500 <= code < 600 else RemoteAPIError
        advice = "fix it, it will not pass on retry" if kind is InvalidRequest else "retry later"
        return kind(
            f"{self.endpoint} refused {what}: {code} {text}; {advice}",
            code=f"SMTP {code}",
            endpoint=self.endpoint,
        )

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"SmtpNotifier(host={s.host!r}, port={s.port}, security={s.security!r}, "
            f"username={s.username!r})"
        )
