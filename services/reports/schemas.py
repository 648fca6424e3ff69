"""Wire payloads of the reports service, parsed once at the edge."""
from __future__ import annotations

from services.reports.domain.access import BadDepartmentId, NotAllowed, Viewer, departments_in_view
from services.shared.errors import Forbidden, InvalidInput


def viewer_of(user: dict) -> Viewer:
    """A viewer from a user as ``tickets.get_user`` gives it: ``{"is_owner", "departments": {"3": "manager"}}``."""
    return Viewer.of(is_owner=bool(user["is_owner"]),
                     roles={int(department): role for department, role in user["departments"].items()})


def departments_in_view_of(user: dict, department_id: str | int | None) -> tuple[int, ...] | None:
    """The departments ``user`` asks figures for, refused as the gateway shows it (403, or 422 naming the field)."""
    try:
        return departments_in_view(viewer_of(user), department_id)
    except NotAllowed as refused:
        raise Forbidden(str(refused)) from None
    except BadDepartmentId as bad:
        raise InvalidInput(str(bad), "department_id") from None
