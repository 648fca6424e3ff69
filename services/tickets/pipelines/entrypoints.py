"""Pipelines, stages, the Kanban board and moving a card: RPC methods."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.core import updates
from services.tickets.core.view import ticket_view
from services.tickets.events import record_events
from services.tickets.pipelines import board, pipelines


class PipelineEntrypoints:
    """Everyone reads pipelines and boards; owners change them."""

    @rpc
    def list_pipelines(self, user_id):
        """``[{"id", "name", "type": "sales"|"service", "position", "stages": [{"id", "name", "position"}]}]``."""
        with self.db.transaction() as session:
            load_viewer(session, user_id)
            return pipelines.list_pipelines(session)

    @rpc
    def get_pipeline(self, user_id, pipeline_id):
        with self.db.transaction() as session:
            load_viewer(session, user_id)
            return pipelines.pipeline_dict(session, pipelines.find_pipeline(session, pipeline_id))

    @rpc
    def create_pipeline(self, user_id, data):
        """``{"name": "Kurumsal", "type": "sales", "stages": ["Lead", "Won"]}`` → the pipeline."""
        return self._as_owner(user_id, pipelines.create_pipeline, data)

    @rpc
    def update_pipeline(self, user_id, pipeline_id, data):
        return self._as_owner(user_id, pipelines.update_pipeline, pipeline_id, data)

    @rpc
    def delete_pipeline(self, user_id, pipeline_id):
        return self._as_owner(user_id, pipelines.delete_pipeline, pipeline_id)

    @rpc
    def reorder_pipelines(self, user_id, data):
        """``{"pipeline_ids": [2, 1]}`` → every pipeline in the new order."""
        return self._as_owner(user_id, pipelines.reorder_pipelines, data)

    @rpc
    def add_stage(self, user_id, pipeline_id, data):
        """``{"name": "Negotiation", "position": 2}`` → the pipeline with its stages."""
        return self._as_owner(user_id, pipelines.add_stage, pipeline_id, data)

    @rpc
    def update_stage(self, user_id, pipeline_id, stage_id, data):
        return self._as_owner(user_id, pipelines.update_stage, pipeline_id, stage_id, data)

    @rpc
    def delete_stage(self, user_id, pipeline_id, stage_id):
        return self._as_owner(user_id, pipelines.delete_stage, pipeline_id, stage_id)

    @rpc
    def reorder_stages(self, user_id, pipeline_id, data):
        """``{"stage_ids": [9, 7, 8]}`` → the pipeline with its stages in the new order."""
        return self._as_owner(user_id, pipelines.reorder_stages, pipeline_id, data)

    @rpc
    def get_board(self, user_id, pipeline_id, filters=None):
        """``{"pipeline", "columns": [{"stage", "count", "cards": [{"number", "days_in_stage", ...}]}]}``."""
        with self.db.transaction() as session:
            return board.get_board(session, load_viewer(session, user_id), pipeline_id, filters or {}, utcnow())

    @rpc
    def move_ticket(self, user_id, number, stage_id):
        """Move a card to ``stage_id`` (a stage of a pipeline of the ticket's type) → the ticket."""
        now = utcnow()
        with self.db.transaction() as session:
            ticket, events = updates.move_ticket(session, load_viewer(session, user_id), number, stage_id, now)
            record_events(session, events)
            return ticket_view(session, ticket, now)

    def _as_owner(self, user_id, action, *args):
        with self.db.transaction() as session:
            return action(session, load_viewer(session, user_id), *args)
