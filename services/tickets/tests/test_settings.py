"""The tickets service's settings: read from the environment once, with working defaults."""
from __future__ import annotations

import base64
import dataclasses
from datetime import timedelta

import pytest

from services.tickets.settings import load_settings

VARIABLES = ("REOPEN_WINDOW_DAYS", "SENDER_RATE_LIMIT", "SENDER_RATE_WINDOW_SECONDS", "MAX_ATTACHMENT_BYTES",
             "ATTACHMENT_STORE_DIR")
KEY = "k1:" + base64.b64encode(bytes(32)).decode()


@pytest.fixture
def environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESTEK_ENCRYPTION_KEYS", KEY)
    return monkeypatch


def test_without_variables_the_defaults_hold(environment):
    settings = load_settings()
    assert (settings.reopen_window_days, settings.sender_rate_limit, settings.sender_rate_window,
            settings.max_attachment_bytes) == (14, 30, timedelta(seconds=600), 25 * 1024 * 1024)
    assert settings.attachment_store.root.parts[-2:] == ("var", "attachments")
    assert settings.keyring.current == "k1"


def test_each_variable_sets_its_setting(environment, tmp_path):
    for name, value in {"REOPEN_WINDOW_DAYS": "3", "SENDER_RATE_LIMIT": "0", "SENDER_RATE_WINDOW_SECONDS": "60",
                        "MAX_ATTACHMENT_BYTES": "1000", "ATTACHMENT_STORE_DIR": str(tmp_path)}.items():
        environment.setenv(name, value)
    settings = load_settings()
    assert (settings.reopen_window_days, settings.sender_rate_limit, settings.sender_rate_window,
            settings.max_attachment_bytes, settings.attachment_store.root) == (
        3, 0, timedelta(seconds=60), 1000, tmp_path)


def test_the_container_config_names_the_attachment_store_before_the_environment(environment, tmp_path):
    environment.setenv("ATTACHMENT_STORE_DIR", "/elsewhere")
    assert load_settings({"ATTACHMENT_STORE_DIR": str(tmp_path)}).attachment_store.root == tmp_path


def test_a_malformed_number_stops_the_start_naming_the_variable(environment):
    environment.setenv("SENDER_RATE_LIMIT", "lots")
    with pytest.raises(SystemExit, match="SENDER_RATE_LIMIT"):
        load_settings()


def test_settings_cannot_change_once_read(environment):
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_settings().sender_rate_limit = 1
