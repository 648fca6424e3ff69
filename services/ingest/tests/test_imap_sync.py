"""Where an IMAP import resumes, how it batches and how long a failing mailbox waits."""
from services.ingest.domain.imap_sync import (Checkpoint, backoff_seconds, chunks, imap_utf7, mailbox_key,
                                              quoted, resume_after, uid_set, within_bytes)


def test_a_mailbox_never_imported_starts_from_its_first_mail():
    assert resume_after(None, 1700000000) == (0, False)


def test_a_known_mailbox_resumes_after_its_last_committed_uid():
    assert resume_after(Checkpoint(uidvalidity=7, last_uid=42), 7) == (42, False)


def test_a_new_uidvalidity_reads_the_whole_mailbox_again():
    assert resume_after(Checkpoint(uidvalidity=7, last_uid=42), 8) == (0, True)


def test_uids_are_sent_in_ascending_groups_of_the_batch_size():
    assert chunks([5, 1, 3, 2, 4, 3], 2) == [[1, 2], [3, 4], [5]]
    assert chunks([], 100) == []


def test_big_mails_are_fetched_in_batches_of_limited_bytes_and_a_huge_one_alone():
    mb = 1024 * 1024
    sized = [(4, 30 * mb), (1, 10 * mb), (2, 20 * mb), (3, 40 * mb), (5, 90 * mb), (6, 1 * mb)]
    assert within_bytes(sized, 64 * mb) == [[1, 2], [3], [4], [5], [6]]
    assert within_bytes([(1, 5), (2, 5), (3, 5)], 64 * mb) == [[1, 2, 3]]
    assert within_bytes([], 64 * mb) == []


def test_uid_sets_fold_consecutive_uids_into_ranges():
    assert uid_set([7, 1, 2, 3, 9, 10]) == "1:3,7,9:10"
    assert uid_set([4]) == "4"


def test_a_failing_mailbox_waits_longer_each_time_up_to_a_cap():
    waits = [backoff_seconds(n, base=2, cap=60) for n in range(0, 8)]
    assert waits == [0, 2, 4, 8, 16, 32, 60, 60]


def test_another_user_or_folder_is_another_checkpoint():
    assert mailbox_key(1, "destek@firma.com", "imap.firma.com", 993, "INBOX") != \
        mailbox_key(1, "destek@firma.com", "imap.firma.com", 993, "Arşiv")


def test_folder_names_are_sent_in_modified_utf7_and_quoted():
    assert imap_utf7("INBOX") == "INBOX"
    assert imap_utf7("Gelen Kutusu") == "Gelen Kutusu"
    assert imap_utf7("Şikâyetler") == "&AV4-ik&AOI-yetler"
    assert imap_utf7("A&B") == "A&-B"
    assert quoted('Arşiv "2024"') == '"Ar&AV8-iv \\"2024\\""'
