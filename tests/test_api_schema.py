"""schemathesis against the running gateway: no server error, and no answer the OpenAPI document does not promise.

It generates requests for every operation of ``/api/v1/openapi.json`` — valid
ones and deliberately broken ones (wrong types, out-of-range numbers, missing
fields) — and checks every answer: never a 5xx, a documented status, the
documented content type and schema, broken input refused with a 4xx, no access
without a token. The run is bounded (examples per operation, fixed seed) so
that it takes about a minute and fails the same way twice.

Left out, because they would end the run's own login: ``/auth/logout``, and
edits of the logged-in owner's own account (see tests/support/schemathesis_hooks.py).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
          "ignored_auth", "unsupported_method")
MAX_EXAMPLES = os.environ.get("DESTEK_SCHEMATHESIS_EXAMPLES", "15")
SEED = os.environ.get("DESTEK_SCHEMATHESIS_SEED", "20261122")


def seed_some_tickets(base: str, token: str) -> None:
    """Give the generated requests real tickets to find (the document's example number is 2026-000001)."""
    headers = {"Authorization": f"Bearer {token}"}
    for index in range(3):
        answer = requests.post(f"{base}/tickets", headers=headers, timeout=30, json={
            "subject": f"Örnek talep {index}", "priority": 1 + index, "department_id": 1,
            "customer": {"name": "Örnek Müşteri", "email": f"ornek{index}@example.org"}})
        assert answer.status_code == 201, answer.text
    requests.post(f"{base}/categories", headers=headers, json={"name": "Kargo"}, timeout=30)


def test_generated_requests_find_no_server_error_and_no_answer_outside_the_document(system, tmp_path):
    origin = f"http://127.0.0.1:{system.port('gateway')}"
    login = requests.post(f"{origin}/api/v1/auth/login", timeout=30,
                          json={"email": "owner@example.com", "password": "destek-demo"})
    token, owner_id = login.json()["token"], login.json()["user"]["id"]
    seed_some_tickets(f"{origin}/api/v1", token)
    command = [str(Path(sys.executable).with_name("st")), "run", f"{origin}/api/v1/openapi.json", "--url", origin,
               "-H", f"Authorization: Bearer {token}", "--max-examples", MAX_EXAMPLES, "--seed", SEED,
               "--checks", ",".join(CHECKS), "--exclude-path", "/api/v1/auth/logout",  # it would end our session
               "--request-timeout", "20", "--no-shrink", "--workers", "2", "--warnings", "off"]
    hooks = {"SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks", "PYTHONPATH": str(ROOT),
             "DESTEK_SCHEMATHESIS_OWN_USER_ID": str(owner_id)}  # spares our own account's edits
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "NO_COLOR": "1", **hooks})
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    selected, total, tested = map(int, re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", run.stdout).groups())
    assert selected == tested == total - 1, run.stdout[-3000:]  # every operation but logout
    # The login the run used is still an owner's: owner-only operations were tested as such to the end.
    still_owner = requests.get(f"{origin}/api/v1/users", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert still_owner.status_code == 200, still_owner.text
