"""The mail archive keeps a batch of mails in one file and gives each back exactly."""
import pytest

from services.shared.mail_archive import MailArchive


def test_each_mail_of_a_batch_comes_back_byte_for_byte(tmp_path):
    archive = MailArchive(tmp_path)
    mails = [b"From: a@b.c\r\n\r\nMerhaba\r\n", b"", "Subject: \u015eikayet\r\n\r\n\u0130ade".encode("cp1254", "replace"),
             b"\x00\xff" * 5000]
    places = archive.write(mails)
    assert len({p["archive"] for p in places}) == 1  # one file for the batch
    assert [archive.read(p["archive"], p["offset"], p["size"]) for p in places] == mails
    assert not list(tmp_path.rglob(".incoming-*"))


def test_a_name_that_is_no_archive_or_a_mail_past_its_end_cannot_be_read(tmp_path):
    archive = MailArchive(tmp_path)
    [place] = archive.write([b"kisa"])
    with pytest.raises(ValueError):
        archive.read("../../etc/passwd", 0, 4)
    with pytest.raises(FileNotFoundError):
        archive.read(place["archive"], 2, 4)  # the file ends before the mail would
