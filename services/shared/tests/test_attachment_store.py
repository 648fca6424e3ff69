"""The attachment store keeps each content once, by hash, and never shows a half-written file."""
import hashlib

from services.shared.attachment_store import AttachmentStore


def test_a_file_is_kept_under_its_sha256(tmp_path):
    store = AttachmentStore(tmp_path)
    digest = store.put(b"fatura.pdf contents")
    assert digest == hashlib.sha256(b"fatura.pdf contents").hexdigest()
    assert (tmp_path / digest[:2] / digest).read_bytes() == b"fatura.pdf contents"


def test_the_same_content_twice_is_stored_once(tmp_path):
    store = AttachmentStore(tmp_path)
    first = store.put(b"logo")
    mtime = store.path_of(first).stat().st_mtime_ns
    assert store.put(b"logo") == first
    assert store.path_of(first).stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first]


def test_no_temporary_files_are_left_behind(tmp_path):
    store = AttachmentStore(tmp_path)
    for content in (b"a", b"b", b"", b"x" * 100_000):
        store.put(content)
    assert not [p for p in tmp_path.rglob(".incoming-*")]


def test_a_file_a_crash_cut_short_before_its_sync_is_written_whole_again(tmp_path):
    store = AttachmentStore(tmp_path)
    digest = store.put(b"Kasim faturasi, 3 sayfa", sync=False)
    store.path_of(digest).write_bytes(b"")  # what a crash before store.sync() may leave of it
    assert store.put(b"Kasim faturasi, 3 sayfa", sync=False) == digest
    store.sync()
    assert store.path_of(digest).read_bytes() == b"Kasim faturasi, 3 sayfa"
