"""Entrypoint mixins of the tickets service, one module per feature.

Each module defines a class whose ``@rpc``/``@consumes`` methods use
``self.db`` and the other dependencies declared on ``TicketsService``;
``service.py`` lists the mixins as bases, and nameko collects their
entrypoints as the service's own.
"""
