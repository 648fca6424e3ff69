"""The OpenAPI 3 document of ``/api/v1``, assembled from one fragment module per feature.

Each module in this package defines ``PATHS`` (OpenAPI path items, keyed by
path under ``/api/v1``) and may define ``SCHEMAS`` (component schemas). The
error format and the bearer scheme are declared once, here.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "field"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "field": {"type": ["string", "null"]}}}},
}


def error(description: str) -> dict:
    """A response in the one error format."""
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def json_body(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@lru_cache(maxsize=1)
def build_document() -> dict:
    """The whole document, built once per process."""
    paths, schemas = {}, {"Error": ERROR_SCHEMA}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        paths.update({f"/api/v1{path}": item for path, item in module.PATHS.items()})
        schemas.update(getattr(module, "SCHEMAS", {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Destek API", "version": "1",
                 "description": "Helpdesk API. Log in at /auth/login and send the token as a Bearer header."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
