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


def test_bottom_posted_answer_is_the_reply_and_the_history_above_it_is_kept():
    text = "On Mon, Ali wrote:\n> eski\n\nyeni cevap"
    assert split_reply(text) == ("yeni cevap", "On Mon, Ali wrote:\n> eski")


def test_answers_between_two_quotes_below_an_attribution_keep_the_whole_text():
    text = "On Mon, Ali wrote:\n> Soru 1?\nCevap 1\n> Soru 2?\nCevap 2"
    assert split_reply(text) == (text, "")


def test_a_quote_right_below_the_reply_is_not_read_as_part_of_an_attribution():
    text = "Hello\n> On 22 Aug 2015, at 19:21, Adam <adam@example.com> wrote:\n>\n> Hi there!"
    assert split_reply(text) == ("Hello", "> On 22 Aug 2015, at 19:21, Adam <adam@example.com> wrote:\n>\n> Hi there!")


def test_attribution_in_any_language_above_a_quote_starts_the_history():
    text = ('Hello\n02.04.2012 14:20 пользователь "bob@example.org" <\nbob@example.org> написал:\n\n> Hi\n>')
    reply, quoted = split_reply(text)
    assert reply == "Hello"
    assert quoted.startswith("02.04.2012 14:20 пользователь") and quoted.endswith("> Hi\n>")


def test_a_line_with_a_time_and_a_colon_in_prose_is_not_history():
    text = "Toplantı 14:30'da, gündem şu:\n1. fatura\n2. iade"
    assert split_reply(text) == (text, "")


def test_signature_after_the_quote_does_not_count_as_an_interleaved_answer():
    reply, quoted = split_reply("Tamam.\n\n> eski\n\n-- \nAli\nFirma A.Ş.")
    assert reply == "Tamam."
    assert quoted.startswith("> eski")


def test_bare_forward_is_kept_as_reply_rather_than_emptied():
    text = "---------- Forwarded message ---------\nFrom: A\n\nmetin"
    assert split_reply(text) == (text, "")
