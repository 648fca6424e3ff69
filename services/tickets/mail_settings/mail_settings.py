"""Departments' mailbox settings: read by ingest (IMAP) and notify (SMTP), changed by owners.

Passwords are encrypted at rest with the secrets box, bound to the department
(``mailbox:<id>`` for IMAP, ``mailbox:<id>:smtp`` for SMTP), and leave this
service only towards ingest and notify, never towards people.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.errors import Forbidden, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer
from services.tickets.mail_settings.rules import merge_imap, merge_smtp
from services.tickets.models import Department, DepartmentMailSettings
from services.tickets.secrets_box import Keyring


def _context(department_id: int, kind: str) -> str:
    return f"mailbox:{department_id}" if kind == "imap" else f"mailbox:{department_id}:smtp"


def _reveal(keyring: Keyring, blob: bytes | None, department_id: int, kind: str) -> str | None:
    return keyring.decrypt(blob, context=_context(department_id, kind)) if blob else None


def imap_mailboxes(session: Session, *, keyring: Keyring) -> list[dict]:
    """Every enabled IMAP mailbox with its password, for ingest's pollers."""
    rows = session.execute(
        select(DepartmentMailSettings, Department).join(Department)
        .where(DepartmentMailSettings.imap_enabled.is_(True)).order_by(Department.id)).all()
    return [{"department_id": d.id, "department_email": d.email, "host": s.imap_host, "port": s.imap_port,
             "security": s.imap_security, "user": s.imap_user,
             "password": _reveal(keyring, s.imap_password, d.id, "imap"), "folder": s.imap_folder,
             "move_to": s.imap_move_to} for s, d in rows]


def sending_settings(session: Session, department_id: int, *, keyring: Keyring) -> dict:
    """What notify needs to send from a department; ``"smtp": None`` means the server-wide default."""
    department = _department(session, department_id)
    settings = session.get(DepartmentMailSettings, department_id)
    smtp = None
    if settings is not None and settings.smtp_host:
        smtp = {"host": settings.smtp_host, "port": settings.smtp_port, "security": settings.smtp_security,
                "username": settings.smtp_username,
                "password": _reveal(keyring, settings.smtp_password, department_id, "smtp")}
    return {"department_id": department.id, "email": department.email, "name": department.name,
            "send_acknowledgement": department.send_acknowledgement, "smtp": smtp}


def describe(session: Session, viewer: Viewer, department_id: int) -> dict:
    """The settings as an owner sees them: every field but the passwords (``password_set`` instead)."""
    _check_owner(viewer)
    department = _department(session, department_id)
    return _described(department, session.get(DepartmentMailSettings, department_id))


def update(session: Session, viewer: Viewer, department_id: int, changes: dict, now: datetime, *,
           keyring: Keyring) -> dict:
    """Apply a partial change (see ``domain.mail_settings``); returns the settings as ``describe``."""
    _check_owner(viewer)
    department = _department(session, department_id)
    if not isinstance(changes, dict):
        raise InvalidInput("settings must be an object", "settings")
    unknown = sorted(set(changes) - {"send_acknowledgement", "imap", "smtp"})
    if unknown:
        raise InvalidInput(f"unknown setting {unknown[0]!r}", unknown[0])
    settings = session.get(DepartmentMailSettings, department_id) or _new_settings(session, department_id)
    _apply(department, settings, changes, keyring)
    settings.updated_at = now
    session.flush()
    return _described(department, settings)


def _apply(department: Department, settings: DepartmentMailSettings, changes: dict, keyring: Keyring) -> None:
    if "send_acknowledgement" in changes:
        if not isinstance(changes["send_acknowledgement"], bool):
            raise InvalidInput("send_acknowledgement must be true or false", "send_acknowledgement")
        department.send_acknowledgement = changes["send_acknowledgement"]
    if "imap" in changes:
        imap = merge_imap(_imap_section(settings), changes["imap"] if changes["imap"] is not None
                          else {"enabled": False, "host": None, "user": None, "password": None, "move_to": None})
        settings.imap_enabled, settings.imap_host, settings.imap_port = imap["enabled"], imap["host"], imap["port"]
        settings.imap_security, settings.imap_user = imap["security"], imap["user"]
        settings.imap_folder, settings.imap_move_to = imap["folder"], imap["move_to"]
        if "password" in imap:
            settings.imap_password = _seal(keyring, imap["password"], department.id, "imap")
    if "smtp" in changes:
        if changes["smtp"] is None:
            settings.smtp_host = settings.smtp_port = settings.smtp_username = settings.smtp_password = None
        else:
            smtp = merge_smtp(_smtp_section(settings), changes["smtp"])
            settings.smtp_host, settings.smtp_port, settings.smtp_security = smtp["host"], smtp["port"], \
                smtp["security"]
            settings.smtp_username = smtp["username"]
            if "password" in smtp:
                settings.smtp_password = _seal(keyring, smtp["password"], department.id, "smtp")


def _seal(keyring: Keyring, password: str | None, department_id: int, kind: str) -> bytes | None:
    return keyring.encrypt(password, context=_context(department_id, kind)) if password else None


def _imap_section(settings: DepartmentMailSettings) -> dict:
    return {"enabled": settings.imap_enabled, "host": settings.imap_host, "port": settings.imap_port,
            "security": settings.imap_security, "user": settings.imap_user, "folder": settings.imap_folder,
            "move_to": settings.imap_move_to, "password_set": settings.imap_password is not None}


def _smtp_section(settings: DepartmentMailSettings) -> dict:
    return {"host": settings.smtp_host, "port": settings.smtp_port, "security": settings.smtp_security,
            "username": settings.smtp_username, "password_set": settings.smtp_password is not None}


def _described(department: Department, settings: DepartmentMailSettings | None) -> dict:
    imap = _imap_section(settings) if settings is not None else None
    smtp = _smtp_section(settings) if settings is not None and settings.smtp_host else None
    return {"department_id": department.id, "email": department.email, "name": department.name,
            "send_acknowledgement": department.send_acknowledgement,
            "imap": imap if imap and imap["host"] else None, "smtp": smtp}


def _new_settings(session: Session, department_id: int) -> DepartmentMailSettings:
    settings = DepartmentMailSettings(department_id=department_id, imap_security="tls", imap_folder="INBOX",
                                      imap_enabled=False, smtp_security="starttls")
    session.add(settings)
    return settings


def _department(session: Session, department_id) -> Department:
    identifier = payload.row_id(department_id, "department_id", what="department")
    department = session.get(Department, identifier)
    if department is None:
        raise NotFound(f"department {identifier} does not exist", "department_id")
    return department


def _check_owner(viewer: Viewer) -> None:
    if not viewer.is_owner:
        raise Forbidden("only an owner may see or change a department's mail settings", "department_id")
