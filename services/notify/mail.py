"""Building outgoing mail and handing it to an SMTP server."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from services.shared.config import env, env_int
from services.shared.events import utcnow


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    security: str  # none | starttls | tls
    first_retry_seconds: int = 10

    @classmethod
    def from_env(cls) -> "SmtpSettings":
        """``SMTP_HOST``/``_PORT``/``_USERNAME``/``_PASSWORD``/``_SECURITY``/``_FIRST_RETRY_SECONDS``."""
        security = env("SMTP_SECURITY", "none").lower()
        if security not in ("none", "starttls", "tls"):
            raise SystemExit(f"SMTP_SECURITY must be none, starttls or tls, got {security!r}")
        return cls(host=env("SMTP_HOST", "127.0.0.1"), port=env_int("SMTP_PORT", 1025),
                   username=env("SMTP_USERNAME"), password=env("SMTP_PASSWORD"), security=security,
                   first_retry_seconds=env_int("SMTP_FIRST_RETRY_SECONDS", 10))


class TemporaryFailure(Exception):
    """Worth trying again later: 4xx answers, refused connections, timeouts."""


class PermanentFailure(Exception):
    """Will not succeed by retrying: 5xx answers such as an unknown recipient."""


def bracketed(message_id: str) -> str:
    return f"<{message_id}>"


def build_reply(event: dict) -> EmailMessage:
    """The customer-facing mail of an agent's reply, threaded onto the customer's mail."""
    mail = EmailMessage()
    mail["From"] = formataddr((event.get("from_name") or "", event["from_email"]))
    mail["To"] = formataddr((event.get("to_name") or "", event["to_email"]))
    mail["Subject"] = event["subject"]
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = bracketed(event["message_id"])
    if event.get("in_reply_to"):
        mail["In-Reply-To"] = " ".join(bracketed(i) for i in event["in_reply_to"])
    if event.get("references"):
        mail["References"] = " ".join(bracketed(i) for i in event["references"])
    mail["X-Destek-Ticket"] = event["ticket_number"]
    mail.set_content(event["body_text"], charset="utf-8")
    return mail


def send(settings: SmtpSettings, raw: bytes, from_email: str, to_email: str, timeout: float = 30) -> None:
    """Hand one mail to the SMTP server, classifying any failure as temporary or permanent."""
    try:
        smtp_class = smtplib.SMTP_SSL if settings.security == "tls" else smtplib.SMTP
        with smtp_class(settings.host, settings.port, timeout=timeout) as client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password)
            client.sendmail(from_email, [to_email], raw)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _classified(code, text) from exc
    except smtplib.SMTPResponseException as exc:
        raise _classified(exc.smtp_code, exc.smtp_error) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"SMTP server unreachable: {exc}") from exc


def _classified(code: int, text) -> Exception:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    failure = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return failure(f"{code} {detail}")
