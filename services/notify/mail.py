"""Building outgoing mail and handing it to an SMTP server."""
from __future__ import annotations

import base64
import email.policy
import re
import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from services.shared.config import env, env_int
from services.shared.contracts.events import ReplyPosted, StoredAttachment
from services.shared.events import utcnow


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str = field(repr=False)  # never in logs
    security: str  # none | starttls | tls
    first_retry_seconds: int = 10

    @classmethod
    def from_env(cls) -> "SmtpSettings":
        """``SMTP_HOST``/``_PORT``/``_USERNAME``/``_PASSWORD``/``_SECURITY``/``_FIRST_RETRY_SECONDS``."""
        security = normal_security(env("SMTP_SECURITY", "none"))
        if security is None:
            raise SystemExit(f"SMTP_SECURITY must be none, starttls or tls, got {env('SMTP_SECURITY')!r}")
        return cls(host=env("SMTP_HOST", "127.0.0.1"), port=env_int("SMTP_PORT", 1025),
                   username=env("SMTP_USERNAME"), password=env("SMTP_PASSWORD"), security=security,
                   first_retry_seconds=env_int("SMTP_FIRST_RETRY_SECONDS", 10))


def normal_security(value: str | None) -> str | None:
    """``none``, ``starttls`` or ``tls`` (``ssl`` is a common name for the last); None if unknown."""
    value = (value or "none").strip().lower()
    value = {"ssl": "tls", "ssl/tls": "tls", "": "none"}.get(value, value)
    return value if value in ("none", "starttls", "tls") else None


# An address or Message-ID that can be written as it is: printable ASCII, no space, no angle brackets.
PLAIN_TOKEN = re.compile(r"[!-;=?-~]+")


class TemporaryFailure(Exception):
    """Worth trying again later: 4xx answers, refused connections, timeouts."""


class Unreachable(TemporaryFailure):
    """No conversation with the server at all: refused, timed out, cut off."""


class PermanentFailure(Exception):
    """Will not succeed by retrying: 5xx answers such as an unknown recipient."""


def bracketed(message_id: str) -> str:
    return f"<{message_id}>"


def build_reply(event: ReplyPosted, attachments: list[tuple[StoredAttachment, bytes]] = ()) -> EmailMessage:
    """The customer-facing mail of an agent's reply, threaded onto the customer's mail."""
    mail = _headed(from_email=event.from_email, from_name=event.from_name, to_email=event.to_email,
                   to_name=event.to_name, subject=event.subject, message_id=event.message_id,
                   in_reply_to=event.in_reply_to, references=event.references, ticket_number=event.ticket_number)
    mail.set_content(event.body_text, charset="utf-8")
    for meta, content in attachments:
        maintype, _, subtype = (meta.content_type or "application/octet-stream").partition("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream",
                            filename=meta.filename or "attachment")
    return mail


