"""parse_email on the hand-made Turkish samples and on small inline mails."""
import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from services.ingest.domain.mail_parsing import (
    Attachment,
    SkippedAttachment,
    parse_email,
)

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str):
    return parse_email((CORPUS / name).read_bytes())


def test_windows_1254_body_keeps_turkish_letters():
    mail = corpus("tr_windows1254_body.eml")
    assert "Muhasebe katındaki yazıcı çalışmıyor; kağıt sıkışıyor." in mail.body_text
    assert "Büyük harfler: ĞÜŞİÖÇ, küçük harfler: ğüşıöç." in mail.body_text
    assert mail.parse_notes == []


def test_q_encoded_windows_1254_subject_and_sender_name_are_decoded():
    mail = corpus("tr_windows1254_body.eml")
    assert mail.subject == "Yazıcı çalışmıyor"
    assert mail.from_name == "Şükrü Öztürk"
    assert mail.from_email == "sukru.ozturk@example.com.tr"


def test_delivered_to_and_x_original_to_are_collected_lower_cased_once():
    mail = corpus("tr_windows1254_body.eml")
    assert mail.delivered_to == ["destek@firma.example"]
    assert mail.to == ["destek@firma.example"]


def test_iso_8859_9_quoted_printable_body_keeps_turkish_letters():
    mail = corpus("tr_iso8859_9_qp_body.eml")
    assert mail.body_text == (
        "Şifremi unuttum, ığdır şubesinden giriş yapamıyorum.\nİlginiz için teşekkürler."
    )
    assert mail.from_name == "Gülşâh Çelik"


def test_b_encoded_utf8_subject_is_decoded_and_tracking_number_found():
    mail = corpus("tr_iso8859_9_qp_body.eml")
    assert mail.subject == "Şifre sıfırlama talebi [#2026-001234]"
    assert mail.tracking_number == "2026-001234"


def test_threading_headers_are_split_into_bare_message_ids_in_order():
    mail = corpus("tr_iso8859_9_qp_body.eml")
    assert mail.message_id == "latin5-0002@mail.example.com.tr"
    assert mail.message_id_derived is False
    assert mail.in_reply_to == ["ticket-2026-001234@destek.firma.example"]
    assert mail.references == [
        "ticket-2026-001234@destek.firma.example",
        "reply-1@mail.example.com.tr",
    ]


def test_an_over_long_message_id_is_shortened_the_same_way_wherever_it_appears():
    long_id = "x" * 600 + "@mailer.example"
    original = parse_email(f"From: a@b.example\r\nMessage-ID: <{long_id}>\r\n\r\nMerhaba\r\n".encode())
    reply = parse_email(f"From: b@c.example\r\nMessage-ID: <short@c.example>\r\nIn-Reply-To: <{long_id}>\r\n"
                        f"References: <r@x.example> <{long_id}>\r\n\r\nCevap\r\n".encode())
    assert len(original.message_id) < 100 and original.message_id.endswith("@destek.invalid")
    assert reply.in_reply_to == [original.message_id] and reply.references == ["r@x.example", original.message_id]
    assert original.message_id_derived is False  # it is the mail's own id, shortened, not one made up


def test_reply_to_and_cc_addresses_are_lower_cased():
    mail = corpus("tr_iso8859_9_qp_body.eml")
    assert mail.reply_to == "gulsah.celik@example.com.tr"
    assert mail.cc == ["ayse@example.com.tr", "mudur@example.com.tr"]


def test_encoded_words_splitting_one_character_in_two_are_joined_before_decoding():
    mail = corpus("tr_rfc2047_split_words.eml")
    assert mail.subject == "Ödeme ekranında hata: İşlem başarısız"
    assert mail.from_name == "Ahmet İnce"
    assert mail.body_text == "Kredi kartıyla ödeme yaparken “İşlem başarısız” hatası alıyorum."


