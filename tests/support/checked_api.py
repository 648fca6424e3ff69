"""An HTTP client for the gateway that holds every answer to the published OpenAPI document.

Each response's status must be documented for its path and method, every 4xx
must be in the one error format, and a JSON body must match the documented
schema — the same promises schemathesis checks, kept by every test request.
"""
from __future__ import annotations

import re
from functools import lru_cache

import jsonschema_rs
import requests

from services.gateway.openapi import build_document


@lru_cache(maxsize=1)
def _templates() -> list[tuple[re.Pattern, str]]:
    """Documented paths as regular expressions, literal paths before templated ones."""
    paths = sorted(build_document()["paths"], key=lambda p: (p.count("{"), p))
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in paths]


def documented_path(path: str) -> str:
    for pattern, template in _templates():
        if pattern.match(path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def check_against_document(method: str, path: str, response: requests.Response) -> None:
    """Fail unless the answer is one the document promises for this path and method."""
    document = build_document()
    template = documented_path(path.split("?")[0])
    operation = document["paths"][template].get(method.lower())
    assert operation, f"{method} {template} is not documented"
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{method} {path} answered {response.status_code}, which is not documented: {response.text}"
    if 400 <= response.status_code < 500:
        assert set(response.json()["error"]) == {"code", "message", "field"}, response.text
    content = documented.get("content", {}).get("application/json")
    if content is None:
        assert not response.content, f"{method} {path} should answer without a body"
        return
    schema = {**content["schema"], "components": document["components"]}
    errors = [e.message for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(response.json())]
    assert not errors, f"{method} {path} {response.status_code} contradicts the schema: {errors[:3]}"


class CheckedApi:
    """``api = CheckedApi(base, token)``; ``api.get("/customers", q="ayşe")`` → a checked response."""

    def __init__(self, base: str, token: str | None = None):
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    @classmethod
    def login(cls, base: str, email: str, password: str = "destek-demo") -> "CheckedApi":
        answer = requests.post(f"{base}/auth/login", json={"email": email, "password": password}, timeout=30)
        assert answer.status_code == 200, answer.text
        return cls(base, answer.json()["token"])

    def request(self, method: str, path: str, body=None, **params) -> requests.Response:
        response = requests.request(method, self.base + path, headers=self.headers, json=body,
                                    params=params or None, timeout=30)
        check_against_document(method, "/api/v1" + path, response)
        return response

    def get(self, path: str, **params) -> requests.Response:
        return self.request("GET", path, **params)

    def post(self, path: str, body=None) -> requests.Response:
        return self.request("POST", path, body if body is not None else {})

    def patch(self, path: str, body) -> requests.Response:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> requests.Response:
        return self.request("DELETE", path)
