"""Tracking numbers and the subjects that carry them back and forth with customers."""
from __future__ import annotations

import pytest

from services.shared.contracts.tickets import (TRACKING_TAG_RE, format_tracking_number, parse_tracking_number,
                                       tracking_number_in)
from services.tickets.domain.numbers import reply_subject, tag_subject

TAG = "[#2026-000001]"


def test_tracking_numbers_are_the_year_and_six_digits():
    assert format_tracking_number(2026, 1234) == "2026-001234"
    assert format_tracking_number(2027, 1) == "2027-000001"


def test_a_busy_year_widens_the_number_instead_of_wrapping():
    assert format_tracking_number(2026, 999999) == "2026-999999"
    assert format_tracking_number(2026, 1234567) == "2026-1234567"
    assert parse_tracking_number(format_tracking_number(2026, 1234567)) == (2026, 1234567)


def test_numbers_that_could_not_be_read_back_are_refused():
    for year, seq in ((26, 1), (2026, -1), (2026, 10**9)):
        with pytest.raises(ValueError):
            format_tracking_number(year, seq)


@pytest.mark.parametrize("text", ["2026-001234", "#2026-001234", " #2026-001234 ", "# 2026-001234"])
def test_a_tracking_number_is_read_with_or_without_its_hash(text):
    assert parse_tracking_number(text) == (2026, 1234)


@pytest.mark.parametrize("text", ["2026-12", "26-001234", "2026001234", "ticket 2026-001234", "", None])
def test_anything_else_is_not_a_tracking_number(text):
    assert parse_tracking_number(text) is None


def test_the_tag_is_found_in_a_subject_even_re_wrapped_with_spaces():
    assert TRACKING_TAG_RE.search("Re: Kargo [# 2026-000001 ]").group(1) == "2026-000001"
    assert tracking_number_in("Ynt: Kargo [#2026-000001] hâlâ yok") == "2026-000001"
    assert tracking_number_in("Kargo #2026-000001") is None


def test_tagging_a_subject_adds_the_tag_once():
    tagged = tag_subject("Re: Kargo", "2026-000001")
    assert tagged == f"Re: Kargo {TAG}"
    assert tag_subject(tagged, "2026-000001") == tagged
    assert tag_subject("Kargo [# 2026-000001 ]", "2026-000001") == "Kargo [# 2026-000001 ]"


def test_an_empty_subject_is_just_the_tag():
    assert tag_subject("", "2026-000001") == TAG
    assert tag_subject(None, "2026-000001") == TAG


def test_another_ticket_s_tag_does_not_stand_in_for_ours():
    assert tag_subject("Kargo [#2026-000002]", "2026-000001") == f"Kargo [#2026-000002] {TAG}"


def test_line_breaks_never_reach_the_subject_header():
    assert tag_subject("Kargo\r\nBcc: x@example.org", "2026-000001") == f"Kargo Bcc: x@example.org {TAG}"


@pytest.mark.parametrize("subject", [
    "Kargo", "Re: Kargo", "RE: Kargo", "Ynt: RE: Kargo [#2026-000001]", "YNT: Kargo", "Yanıt: Kargo",
    "Cvp: Kargo", "AW: Kargo", "Re[2]: Kargo", "re : Kargo", "Re: Re: Re: Kargo",
])
def test_a_reply_subject_carries_one_re_and_one_tag_whatever_the_client_added(subject):
    assert reply_subject(subject, "2026-000001") == f"Re: Kargo {TAG}"


def test_a_forward_prefix_is_kept_because_it_says_something_different():
    assert reply_subject("Fwd: Kargo", "2026-000001") == f"Re: Fwd: Kargo {TAG}"


def test_a_reply_to_an_empty_subject_is_still_tagged():
    assert reply_subject("", "2026-000001") == f"Re: {TAG}"


def test_a_word_that_merely_starts_like_a_prefix_is_left_alone():
    assert reply_subject("Resim gelmedi", "2026-000001") == f"Re: Resim gelmedi {TAG}"
