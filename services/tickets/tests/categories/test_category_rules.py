"""The category tree is two levels deep and a subcategory always sits under its category."""
from __future__ import annotations

import pytest

from services.shared.errors import InvalidInput
from services.tickets.categories.rules import CategoryNode, categorise, check_parent

KARGO = CategoryNode(1, None)
GECIKME = CategoryNode(2, parent_id=1)
FATURA = CategoryNode(3, None)


def test_a_subcategory_brings_its_category_with_it():
    assert categorise(None, GECIKME) == (1, 2)


def test_a_subcategory_of_another_category_is_refused():
    with pytest.raises(InvalidInput, match="does not belong to category 3") as refused:
        categorise(FATURA, GECIKME)
    assert refused.value.field == "subcategory_id"


def test_a_subcategory_given_as_the_category_is_refused():
    with pytest.raises(InvalidInput, match="is a subcategory"):
        categorise(GECIKME, None)


def test_a_top_level_category_given_as_the_subcategory_is_refused():
    with pytest.raises(InvalidInput, match="top-level"):
        categorise(None, FATURA)


def test_no_category_at_all_is_allowed():
    assert categorise(None, None) == (None, None)


def test_subcategories_cannot_have_subcategories():
    check_parent(KARGO)
    with pytest.raises(InvalidInput):
        check_parent(GECIKME)
