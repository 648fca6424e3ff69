"""The category tree: RPC methods (everyone reads it, owners change it)."""
from __future__ import annotations

from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.categories import categories


class CategoryEntrypoints:

    @rpc
    def list_categories(self, user_id):
        """``[{"id", "name", "position", "children": [{"id", "name", "position"}]}]``."""
        with self.db.transaction() as session:
            load_viewer(session, user_id)
            return categories.list_categories(session)

    @rpc
    def create_category(self, user_id, data):
        """``{"name": "Kargo", "parent_id": null, "position": 0}`` → the category."""
        with self.db.transaction() as session:
            return categories.create_category(session, load_viewer(session, user_id), data)

    @rpc
    def update_category(self, user_id, category_id, data):
        """``{"name": "Fatura", "position": 1}`` → the category."""
        with self.db.transaction() as session:
            return categories.update_category(session, load_viewer(session, user_id), category_id, data)

    @rpc
    def delete_category(self, user_id, category_id):
        with self.db.transaction() as session:
            categories.delete_category(session, load_viewer(session, user_id), category_id)
