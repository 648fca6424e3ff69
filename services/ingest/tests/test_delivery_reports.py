"""Reading bounces: standard DSNs (RFC 3464) and the prose bounces of qmail, Exim and others."""
from pathlib import Path

from services.ingest.domain.bounce_text import diagnostic_for, failed_addresses, split_at_copy, status_in
from services.ingest.domain.delivery_reports import DeliveryReport
from services.ingest.domain.mail_parsing import parse_email

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str):
    return parse_email((CORPUS / name).read_bytes())


def test_a_postfix_dsn_reports_the_failed_recipient_with_its_status_reason_and_our_message_id():
    mail = corpus("tr_postfix_dsn.eml")
    assert mail.delivery_reports == [DeliveryReport(
        recipient="yok@musteri.com.tr", action="failed", status="5.1.1",
        diagnostic="550 5.1.1 <yok@musteri.com.tr>: Recipient address rejected: User unknown in virtual "
                   "mailbox table",
        original_message_id="6f1c2a9e.2026-000042@example.com")]
    assert mail.is_auto_submitted and mail.auto_reason == "Auto-Submitted: auto-replied"
    assert "could not\nbe delivered" in mail.body_text  # still an ordinary, readable message too


def test_a_delayed_dsn_is_a_delay_and_finds_the_original_in_its_returned_headers():
    [report] = corpus("tr_postfix_delayed_dsn.eml").delivery_reports
    assert (report.recipient, report.action, report.status) == ("satinalma@firma.example.org", "delayed", "4.4.1")
    assert report.diagnostic == "connect to mx.firma.example.org[198.51.100.20]:25: Connection timed out"
    assert report.original_message_id == "0b4d9e21.2026-000051@example.com"  # from text/rfc822-headers


def test_a_dsn_without_a_diagnostic_code_takes_the_reason_from_its_notification_text():
    [report] = corpus("tr_mailer_daemon_bounce.eml").delivery_reports
    assert report.diagnostic == "host mx.example.com.tr said: 550 5.1.1 User unknown"
    assert report.original_message_id == "ticket-2026-000200@destek.firma.example"


def test_a_qmail_bounce_is_read_from_its_prose_and_the_copy_below_the_marker():
    mail = corpus("tr_qmail_bounce.eml")
    assert mail.delivery_reports == [DeliveryReport(
        recipient="ahmet@bayi.example.net", action="failed", status="5.1.1",
        diagnostic="Sorry, no mailbox here by that name. (#5.1.1)",
        original_message_id="a81f3c07.2026-000077@example.com")]
    assert mail.is_auto_submitted


def test_an_exim_bounce_names_the_recipient_in_x_failed_recipients():
    [report] = corpus("tr_exim_bounce.eml").delivery_reports
    assert (report.recipient, report.action, report.status) == ("eski@firma.example.org", "failed", "5.1.1")
    assert report.diagnostic.startswith("SMTP error from remote mail server after RCPT TO:<eski@firma.example.org>")
    assert report.diagnostic.endswith("550 5.1.1 <eski@firma.example.org>... User unknown")
    assert report.original_message_id == "c42e7d18.2026-000063@example.com"


def test_a_postmaster_mail_with_the_original_attached_is_a_bounce():
    mail = corpus("tr_mailer_daemon_attached_original.eml")
    assert mail.delivery_reports == [DeliveryReport(
        recipient="bilgi@kurum.example.gov.tr", action="failed", status="5.2.2",
        diagnostic="552 5.2.2 Mailbox full - posta kutusu dolu",
        original_message_id="5d0e6b33.2026-000088@example.com")]


