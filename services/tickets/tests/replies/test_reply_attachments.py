"""Checking and keeping the files of an agent's reply: plain functions and a directory of the test's own."""
from __future__ import annotations

import base64
import hashlib

import pytest

from services.shared.attachment_store import AttachmentStore
from services.shared.errors import InvalidInput
from services.tickets.replies.attachments import decode_uploads, store_uploads

LIMIT = 25 * 1024 * 1024


def item(content: bytes, filename: str = "fatura.pdf", content_type: str = "application/pdf") -> dict:
    return {"filename": filename, "content_type": content_type, "content_base64": base64.b64encode(content).decode()}


def test_no_attachments_is_an_empty_list():
    assert decode_uploads(None, max_bytes=LIMIT) == [] and decode_uploads([], max_bytes=LIMIT) == []


def test_a_path_in_a_file_name_is_dropped_and_parameters_of_the_type_too():
    [upload] = decode_uploads([item(b"x", "../../etc/şifre.txt", "Text/Plain; charset=utf-8")], max_bytes=LIMIT)
    assert (upload.filename, upload.content_type, upload.content) == ("şifre.txt", "text/plain", b"x")


@pytest.mark.parametrize("bad", [
    "not a list", [{"filename": "a.pdf"}], [{"filename": "", "content_base64": "eA=="}],
    [{"filename": "a.pdf", "content_base64": "bu base64 değil"}],
    [{"filename": "a.pdf", "content_type": "pdf", "content_base64": "eA=="}]])
def test_unusable_attachments_are_refused_naming_the_field(bad):
    with pytest.raises(InvalidInput) as refused:
        decode_uploads(bad, max_bytes=LIMIT)
    assert refused.value.field == "attachments"


def test_files_together_over_the_limit_are_refused():
    decode_uploads([item(b"x" * 500), item(b"y" * 500)], max_bytes=1000)
    with pytest.raises(InvalidInput, match="at most 1000 bytes"):
        decode_uploads([item(b"x" * 500), item(b"y" * 501)], max_bytes=1000)


def test_a_file_is_kept_once_under_its_hash(tmp_path):
    uploads = decode_uploads([item(b"%PDF-1.4 bir"), item(b"%PDF-1.4 bir", "kopya.pdf")], max_bytes=LIMIT)
    first, second = store_uploads(uploads, AttachmentStore(tmp_path))
    digest = hashlib.sha256(b"%PDF-1.4 bir").hexdigest()
    assert first["sha256"] == second["sha256"] == digest and first["size"] == 12
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]
