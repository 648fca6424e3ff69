"""The category tree owners define: categories with subcategories under them, in their order."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.shared.errors import Conflict, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer, check_is_owner
from services.tickets.audit import record_audit
from services.tickets.categories.rules import CategoryNode, check_parent
from services.tickets.models import Category

MAX_NAME = 100
OWNERS_ONLY = "only owners may change categories"


def list_categories(session: Session) -> list[dict]:
    """``[{"id", "name", "position", "children": [{"id", "name", "position"}]}]`` in order."""
    rows = list(session.scalars(select(Category).order_by(Category.position, Category.id)))
    children: dict[int, list[dict]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(_leaf(row))
    return [{**_leaf(row), "children": children.get(row.id, [])} for row in rows if row.parent_id is None]


def create_category(session: Session, viewer: Viewer, data) -> dict:
    """``{"name": "Kargo", "parent_id": 3}`` (parent optional): a category, or a subcategory of ``parent_id``."""
    check_is_owner(viewer, OWNERS_ONLY)
    body = payload.body_of(data)
    payload.only_fields(body, ("name", "parent_id", "position"))
    parent = _parent(session, payload.integer(body, "parent_id", low=1))
    parent_id = parent.id if parent else None
    name = _unique_name(session, parent_id, payload.text(body, "name", required=True, max_length=MAX_NAME))
    siblings = _siblings(session, parent_id)
    category = Category(name=name, parent_id=parent_id, position=len(siblings))
    session.add(category)
    session.flush()
    _place(session, category, siblings, payload.integer(body, "position", low=0, high=len(siblings)))
    _audit(session, viewer, "created", category, {"name": name, "parent_id": parent_id})
    return _leaf(category) | {"parent_id": parent_id}


def update_category(session: Session, viewer: Viewer, category_id, data) -> dict:
    """``{"name": "Fatura", "position": 0}``: rename or move within its siblings."""
    check_is_owner(viewer, OWNERS_ONLY)
    category = _find(session, category_id)
    body = payload.body_of(data)
    payload.only_fields(body, ("name", "position"))
    if "name" in body:
        name = payload.text(body, "name", required=True, max_length=MAX_NAME)
        category.name = name if name == category.name else _unique_name(session, category.parent_id, name)
    if "position" in body:
        siblings = [s for s in _siblings(session, category.parent_id) if s.id != category.id]
        _place(session, category, siblings, payload.integer(body, "position", required=True, low=0,
                                                            high=len(siblings)))
    session.flush()
    _audit(session, viewer, "updated", category, {k: body[k] for k in body})
    return _leaf(category) | {"parent_id": category.parent_id}


def delete_category(session: Session, viewer: Viewer, category_id) -> None:
    """Delete a category without subcategories; its tickets keep their other fields, uncategorised."""
    check_is_owner(viewer, OWNERS_ONLY)
    category = _find(session, category_id)
    if session.scalar(select(func.count()).where(Category.parent_id == category.id)):
        raise Conflict(f"category {category.name} has subcategories; delete or move them first", "category_id")
    _audit(session, viewer, "deleted", category, {"name": category.name})
    session.delete(category)
    session.flush()
    _place(session, None, _siblings(session, category.parent_id), None)


def _leaf(category: Category) -> dict:
    return {"id": category.id, "name": category.name, "position": category.position}


def _find(session: Session, category_id) -> Category:
    category = session.get(Category, payload.row_id(category_id, "category_id", what="category"))
    if category is None:
        raise NotFound(f"category {category_id} does not exist", "category_id")
    return category


def _parent(session: Session, parent_id: int | None) -> Category | None:
    if parent_id is None:
        return None
    parent = session.get(Category, parent_id)
    if parent is None:
        raise InvalidInput(f"category {parent_id} does not exist", "parent_id")
    check_parent(CategoryNode(parent.id, parent.parent_id))
    return parent


def _siblings(session: Session, parent_id: int | None) -> list[Category]:
    condition = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    return list(session.scalars(select(Category).where(condition).order_by(Category.position, Category.id)))


def _unique_name(session: Session, parent_id: int | None, name: str) -> str:
    if any(s.name.casefold() == name.casefold() for s in _siblings(session, parent_id)):
        raise Conflict(f"there is already a category called {name} here", "name")
    return name


def _place(session: Session, category: Category | None, others: list[Category], index: int | None) -> None:
    """Number ``others`` 0..n in order with ``category`` inserted at ``index`` (the end if None)."""
    order = [s for s in others if category is None or s.id != category.id]
    if category is not None:
        order.insert(len(order) if index is None else index, category)
    for position, item in enumerate(order):
        item.position = position
    session.flush()


def _audit(session: Session, viewer: Viewer, action: str, category: Category, details: dict) -> None:
    record_audit(session, actor_user_id=viewer.user_id, action=action, object_type="category",
                 object_id=category.id, details=details)
