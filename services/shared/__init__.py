"""Infrastructure shared by every Destek service: config, database, bus, outbox, metrics.

Nothing here knows about tickets, mail or SLAs; each service owns its own models.
"""
import os

# psycopg 3 waits in C unless told otherwise, which blocks every eventlet worker
# of a nameko process; the select-based wait cooperates with eventlet's hub.
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
