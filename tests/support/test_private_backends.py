"""The private backends come back up after an outage block, whatever the block did, and leave nothing behind."""
from __future__ import annotations

import os
import socket
import subprocess

import pytest
from sqlalchemy import create_engine, text

from tests.support.private_backends import PrivatePostgres, PrivateRabbit


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_private_postgres_is_up_again_after_a_failed_outage_block_and_gone_after_close():
    cluster = PrivatePostgres().start()
    try:
        engine = create_engine(cluster.create_database("survivor"), pool_pre_ping=True)
        with pytest.raises(RuntimeError), cluster.down():
            assert not listening(cluster.port)
            raise RuntimeError("the test failed mid-outage")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
        engine.dispose()
    finally:
        cluster.close()
    assert not listening(cluster.port) and not os.path.exists(cluster.dir)


@pytest.mark.slow
def test_a_private_rabbit_node_restarts_and_is_halted_and_removed_on_close():
    node = PrivateRabbit().start()
    try:
        node.restart(down_for=0.1)
        assert listening(node.port)
        assert node.ctl("status").returncode == 0
    finally:
        node.close()
    assert not listening(node.port) and not os.path.exists(node.dir)
    assert subprocess.run(["pgrep", "-f", node.node], capture_output=True).returncode == 1  # no VM left
