"""RPC of logging in, users and departments administration (owners), and of the audit trail."""
from __future__ import annotations

from sqlalchemy import select

from services.shared.errors import AccountLocked, Unauthenticated
from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets import audit
from services.tickets.access import load_viewer
from services.tickets.admin import auth, departments, users
from services.tickets.models import Department, User
from services.tickets.repository import memberships_of
from services.tickets.schemas import department_dict, user_dict


class AdministrationEntrypoints:
    @rpc
    def authenticate(self, email, password):
        """Check an agent's credentials: ``{"email", "password"}`` → the user with their roles."""
        with self.db.transaction() as session:
            try:
                user = auth.authenticate(session, email, password, utcnow())
            except (Unauthenticated, AccountLocked) as failure:
                refused = failure  # the failed-login count and its audit entry must be committed
            else:
                return user_dict(user, memberships_of(session, user.id))
        raise refused

    @rpc
    def get_user(self, user_id):
        """The user behind a session, with their department roles."""
        with self.db.transaction() as session:
            viewer = load_viewer(session, user_id)
            return user_dict(session.get(User, viewer.user_id), viewer.departments)

    @rpc
    def list_departments(self):
        """Every department: ``[{"id", "name", "email"}]``."""
        with self.db.transaction() as session:
            return [department_dict(d) for d in session.scalars(select(Department).order_by(Department.id))]

    @rpc
    def list_users(self, user_id):
        """Owners: ``{"items": [{"id", "email", "name", "is_owner", "is_active", "departments", ...}]}``."""
        with self.db.transaction() as session:
            return users.list_users(session, load_viewer(session, user_id))

    @rpc
    def list_department_staff(self, department_id):
        """Service to service (no viewer): ``[{"id", "email", "name", "role", "is_active"}]``, owners not included."""
        with self.db.transaction() as session:
            return users.department_staff(session, department_id)

    @rpc
    def get_user_account(self, user_id, account_id):
        with self.db.transaction() as session:
            return users.get_user_account(session, load_viewer(session, user_id), account_id)

    @rpc
    def create_user(self, user_id, fields):
        """``{"email", "name", "password", "is_owner": false, "departments": {"1": "agent"}}`` → the user."""
        with self.db.transaction() as session:
            return users.create_user(session, load_viewer(session, user_id), fields, utcnow())

    @rpc
    def update_user(self, user_id, account_id, fields):
        """Any of ``{"email", "name", "password", "is_owner", "is_active", "departments"}`` → the user."""
        with self.db.transaction() as session:
            return users.update_user(session, load_viewer(session, user_id), account_id, fields, utcnow())

    @rpc
    def delete_user(self, user_id, account_id):
        with self.db.transaction() as session:
            users.delete_user(session, load_viewer(session, user_id), account_id, utcnow())

    @rpc
    def describe_departments(self, user_id):
        """``{"items": [{"id", "name", "email", "is_default", "send_acknowledgement", "created_at"}]}``."""
        with self.db.transaction() as session:
            return departments.describe_departments(session, load_viewer(session, user_id))

    @rpc
    def get_department(self, user_id, department_id):
        with self.db.transaction() as session:
            return departments.get_department(session, load_viewer(session, user_id), department_id)

    @rpc
    def create_department(self, user_id, fields):
        """``{"name": "Muhasebe", "email": "muhasebe@firma.com", "is_default": false}`` → the department."""
        with self.db.transaction() as session:
            return departments.create_department(session, load_viewer(session, user_id), fields, utcnow())

    @rpc
    def update_department(self, user_id, department_id, fields):
        with self.db.transaction() as session:
            return departments.update_department(session, load_viewer(session, user_id), department_id,
                                                       fields, utcnow())

    @rpc
    def delete_department(self, user_id, department_id):
        with self.db.transaction() as session:
            departments.delete_department(session, load_viewer(session, user_id), department_id, utcnow())

    @rpc
    def list_audit(self, user_id, filters=None):
        """Owners: ``{"actor": 3, "action": "deleted", "object_type": "customer", "from", "to", "limit",
        "cursor"}`` → ``{"items": [...], "next_cursor": 123 | null}``, newest first."""
        with self.db.transaction() as session:
            return audit.list_audit(session, load_viewer(session, user_id), filters or {})

    @rpc
    def record_logout(self, user_id):
        """The gateway ended a user's session: put it in the audit trail."""
        with self.db.transaction() as session:
            audit.record_audit(session, actor_user_id=user_id, action="logout", object_type="user",
                               object_id=user_id)