def test_utf8_body_declared_as_us_ascii_is_decoded_as_utf8_and_noted():
    mail = corpus("tr_wrong_charset_ascii_utf8.eml")
    assert mail.body_text == "Sipariş numaram görünmüyor, çözüm bekliyorum."
    assert mail.parse_notes == ["text/plain part: bytes are not valid us-ascii; decoded as utf-8"]


def test_turkish_text_mislabelled_iso_8859_1_is_read_as_windows_1254():
    mail = corpus("tr_wrong_charset_latin1_turkish.eml")
    assert mail.body_text == "Şubat faturasında yanlış tutar görünüyor, düzeltir misiniz?"
    assert mail.subject == "Fatura hatası"
    assert any("declared iso-8859-1 but the text is Turkish" in n for n in mail.parse_notes)


def test_eight_bit_body_without_charset_falls_back_to_windows_1254():
    mail = corpus("tr_no_charset_8bit.eml")
    assert mail.body_text == "Kargodan çıkan ürün kırıktı, değişim istiyorum."
    assert mail.subject == "Şikayet: ürün kırık geldi"
    assert mail.parse_notes == [
        "text/plain part: 8-bit text without a usable charset; decoded as cp1254",
        "Subject header: 8-bit text without a usable charset; decoded as cp1254",
    ]


def test_raw_utf8_headers_are_read_without_complaint():
    mail = corpus("tr_html_only.eml")
    assert mail.subject == "Güncelleme sonrası giriş sorunu"
    assert mail.from_name == "Elif Şahin"
    assert mail.parse_notes == []


def test_html_only_mail_gets_text_derived_from_html():
    mail = corpus("tr_html_only.eml")
    assert mail.body_text.startswith("Merhaba,\n\nGüncellemeden sonra giriş yapamıyorum.\n")
    assert "alert" not in mail.body_text and "Başlık" not in mail.body_text
    assert "yardım sayfası <https://firma.example/yardim>" in mail.body_text


def test_html_only_mail_html_is_sanitised():
    html = corpus("tr_html_only.eml").body_html
    for forbidden in ("<script", "<style", "<iframe", "<object", "onload", "onclick", "javascript:"):
        assert forbidden not in html
    assert '<img data-remote-src="https://tracker.example.net/pixel.gif?u=42"' in html
    assert ' src="https://tracker' not in html
    assert '<img src="cid:ekran@firma" alt="ekran">' in html


def test_text_only_mail_has_no_html_and_decodes_quoted_printable_utf8():
    mail = corpus("tr_text_only.eml")
    assert mail.body_html is None
    assert mail.subject == "Teşekkürler"
    assert mail.body_text == "Sorun çözüldü, teşekkürler!\n\nCan"
    assert mail.date == datetime(2026, 1, 11, 4, 7, 7, tzinfo=timezone.utc)


def test_nested_related_mail_uses_plain_text_and_keeps_inline_image():
    mail = corpus("tr_nested_related_inline_image.eml")
    assert mail.body_text == "Ekteki faturayı inceler misiniz?"
    assert 'src="cid:logo.1@firma.example"' in mail.body_html
    logo = mail.attachments[0]
    assert (logo.filename, logo.content_type, logo.content_id, logo.inline) == (
        "logo.png", "image/png", "logo.1@firma.example", True)
    assert logo.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_attachment_filenames_are_decoded_and_stripped_of_paths():
    mail = corpus("tr_nested_related_inline_image.eml")
    assert [(a.filename, a.content_type, a.inline) for a in mail.attachments[1:]] == [
        ("fatura_şubat_2026.pdf", "application/pdf", False),
        ("Ürün listesi.xls", "application/vnd.ms-excel", False),
        ("notlar.txt", "text/plain", False),
    ]
    assert mail.attachments[1].content == b"%PDF-1.4 fake pdf for tests"
    assert mail.to == ["destek@firma.example", "satis@firma.example"]


