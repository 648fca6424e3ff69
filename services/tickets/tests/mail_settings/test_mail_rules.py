"""Rules of mailbox settings, as plain functions."""
import pytest

from services.shared.errors import InvalidInput
from services.tickets.mail_settings.rules import merge_imap, merge_smtp

NO_IMAP = {"enabled": False, "host": None, "port": None, "security": "tls", "user": None, "folder": "INBOX",
           "move_to": None, "password_set": False}


def test_an_enabled_mailbox_gets_the_default_port_of_its_security():
    merged = merge_imap(NO_IMAP, {"enabled": True, "host": "imap.firma.com", "user": "destek@firma.com",
                                  "password": "gizli"})
    assert merged["port"] == 993 and merged["password"] == "gizli" and merged["folder"] == "INBOX"
    assert merge_imap(NO_IMAP, {"host": "h", "security": "starttls"})["port"] == 143


def test_a_password_left_out_is_kept_and_null_clears_it():
    current = {**NO_IMAP, "host": "h", "user": "u", "password_set": True, "enabled": True}
    assert "password" not in merge_imap(current, {"folder": "Destek"})
    with pytest.raises(InvalidInput) as cleared:
        merge_imap(current, {"password": None})
    assert cleared.value.field == "imap.password"
    assert merge_imap({**current, "enabled": False}, {"password": None})["password"] is None


@pytest.mark.parametrize("changes, field", [
    ({"security": "ssl"}, "imap.security"),
    ({"port": 70000}, "imap.port"),
    ({"port": "993"}, "imap.port"),
    ({"enabled": "yes"}, "imap.enabled"),
    ({"enabled": True, "host": "h", "password": "p"}, "imap.user"),
    ({"host": "not a host"}, "imap.host"),
    ({"colour": "blue"}, "imap.colour"),
    ({"move_to": "INBOX"}, "imap.move_to"),
])
def test_invalid_imap_settings_name_the_field_at_fault(changes, field):
    with pytest.raises(InvalidInput) as refused:
        merge_imap(NO_IMAP, changes)
    assert refused.value.field == field


def test_an_smtp_section_needs_a_host_and_defaults_its_port():
    with pytest.raises(InvalidInput) as refused:
        merge_smtp({"password_set": False}, {"username": "u"})
    assert refused.value.field == "smtp.host"
    assert merge_smtp({}, {"host": "smtp.firma.com"})["port"] == 587
    assert merge_smtp({}, {"host": "smtp.firma.com", "security": "tls"})["port"] == 465
