"""Splitting the new reply from quoted history."""
from services.ingest.domain.mail_quotes import split_reply


def test_text_without_history_is_all_reply():
    assert split_reply("  Merhaba,\n\nyazıcı bozuk.\n") == ("Merhaba,\n\nyazıcı bozuk.", "")


def test_angle_bracket_quote_below_the_reply_is_history():
    assert split_reply("Tamam.\n\n> eski satır\n> ikinci") == ("Tamam.", "> eski satır\n> ikinci")


def test_english_on_wrote_attribution_starts_the_history():
    reply, quoted = split_reply("Done.\n\nOn Mon, 5 Jan 2026, Ali <ali@x.example> wrote:\n> old")
    assert reply == "Done."
    assert quoted == "On Mon, 5 Jan 2026, Ali <ali@x.example> wrote:\n> old"


def test_turkish_tarihinde_sunu_yazdi_attribution_starts_the_history():
    text = "Oldu.\n\n5 Oca 2026 Pzt 10:00 tarihinde Ali <ali@x.example> şunu yazdı:\n> eski"
    assert split_reply(text) == ("Oldu.", text.split("\n\n", 1)[1])


def test_turkish_attribution_without_quote_marks_still_splits():
    text = "Oldu.\n\n5 Oca 2026 tarihinde Ali yazdı:\n\neski metin"
    assert split_reply(text) == ("Oldu.", "5 Oca 2026 tarihinde Ali yazdı:\n\neski metin")


def test_outlook_original_message_separator_starts_the_history():
    text = "Yeni.\n\n-----Original Message-----\nFrom: A\nSent: dün\n\neski"
    assert split_reply(text) == ("Yeni.", "-----Original Message-----\nFrom: A\nSent: dün\n\neski")


def test_turkish_outlook_orijinal_ileti_separator_starts_the_history():
    text = "Yeni.\n-----Orijinal İleti-----\nKimden: A\nGönderildi: dün\n\neski"
    assert split_reply(text)[0] == "Yeni."
    assert split_reply(text)[1].startswith("-----Orijinal İleti-----")


def test_outlook_from_sent_block_without_separator_starts_the_history():
    text = "Yeni.\n\nFrom: Destek <d@x.example>\nSent: Monday\nTo: me\nSubject: s\n\neski"
    assert split_reply(text) == ("Yeni.", "From: Destek <d@x.example>\nSent: Monday\nTo: me\nSubject: s\n\neski")


def test_turkish_outlook_kimden_gonderildi_block_starts_the_history():
    text = "Yeni.\n\nKimden: Destek\nGönderildi: 5 Ocak 2026 Pazartesi\nKime: ben\n\neski"
    assert split_reply(text)[0] == "Yeni."


def test_a_from_line_in_normal_prose_is_not_history():
    text = "From: the start this was broken.\nNo sent line follows."
    assert split_reply(text) == (text, "")


def test_prose_ending_in_wrote_without_a_quote_is_not_history():
    text = "Here is what the customer wrote:\nthe printer is broken"
    assert split_reply(text) == (text, "")


def test_interleaved_answers_keep_the_whole_text_as_reply():
    text = "> Soru 1?\nCevap 1\n> Soru 2?\nCevap 2"
    assert split_reply(text) == (text, "")


def test_bottom_posted_answer_is_not_hidden():
    text = "On Mon, Ali wrote:\n> eski\n\nyeni cevap"
    assert split_reply(text) == (text, "")


def test_signature_after_the_quote_does_not_count_as_an_interleaved_answer():
    reply, quoted = split_reply("Tamam.\n\n> eski\n\n-- \nAli\nFirma A.Ş.")
    assert reply == "Tamam."
    assert quoted.startswith("> eski")


def test_bare_forward_is_kept_as_reply_rather_than_emptied():
    text = "---------- Forwarded message ---------\nFrom: A\n\nmetin"
    assert split_reply(text) == (text, "")