def test_missing_message_id_is_derived_stably_from_the_raw_bytes():
    raw = (CORPUS / "tr_missing_message_id.eml").read_bytes()
    mail = parse_email(raw)
    assert mail.message_id_derived is True
    assert mail.message_id == f"derived-{hashlib.sha256(raw).hexdigest()[:32]}@destek.invalid"
    assert parse_email(raw).message_id == mail.message_id


def test_date_without_zone_is_taken_as_utc():
    mail = corpus("tr_missing_message_id.eml")
    assert mail.date == datetime(2026, 1, 13, 10, 0, tzinfo=timezone.utc)


def test_date_with_zone_keeps_its_offset():
    mail = corpus("tr_windows1254_body.eml")
    assert mail.date.utcoffset() == timedelta(hours=3)


def test_unparseable_date_is_none():
    assert parse_email(b"Date: the day after tomorrow\n\nhi").date is None


def test_outlook_reply_separates_new_text_from_history():
    mail = corpus("tr_outlook_reply.eml")
    assert mail.subject == "RE: [#2026-000077] VPN bağlantısı"
    assert mail.tracking_number == "2026-000077"
    assert mail.reply_text == (
        "Merhaba,\n\nBağlantı hâlâ kopuyor, bugün öğleden sonra tekrar deneyeceğim.\n\nSelin"
    )
    assert mail.quoted_text.startswith("________________________________\nFrom: Destek")
    assert mail.quoted_text.endswith("Lütfen istemciyi yeniden başlatıp tekrar deneyin.")
    assert "\r" not in mail.body_text


def test_gmail_reply_with_wrapped_attribution_is_split():
    mail = corpus("tr_gmail_reply.eml")
    assert mail.reply_text == "Thanks, it works now."
    assert mail.quoted_text.startswith("On Tue, Jan 13, 2026 at 4:00 PM Destek Ekibi")
    assert "> Please try resetting your password again." in mail.quoted_text


def test_turkish_tarihinde_yazdi_reply_is_split():
    mail = corpus("tr_turkish_reply.eml")
    assert mail.subject == "Ynt: [#2026-000101] Şifre"
    assert mail.from_name == "Oğuz Işık"
    assert mail.reply_text == "Teşekkürler, sorun çözüldü."
    assert mail.quoted_text.endswith("> Şifrenizi sıfırladık, lütfen tekrar deneyin.")


def test_plain_mail_is_not_auto_submitted():
    mail = corpus("tr_turkish_reply.eml")
    assert (mail.is_auto_submitted, mail.auto_reason) == (False, None)


def test_auto_reply_is_flagged():
    mail = corpus("tr_auto_reply.eml")
    assert mail.subject == "Ofis dışındayım"
    assert (mail.is_auto_submitted, mail.auto_reason) == (True, "Auto-Submitted: auto-replied")


def test_mailer_daemon_bounce_is_flagged_and_keeps_its_report_parts():
    mail = corpus("tr_mailer_daemon_bounce.eml")
    assert mail.is_auto_submitted is True
    assert "550 5.1.1 User unknown" in mail.body_text
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("delivery-status.txt", "message/delivery-status"),
        ("forwarded-message.eml", "message/rfc822"),
    ]
    assert b"Subject: [#2026-000200] Talebiniz alindi" in mail.attachments[1].content


def test_bounce_without_auto_submitted_is_caught_by_its_sender():
    raw = (CORPUS / "tr_mailer_daemon_bounce.eml").read_bytes()
    raw = raw.replace(b"Auto-Submitted: auto-replied\n", b"").replace(b"Return-Path: <>\n", b"")
    assert parse_email(raw).auto_reason == "mailer-daemon"


def test_bulk_newsletter_is_flagged_by_precedence():
    mail = corpus("tr_bulk_newsletter.eml")
    assert mail.subject == "Ocak kampanyaları"
    assert (mail.is_auto_submitted, mail.auto_reason) == (True, "Precedence: bulk")
    assert 'data-remote-src="http://bulten.example.net/open.gif"' in mail.body_html


