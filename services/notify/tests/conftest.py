"""Notify's tests send through a real SMTP server on loopback; retries are quick so tests stay short."""
from __future__ import annotations

import pytest

from tests.support.smtp_server import RecordingSmtpServer


@pytest.fixture
def smtp(monkeypatch):
    """The environment's SMTP server (the fallback of every department without its own)."""
    with RecordingSmtpServer() as server:
        monkeypatch.setenv("SMTP_HOST", server.host)
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        monkeypatch.setenv("SMTP_FIRST_RETRY_SECONDS", "1")
        yield server


@pytest.fixture
def attachment_store(tmp_path, monkeypatch):
    """An empty attachment store of this test's own."""
    store = tmp_path / "attachments"
    monkeypatch.setenv("ATTACHMENT_STORE_DIR", str(store))
    return store
