"""Whose figures a viewer sees: owners every department's, managers those they manage, agents none."""
from __future__ import annotations

import re
from dataclasses import dataclass

MANAGER = "manager"
DEPARTMENT_ID = re.compile(r"[1-9][0-9]{0,9}")
LARGEST_ID = 2_147_483_647  # a PostgreSQL integer


class NotAllowed(Exception):
    """The viewer may not see these figures."""


class BadDepartmentId(ValueError):
    """What names the department is no department's id."""


@dataclass(frozen=True)
class Viewer:
    """Who asks for figures: an owner, or the departments they manage."""
    is_owner: bool
    managed: frozenset[int]

    @classmethod
    def of(cls, *, is_owner: bool, roles: dict[int, str]) -> Viewer:
        """A viewer from their role in each of their departments (``agent`` or ``manager``)."""
        return cls(is_owner=is_owner, managed=frozenset(d for d, role in roles.items() if role == MANAGER))


def departments_in_view(viewer: Viewer, wanted: str | int | None = None) -> tuple[int, ...] | None:
    """The departments whose figures ``viewer`` sees (None: all of them), or only ``wanted`` among them.

    Raises :class:`NotAllowed` for an agent, or a department the viewer does not manage, and
    :class:`BadDepartmentId` when ``wanted`` (a query string's text, or a number) is no id.
    """
    if not viewer.is_owner and not viewer.managed:
        raise NotAllowed("reports are for managers and owners")
    if wanted is None:
        return None if viewer.is_owner else tuple(sorted(viewer.managed))
    department_id = _department_id(wanted)
    if not viewer.is_owner and department_id not in viewer.managed:
        raise NotAllowed(f"you do not manage department {wanted}")
    return (department_id,)


def _department_id(wanted: str | int) -> int:
    if isinstance(wanted, str) and DEPARTMENT_ID.fullmatch(wanted):
        wanted = int(wanted)
    if isinstance(wanted, bool) or not isinstance(wanted, int) or not 1 <= wanted <= LARGEST_ID:
        raise BadDepartmentId("department_id must be a department's id (a positive whole number)")
    return wanted
