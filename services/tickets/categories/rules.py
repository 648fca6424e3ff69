"""The category tree: categories and, under each, subcategories — two levels, no more."""
from __future__ import annotations

from dataclasses import dataclass

from services.shared.errors import InvalidInput


@dataclass(frozen=True)
class CategoryNode:
    id: int
    parent_id: int | None


def categorise(category: CategoryNode | None, subcategory: CategoryNode | None) -> tuple[int | None, int | None]:
    """The ticket's (category_id, subcategory_id): a subcategory implies its parent category."""
    if category is not None and category.parent_id is not None:
        raise InvalidInput(f"category {category.id} is a subcategory; send it as subcategory_id",
                           "category_id")
    if subcategory is None:
        return (category.id if category else None), None
    if subcategory.parent_id is None:
        raise InvalidInput(f"category {subcategory.id} is a top-level category, not a subcategory",
                           "subcategory_id")
    if category is not None and subcategory.parent_id != category.id:
        raise InvalidInput(f"subcategory {subcategory.id} does not belong to category {category.id}",
                           "subcategory_id")
    return subcategory.parent_id, subcategory.id


def check_parent(parent: CategoryNode | None) -> None:
    """A new category hangs at the top or under a top-level category: the tree is two levels deep."""
    if parent is not None and parent.parent_id is not None:
        raise InvalidInput("subcategories cannot have subcategories of their own", "parent_id")
