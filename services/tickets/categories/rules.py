"""The category tree: categories and, under each, subcategories — two levels, no more."""
from __future__ import annotations

from dataclasses import dataclass


class CategoryRuleBroken(ValueError):
    """A categorisation the tree does not allow; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class CategoryNode:
    id: int
    parent_id: int | None


def categorise(category: CategoryNode | None, subcategory: CategoryNode | None) -> tuple[int | None, int | None]:
    """The ticket's (category_id, subcategory_id): a subcategory implies its parent category."""
    if category is not None and category.parent_id is not None:
        raise CategoryRuleBroken(f"category {category.id} is a subcategory; send it as subcategory_id",
                                 "category_id")
    if subcategory is None:
        return (category.id if category else None), None
    if subcategory.parent_id is None:
        raise CategoryRuleBroken(f"category {subcategory.id} is a top-level category, not a subcategory",
                                 "subcategory_id")
    if category is not None and subcategory.parent_id != category.id:
        raise CategoryRuleBroken(f"subcategory {subcategory.id} does not belong to category {category.id}",
                                 "subcategory_id")
    return subcategory.parent_id, subcategory.id


def check_parent(parent: CategoryNode | None) -> None:
    """A new category hangs at the top or under a top-level category: the tree is two levels deep."""
    if parent is not None and parent.parent_id is not None:
        raise CategoryRuleBroken("subcategories cannot have subcategories of their own", "parent_id")
