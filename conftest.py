"""Test policy for the whole suite: real parts only.

Every test talks to the real PostgreSQL and RabbitMQ running on this machine;
mail tests use a real SMTP server on loopback and a real Dovecot. Tests run
against their own database (``destek_test``), migrated once per run and
emptied before each test that uses it; service tests get their own RabbitMQ
vhost per test from nameko's pytest plugin (management API on :15672).

eventlet must patch the standard library before anything imports sockets,
or nameko containers hang.
"""
import services  # noqa: F401  (quietens eventlet's deprecation warning)
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402

# One database per test run, so that runs side by side (developers, CI) do not clobber each other.
TEST_DATABASE = os.environ.get("DESTEK_TEST_DATABASE", f"destek_test_{os.getpid()}")
os.environ["DATABASE_URL"] = f"postgresql://root@127.0.0.1/{TEST_DATABASE}"
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
# A transaction a killed test worker leaves open ends soon instead of holding its locks for the run.
os.environ.setdefault("DB_IDLE_IN_TRANSACTION_SECONDS", "30")

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.services", "tests.fixtures.system"]
