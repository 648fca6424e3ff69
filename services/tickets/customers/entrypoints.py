"""RPC of customers: find, read, create, edit, delete, merge, and their ticket history."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.customers import customers, merge


class CustomersEntrypoints:
    @rpc
    def list_customers(self, user_id, filters=None):
        """``{"q": "0555 123 45 67", "limit": 50, "offset": 0}`` → ``{"items": [customer, ...], "total": N}``."""
        with self.db.transaction() as session:
            return customers.list_customers(session, load_viewer(session, user_id), filters or {})

    @rpc
    def get_customer(self, user_id, customer_id):
        """``{"id", "name", "email", "phone", "contacts", "ticket_count", "last_contact_at", ...}``."""
        with self.db.transaction() as session:
            return customers.get_customer(session, load_viewer(session, user_id), customer_id)

    @rpc
    def create_customer(self, user_id, fields):
        """``{"name": "Ayşe Yılmaz", "email": "ayse@example.com", "phone": "0555 123 45 67"}`` → the customer."""
        with self.db.transaction() as session:
            return customers.create_customer(session, load_viewer(session, user_id), fields, utcnow())

    @rpc
    def update_customer(self, user_id, customer_id, fields):
        """Any of ``{"name", "email", "phone", "contacts": [{"kind", "value"}]}`` → the customer."""
        with self.db.transaction() as session:
            return customers.update_customer(session, load_viewer(session, user_id), customer_id, fields,
                                             utcnow())

    @rpc
    def delete_customer(self, user_id, customer_id):
        """Managers and owners; refused (Conflict) while the customer has tickets or calls."""
        with self.db.transaction() as session:
            customers.delete_customer(session, load_viewer(session, user_id), customer_id, utcnow())

    @rpc
    def merge_customers(self, user_id, source_id, target_id):
        """Fold customer ``source_id`` into ``target_id`` (managers and owners) → the target."""
        with self.db.transaction() as session:
            return merge.merge_customers(session, load_viewer(session, user_id), source_id, target_id,
                                                  utcnow())

    @rpc
    def list_customer_tickets(self, user_id, customer_id, filters=None):
        """The customer's tickets the user may list: ``{"items", "total", "last_contact_at"}``."""
        with self.db.transaction() as session:
            return customers.list_customer_tickets(session, load_viewer(session, user_id), customer_id,
                                                   filters or {})