def test_without_the_original_headers_the_bounced_mail_is_the_one_it_answers():
    raw = (CORPUS / "tr_postfix_dsn.eml").read_bytes()
    raw = raw.replace(b"Message-ID: <6f1c2a9e.2026-000042@example.com>\n", b"")
    raw = raw.replace(b"Message-Id: <2026", b"In-Reply-To: <sent-1@example.com>\nReferences: <a@x> <sent-0@x>\n"
                                           b"Message-Id: <2026")
    [report] = parse_email(raw).delivery_reports
    assert report.original_message_id == "sent-1@example.com"
    without_in_reply_to = raw.replace(b"In-Reply-To: <sent-1@example.com>\n", b"")
    assert parse_email(without_in_reply_to).delivery_reports[0].original_message_id == "sent-0@x"


def test_a_report_of_successful_delivery_reports_no_failure():
    raw = (CORPUS / "tr_postfix_dsn.eml").read_bytes().replace(b"Action: failed", b"Action: delivered")
    assert parse_email(raw).delivery_reports == []


def test_a_report_without_action_takes_it_from_the_status_class():
    raw = (CORPUS / "tr_postfix_delayed_dsn.eml").read_bytes().replace(b"Action: delayed\n", b"")
    assert parse_email(raw).delivery_reports[0].action == "delayed"


def test_a_person_forwarding_a_mail_or_a_bounce_sends_no_bounce():
    bounce = (CORPUS / "tr_postfix_dsn.eml").read_bytes()
    forward = (b"From: Ali <ali@example.org>\nTo: destek@example.com\nSubject: Fwd: bu geldi\n"
               b"Message-ID: <fwd-1@example.org>\nMIME-Version: 1.0\n"
               b"Content-Type: multipart/mixed; boundary=f\n\n--f\nContent-Type: text/plain\n\nBakar misiniz?\n"
               b"--f\nContent-Type: message/rfc822\n\n" + bounce + b"\n--f--\n")
    mail = parse_email(forward)
    assert mail.delivery_reports == [] and not mail.is_auto_submitted


def test_a_note_from_a_postmaster_without_the_original_is_no_bounce():
    raw = (b"From: postmaster@example.net\nTo: destek@example.com\nSubject: Bakim\n\n"
           b"<ali@example.net>: kutunuz yarin tasinacak.\n")
    assert parse_email(raw).delivery_reports == []


def test_a_delivery_report_is_automatic_even_without_any_automatic_header():
    raw = (CORPUS / "tr_postfix_dsn.eml").read_bytes()
    raw = (raw.replace(b"Return-Path: <>\n", b"").replace(b"Auto-Submitted: auto-replied\n", b"")
           .replace(b"MAILER-DAEMON@mx.example.com", b"bildirim@mx.example.com")
           .replace(b"multipart/report; report-type=delivery-status;", b"multipart/mixed;"))
    mail = parse_email(raw)
    assert mail.delivery_reports and (mail.is_auto_submitted, mail.auto_reason) == (True, "delivery report")


def test_status_codes_are_found_but_never_in_ip_addresses_or_version_numbers():
    assert status_in("host [10.2.3.4] said: 550 5.7.1 spam") == "5.7.1"
    assert status_in("host 4.3.2.1 said: 554 rejected") == "5.0.0"
    assert status_in("Exim 4.96 gave up") == ""
    assert status_in("Sorry, no mailbox here by that name. (#5.1.1)") == "5.1.1"


def test_prose_bounces_list_failed_recipients_at_the_start_of_a_line():
    text = ("Hi.\n\n<a@example.org>:\nSorry. (#5.1.1)\n\n  B@Example.org\n    host said 550\n\n"
            "MAILER-DAEMON@mx.example.net: that is me\nwrite to c@example.org if lost\n")
    assert failed_addresses(text) == ["a@example.org", "b@example.org"]
    assert diagnostic_for("b@example.org", text) == "host said 550"
    assert diagnostic_for("z@example.org", text) == ""


def test_the_copy_of_the_bounced_mail_is_split_from_the_explanation():
    explanation, copy = split_at_copy("Gave up.\n\n--- Below this line is a copy of the message.\n\nFrom: a@b\n")
    assert (explanation, copy) == ("Gave up.\n\n", "From: a@b\n")
    assert split_at_copy("no copy here") == ("no copy here", None)
