"""The OpenAPI document matches the real API: every route is documented and every documented route exists."""
from __future__ import annotations

import re

from services.gateway.app import create_app
from services.gateway.openapi import build_document
from services.shared.config import Settings

UNDOCUMENTED = {"/api/v1/openapi.json", "/api/v1/docs"}  # the documents themselves


def routes() -> set[tuple[str, str]]:
    settings = Settings(amqp_uri="amqp://guest:guest@127.0.0.1:5672/", database_url="postgresql://localhost/x",
                        host="127.0.0.1", max_workers=1)
    app = create_app(settings)  # builds no connection until a request needs one
    found = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        if path.startswith("/api/v1/") and path not in UNDOCUMENTED:
            found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in build_document()["paths"].items()
            for method in item if method in ("get", "post", "put", "patch", "delete")}


def test_every_route_of_the_api_is_in_the_openapi_document():
    assert routes() - documented() == set()


def test_every_operation_in_the_openapi_document_exists():
    assert documented() - routes() == set()


def test_every_operation_documents_its_errors_in_the_one_error_format():
    for path, item in build_document()["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