def build_automatic(*, from_email: str, from_name: str, to_email: str, to_name: str, subject: str, body: str,
                    message_id: str, in_reply_to: list[str], references: list[str],
                    ticket_number: str) -> EmailMessage:
    """A mail Destek writes on its own, marked so that other robots do not answer it (RFC 3834)."""
    mail = _headed(from_email=from_email, from_name=from_name, to_email=to_email, to_name=to_name,
                   subject=subject, message_id=message_id, in_reply_to=in_reply_to, references=references,
                   ticket_number=ticket_number)
    mail["Auto-Submitted"] = "auto-replied"
    mail["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answers to this
    mail.set_content(body, charset="utf-8")
    return mail


def _headed(*, from_email, from_name, to_email, to_name, subject, message_id, in_reply_to, references,
            ticket_number) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((from_name or "", from_email))
    mail["To"] = formataddr((to_name or "", to_email))
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = bracketed(message_id)
    if in_reply_to:
        mail["In-Reply-To"] = " ".join(bracketed(i) for i in in_reply_to)
    if references:
        mail["References"] = " ".join(bracketed(i) for i in references)
    mail["X-Destek-Ticket"] = ticket_number
    return mail


def wire_bytes(mail: EmailMessage) -> bytes:
    """The mail as SMTP carries it: CRLF line ends (smtplib sends bytes as they are)."""
    return mail.as_bytes(policy=email.policy.SMTP)


class SmtpConnection:
    """One conversation with an SMTP server for many mails: connected, secured and logged in once.

    ``send`` raises :class:`TemporaryFailure` or :class:`PermanentFailure` for
    one mail and the conversation goes on (smtplib resets it after a refusal);
    :class:`Unreachable` means the conversation is over.
    """

    def __init__(self, settings: SmtpSettings, timeout: float = 30):
        self.settings, self.timeout = settings, timeout
        self.client: smtplib.SMTP | None = None
        self.pipelining = False

    def __enter__(self) -> SmtpConnection:
        settings = self.settings
        with _classified_failures():
            smtp_class = smtplib.SMTP_SSL if settings.security == "tls" else smtplib.SMTP
            self.client = smtp_class(settings.host, settings.port, timeout=self.timeout)
            try:
                if settings.security == "starttls":
                    self.client.starttls(context=ssl.create_default_context())
                if settings.username:
                    _login(self.client, settings.username, settings.password)
                self.client.ehlo_or_helo_if_needed()
            except BaseException:
                self.client.close()
                raise
        self.pipelining = self.client.has_extn("pipelining")
        return self

    def send(self, raw: bytes, from_email: str, to_email: str) -> None:
        if raw.count(b"\n") != raw.count(b"\r\n"):
            # Bare LFs make strict servers refuse the mail ("line too long", SMTP smuggling guards).
            raw = re.sub(rb"\r?\n", b"\r\n", raw)
        with _classified_failures():
            if self.pipelining and PLAIN_TOKEN.fullmatch(from_email) and PLAIN_TOKEN.fullmatch(to_email):
                _pipelined_transaction(self.client, raw, from_email, to_email)
            else:
                self.client.sendmail(from_email, [to_email], raw)

    def __exit__(self, *exc_info) -> None:
        try:
            self.client.quit()
        except (OSError, smtplib.SMTPException):
            self.client.close()  # the mail is handed over already; a rude goodbye changes nothing


@contextmanager
def _classified_failures():
    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        # Our settings are wrong, not the mail: keep it until someone fixes the password.
        raise TemporaryFailure(f"SMTP login refused ({exc.smtp_code}); check the SMTP user and password") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _classified(code, text) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise Unreachable(f"SMTP server unreachable: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        raise _classified(exc.smtp_code, exc.smtp_error) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise Unreachable(f"SMTP server unreachable: {exc}") from exc


def _pipelined_transaction(client: smtplib.SMTP, raw: bytes, from_email: str, to_email: str) -> None:
    """``sendmail`` for one recipient in two round trips instead of four (RFC 2920 PIPELINING).

    Each wait for an answer costs notify more CPU than the rest of a mail does;
    the failures raised are smtplib's own, so they are classified the same.
    """
    size = f" SIZE={len(raw)}" if client.has_extn("size") else ""
    client.send(f"MAIL FROM:<{from_email}>{size}\r\nRCPT TO:<{to_email}>\r\nDATA\r\n")
    sender, recipient, data = client.getreply(), client.getreply(), client.getreply()
    if data[0] == 354 and (sender[0] != 250 or recipient[0] not in (250, 251)):
        client.send(b".\r\n")  # a server that opened DATA with no recipient gets an empty mail, delivered nowhere
        data = client.getreply()
    if sender[0] != 250:
        _abandon(client, sender[0])
        raise smtplib.SMTPSenderRefused(*sender, from_email)
    if recipient[0] not in (250, 251):
        _abandon(client, recipient[0])
        raise smtplib.SMTPRecipientsRefused({to_email: recipient})
    if data[0] != 354:
        _abandon(client, data[0])
        raise smtplib.SMTPDataError(*data)
    content = re.sub(rb"(?m)^\.", b"..", raw)
    client.send(content + (b".\r\n" if content.endswith(b"\r\n") else b"\r\n.\r\n"))
    code, answer = client.getreply()
    if code != 250:
        _abandon(client, code)
        raise smtplib.SMTPDataError(code, answer)


def _abandon(client: smtplib.SMTP, code: int) -> None:
    # As smtplib does: 421 means the server is closing; otherwise reset for the next mail.
    if code == 421:
        client.close()
        return
    try:
        client.rset()
    except smtplib.SMTPServerDisconnected:
        pass  # the next mail finds out


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    # smtplib encodes credentials as ASCII; Turkish passwords (ş, ı, ğ) go as UTF-8 PLAIN (RFC 4616).
    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, answer = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _classified(code: int, text) -> Exception:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    failure = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return failure(f"{code} {detail}")
