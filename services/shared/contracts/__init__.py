"""The published language between Destek's services, once, for producers and consumers alike.

- ``events``: every event of docs/events.md as a frozen dataclass (past-tense
  name, ``event_id``, ``occurred_at``, typed payload) with ``to_wire()`` (the
  envelope the outbox stores) and ``from_wire()`` (refuses, naming the field,
  what it cannot read: ``UnreadableEvent``); ``EVENT_TYPES`` by
  ``(source, event_type)``.
- ``inbound``: the inbound message ingest hands to ``tickets.receive_messages``
  (``InboundMessage``, its attachments, delivery reports and the
  ``OriginalLocation`` of the mail in the archive).
- ``wire``: the one reader and writer of their JSON form, driven by the
  dataclasses' field types.

- ``tickets``: the tracking-number format (``2026-001234``, tagged
  ``[#2026-001234]`` in subjects) and the ticket status vocabulary.

This package is the only non-infrastructure code in
``services/shared``; it imports nothing of nameko, SQLAlchemy or Flask.
"""