def test_empty_input_gives_an_empty_but_valid_mail():
    mail = parse_email(b"")
    assert (mail.subject, mail.from_email, mail.body_text, mail.size) == ("", "", "", 0)
    assert mail.message_id_derived and mail.message_id.endswith("@destek.invalid")
    assert mail.body_html is None and mail.attachments == []


def _mail_with_attachments(*sizes: int) -> bytes:
    parts = [b"--b\nContent-Type: text/plain\n\nsee attached\n"]
    for number, size in enumerate(sizes, 1):
        parts.append(
            b"--b\nContent-Type: application/octet-stream\n"
            b"Content-Disposition: attachment; filename=\"f%d.bin\"\n\n" % number + b"x" * size + b"\n"
        )
    return b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n" + b"".join(parts) + b"--b--\n"


def test_attachments_over_the_total_limit_are_listed_as_skipped():
    mail = parse_email(_mail_with_attachments(600, 500, 300), max_total_attachment_bytes=1000)
    assert [a.filename for a in mail.attachments] == ["f1.bin", "f3.bin"]
    assert mail.skipped_attachments == [SkippedAttachment(
        "f2.bin", "application/octet-stream", 500, "would exceed the 1000 bytes total attachment limit")]
    assert mail.body_text == "see attached"


def test_attachment_bigger_than_the_limit_says_so():
    mail = parse_email(_mail_with_attachments(3 * 1024 * 1024), max_total_attachment_bytes=2 * 1024 * 1024)
    assert mail.attachments == []
    assert mail.skipped_attachments[0].reason == "larger than the 2 MB limit"
    assert mail.skipped_attachments[0].size == 3 * 1024 * 1024


def test_nameless_attachment_gets_a_numbered_fallback_name():
    raw = (b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhello\n--b\n"
           b"Content-Type: application/octet-stream\nContent-Disposition: attachment\n\nxyz\n--b--\n")
    assert parse_email(raw).attachments == [
        Attachment("attachment-1.bin", "application/octet-stream", b"xyz", None, False)]


def test_forward_only_mail_shows_the_forwarded_text():
    raw = (b"Subject: Fwd: eski\nContent-Type: message/rfc822\n\n"
           b"From: x@y.example\nSubject: eski\nContent-Type: text/plain; charset=utf-8\n\n"
           + "İç ileti gövdesi".encode("utf-8"))
    mail = parse_email(raw)
    assert mail.body_text == "İç ileti gövdesi"
    assert [a.filename for a in mail.attachments] == ["forwarded-message.eml"]


def test_nul_bytes_never_reach_the_database_strings():
    mail = parse_email(b"Subject: a\x00b\nFrom: X\x00Y <x@y.example>\n\nbo\x00dy")
    assert (mail.subject, mail.from_name, mail.body_text) == ("ab", "XY", "body")


def test_tracking_number_is_read_from_the_subject_s_bracket_tag_only():
    def number(subject: str):
        return parse_email(f"Subject: {subject}\n\nbody".encode()).tracking_number

    assert number("Re: [#2026-001234] Yazıcı") == "2026-001234"
    assert number("RE: Fwd: [# 2026-000001 ] x") == "2026-000001"
    assert number("2026-001234 without brackets") is None
    assert number("[#26-1] too short") is None
    assert number("") is None


def test_quoted_encoded_word_display_name_is_decoded():
    mail = parse_email(b'From: "=?utf-8?Q?Ay=C5=9Fe_Y=C4=B1lmaz?=" <Ayse@X.example>\n\nx')
    assert (mail.from_name, mail.from_email) == ("Ayşe Yılmaz", "ayse@x.example")


def test_encoded_display_name_with_a_comma_stays_one_address():
    mail = parse_email(b"To: =?utf-8?Q?Y=C4=B1lmaz=2C_Ay=C5=9Fe?= <a@x.example>, b@x.example\n\nx")
    assert mail.to == ["a@x.example", "b@x.example"]


