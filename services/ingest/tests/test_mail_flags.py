"""Recognising auto-replies, bounces and bulk mail."""
import pytest

from services.ingest.domain.mail_flags import auto_submitted_reason
from services.ingest.domain.mail_parsing import parse_email


def reason(headers: dict, content_type="text/plain", from_email="ali@x.example"):
    lowered = {k.lower(): v for k, v in headers.items()}
    return auto_submitted_reason(lambda name: lowered.get(name.lower()), content_type, from_email)


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated; owner-email=x@y"}, "Auto-Submitted: auto-generated; owner-email=x@y"),
        ({"Precedence": "Bulk"}, "Precedence: bulk"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"X-Autoreply": "yes"}, "X-Autoreply"),
        ({"X-Autorespond": "1"}, "X-Autorespond"),
        ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress"),
        ({"X-Auto-Response-Suppress": ""}, "X-Auto-Response-Suppress"),
        ({"List-Id": "<l.x.example>"}, "List-Id"),
        ({"List-Unsubscribe": "<mailto:u@x>"}, "List-Unsubscribe"),
        ({"Return-Path": "<>"}, "empty Return-Path"),
        ({"Return-Path": "< >"}, "empty Return-Path"),
    ],
)
def test_automatic_headers_are_recognised(headers, expected):
    assert reason(headers) == expected


def test_auto_submitted_no_means_a_person_sent_it():
    assert reason({"Auto-Submitted": "No", "Precedence": "first-class"}) is None


def test_normal_return_path_is_not_automatic():
    assert reason({"Return-Path": "<ali@x.example>"}) is None


@pytest.mark.parametrize("sender, expected", [
    ("mailer-daemon@mx.example", "mailer-daemon"),
    ("postmaster@mx.example", "postmaster"),
    ("mailer@mx.example", None),
])
def test_daemon_senders_are_recognised(sender, expected):
    assert reason({}, from_email=sender) == expected


def test_multipart_report_is_automatic():
    assert reason({}, content_type="multipart/report") == "multipart/report"


def test_parse_email_reports_list_id_newsletters():
    raw = b"From: n@x.example\nList-Id: <n.x.example>\nSubject: s\n\nbody"
    mail = parse_email(raw)
    assert (mail.is_auto_submitted, mail.auto_reason) == (True, "List-Id")
