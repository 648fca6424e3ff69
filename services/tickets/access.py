"""Who may see and do what with tickets. Enforced here, in the tickets service.

Roles are per department: an agent sees the open-ticket lists of their
departments but opens and answers only tickets assigned to them; a manager
sees, assigns and transfers every ticket of their departments; an owner can
do everything.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services.shared.errors import Forbidden, NotFound, Unauthenticated
from services.tickets.models import Membership, Ticket, User
from services.tickets.repository import ticket_by_number


@dataclass(frozen=True)
class Viewer:
    user_id: int
    is_owner: bool
    departments: dict[int, str]  # department id → "agent" | "manager"

    def role_in(self, department_id: int) -> str | None:
        return "owner" if self.is_owner else self.departments.get(department_id)

    def listable_department_ids(self) -> list[int] | None:
        """Departments whose ticket lists this viewer sees; None means all."""
        return None if self.is_owner else sorted(self.departments)

    def is_manager(self) -> bool:
        return self.is_owner or "manager" in self.departments.values()


# Every call of every user starts here: the user and their roles in one statement (a row per membership).
_USER_WITH_ROLES = (select(User.id, User.is_active, User.is_owner, Membership.department_id, Membership.role)
                    .outerjoin(Membership, Membership.user_id == User.id)
                    .where(User.id == bindparam("user_id")))


def load_viewer(session: Session, user_id: int) -> Viewer:
    """The acting user with their department roles; refuses unknown or disabled users."""
    rows = session.execute(_USER_WITH_ROLES, {"user_id": user_id}).all()
    if not rows or not rows[0].is_active:
        raise Unauthenticated("the user of this session no longer exists or is disabled")
    return Viewer(user_id=rows[0].id, is_owner=rows[0].is_owner,
                  departments={row.department_id: row.role for row in rows if row.department_id is not None})


def open_ticket(session: Session, viewer: Viewer, number, *, for_update: bool = False) -> Ticket:
    """The ticket with this number, if the viewer may open it; ``for_update`` locks it for a caller that changes it."""
    ticket = ticket_by_number(session, number, for_update=for_update)
    if ticket is None:
        raise NotFound(f"ticket {str(number)[:40]} does not exist", "number")
    check_can_open(viewer, ticket)
    return ticket


def check_can_open(viewer: Viewer, ticket: Ticket) -> None:
    """Opening a ticket (and answering it): owners, its department's managers, its assigned agent."""
    role = viewer.role_in(ticket.department_id)
    if role is None:
        raise NotFound(f"ticket {ticket.number} does not exist or is not in your departments", "number")
    if role == "agent" and ticket.assignee_id != viewer.user_id:
        raise Forbidden(f"ticket {ticket.number} is assigned to someone else; ask a manager to assign it",
                        "number")


def check_is_manager_of(viewer: Viewer, department_id: int) -> None:
    """Assigning and transferring: owners and the department's managers."""
    if viewer.role_in(department_id) not in ("owner", "manager"):
        raise Forbidden("only a manager of the ticket's department may do this", "department")


def check_is_owner(viewer: Viewer, message: str = "only owners may do this") -> None:
    """Administering users, departments and reading the audit trail: owners only."""
    if not viewer.is_owner:
        raise Forbidden(message)


def check_is_a_manager(viewer: Viewer, message: str = "only managers and owners may do this") -> None:
    """Merging or deleting customers, seeing unlinked calls: a manager of any department, or an owner."""
    if not viewer.is_manager():
        raise Forbidden(message)


def check_can_change_note(viewer: Viewer, ticket: Ticket, author_user_id: int) -> None:
    """Editing or deleting a note: its author, a manager of the ticket's department, or an owner."""
    check_can_open(viewer, ticket)
    if author_user_id != viewer.user_id and viewer.role_in(ticket.department_id) not in ("owner", "manager"):
        raise Forbidden("only the note's author or a manager of the ticket's department may change it",
                        "note_id")