def test_rfc2231_continued_filename_is_joined_and_decoded():
    raw = (b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nmetin\n--b\n"
           b"Content-Type: application/pdf\nContent-Disposition: attachment;\n"
           b" filename*0*=utf-8''%C3%B6deme%20;\n filename*1*=plan%C4%B1.pdf\n\n%PDF\n--b--\n")
    assert parse_email(raw).attachments[0].filename == "ödeme planı.pdf"


def test_inline_html_file_is_a_body_of_last_resort_as_text():
    raw = (b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n"
           b"Content-Disposition: inline; filename=\"mesaj.html\"\n\n<p>Merhaba <b>d\xc3\xbcnya</b></p>\n--b--\n")
    mail = parse_email(raw)
    assert mail.body_text == "Merhaba dünya"
    assert [a.filename for a in mail.attachments] == ["mesaj.html"]


def test_attachment_after_a_nested_multipart_that_reused_its_parents_boundary_is_kept():
    # Both multiparts share one boundary, so one closing line ends both and the attachment after it is,
    # strictly read, the outer part's epilogue.
    raw = (b"From: a@example.com\nSubject: fatura\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
           b"--b\nContent-Type: multipart/alternative; boundary=\"b\"\n\n"
           b"--b\nContent-Type: text/plain\n\nFatura ekte.\n"
           b"--b--\n\n"
           b"--b\nContent-Type: application/pdf; name=\"fatura.pdf\"\nContent-Transfer-Encoding: base64\n\n"
           b"JVBERi0xLjQK\n--b--\n")
    mail = parse_email(raw)
    assert mail.body_text == "Fatura ekte."
    assert [(a.filename, a.content) for a in mail.attachments] == [("fatura.pdf", b"%PDF-1.4\n")]
    assert any("reused its boundary" in note for note in mail.parse_notes)


def test_real_world_mail_whose_zip_came_after_the_closing_line_keeps_it():
    mail = corpus("mail-parser/mail_malformed_1")
    [attachment] = mail.attachments
    assert attachment.filename == "20160523_916527.jpg_.zip"
    assert attachment.content.startswith(b"PK\x03\x04")  # a whole zip file, decoded
    assert mail.body_text == "--Sent from my iPhone"


def test_multipart_whose_declared_boundary_never_occurs_is_read_by_the_one_its_body_uses():
    raw = (b"From: a@example.com\nSubject: x\nContent-Type: multipart/alternative; boundary=\"declared\"\n\n"
           b"--used\nContent-Type: text/html; charset=utf-8\n\n<p>Sipari\xc5\x9f haz\xc4\xb1r</p>\n"
           b"--used\nContent-Type: text/plain; charset=utf-8\n\nSipari\xc5\x9f haz\xc4\xb1r\n--used--\n")
    mail = parse_email(raw)
    assert mail.body_text == "Sipariş hazır"
    assert "<p>Sipariş hazır</p>" in mail.body_html
    assert "Content-Type" not in mail.body_text


def test_real_world_mail_with_a_wrong_boundary_shows_its_html_not_raw_mime():
    mail = corpus("mail-parser/mail_malformed_3")
    assert mail.body_html and "<table" in mail.body_html
    assert "Content-Type" not in mail.body_text and "PGh0bWw+" not in mail.body_text
    assert "Problemas para visualizar" in mail.body_text


def test_outlook_msg_file_sent_as_mail_is_kept_whole_as_an_attachment():
    raw = (CORPUS / "mail-parser" / "mail_outlook_1").read_bytes()
    mail = parse_email(raw)
    assert [(a.filename, a.content_type, a.content) for a in mail.attachments] == [
        ("message.msg", "application/vnd.ms-outlook", raw)]
    assert mail.body_text == "" and mail.message_id_derived
    small = parse_email(raw, max_total_attachment_bytes=1000)
    assert small.attachments == [] and [s.filename for s in small.skipped_attachments] == ["message.msg"]
