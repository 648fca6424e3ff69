"""A small demo organisation: ``python -m services.tickets.seed`` (idempotent).

Departments "Destek" (destek@example.com, the default) and "Satış"
(satis@example.com); owner@, manager@ (manager of both) and agent@ (agent in
Destek), all with the password ``DEMO_PASSWORD`` (default ``destek-demo``); the
pipelines "Satış" (sales) and "Servis" (service) with their stages.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.config import env
from services.shared.database import make_engine
from services.shared.events import utcnow
from services.tickets.admin.auth import hash_password
from services.tickets.models import Department, Membership, User
from services.tickets.pipelines.pipelines import ensure_default_pipelines

DEMO_DEPARTMENTS = [("Destek", "destek@example.com", True), ("Satış", "satis@example.com", False)]
DEMO_USERS = [
    ("owner@example.com", "Owner Öztürk", True, {}),
    ("manager@example.com", "Mehmet Yönetici", False, {"Destek": "manager", "Satış": "manager"}),
    ("agent@example.com", "Ayşe Temsilci", False, {"Destek": "agent"}),
]


def demo_password() -> str:
    return env("DEMO_PASSWORD", "destek-demo")


def seed(session: Session, password: str) -> None:
    """Create whatever part of the demo organisation is missing."""
    now = utcnow()
    departments = {}
    for name, email, is_default in DEMO_DEPARTMENTS:
        department = session.scalars(select(Department).where(Department.email == email)).first()
        if department is None:
            department = Department(name=name, email=email, is_default=is_default, created_at=now)
            session.add(department)
            session.flush()
        departments[name] = department
    for email, name, is_owner, roles in DEMO_USERS:
        if session.scalars(select(User).where(User.email == email)).first():
            continue
        user = User(email=email, name=name, password_hash=hash_password(password), is_owner=is_owner,
                    created_at=now)
        session.add(user)
        session.flush()
        for department_name, role in roles.items():
            session.add(Membership(user_id=user.id, department_id=departments[department_name].id, role=role))
    ensure_default_pipelines(session)  # the migration made them; a wiped database gets them back


def main() -> None:
    engine = make_engine(pool_size=1)
    with Session(engine) as session, session.begin():
        seed(session, demo_password())
    engine.dispose()
    print(f"demo organisation ready: owner@example.com, manager@example.com, agent@example.com "
          f"(password: {demo_password()})")


if __name__ == "__main__":
    main()
