"""OpenAPI fragment: the audit trail (owners only)."""
from services.gateway.openapi import error, json_body

_TIME = {"type": "string", "format": "date-time"}
# Any ISO 8601 form is read, a date alone too, so the parameter is not documented as RFC 3339 date-time.
_TIME_FILTER = {"type": "string"}
_TIME_FILTER_MEANS = "an ISO 8601 time (`2026-11-01T00:00:00+03:00`); a date alone (`2026-11-01`) is its midnight UTC"

SCHEMAS = {
    "AuditEntry": {
        "type": "object",
        "required": ["id", "at", "actor_user_id", "actor_email", "action", "object_type", "object_id", "details"],
        "properties": {
            "id": {"type": "integer"}, "at": _TIME,
            "actor_user_id": {"type": ["integer", "null"], "description": "null for failed logins"},
            "actor_email": {"type": ["string", "null"]},
            "action": {"type": "string", "examples": ["login", "login_failed", "logout", "created", "updated",
                                                      "deleted", "merged", "linked", "unlinked"]},
            "object_type": {"type": "string",
                            "examples": ["user", "customer", "department", "note", "call", "ticket"]},
            "object_id": {"type": ["string", "null"]},
            "details": {"type": "object", "description": "e.g. `{\"changes\": {\"name\": [old, new]}}`; never "
                                                         "passwords or note text"},
        }},
}

PATHS = {
    "/audit": {
        "get": {
            "summary": "The audit trail, newest first (owners)",
            "parameters": [
                {"name": "actor", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                 "description": "the acting user's id"},
                {"name": "action", "in": "query", "schema": {"type": "string"}, "example": "deleted"},
                {"name": "object_type", "in": "query", "schema": {"type": "string"}, "example": "customer"},
                {"name": "object_id", "in": "query", "schema": {"type": "string"}},
                {"name": "from", "in": "query", "schema": _TIME_FILTER, "example": "2026-11-01T00:00:00+03:00",
                 "description": _TIME_FILTER_MEANS},
                {"name": "to", "in": "query", "schema": _TIME_FILTER, "description": _TIME_FILTER_MEANS},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                {"name": "cursor", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807},
                 "description": "the `next_cursor` of the previous page"},
            ],
            "responses": {"200": json_body({"type": "object", "required": ["items", "next_cursor"], "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
                "next_cursor": {"type": ["integer", "null"]}}}),
                "401": error("Not logged in"), "403": error("Not an owner"),
                "422": error("A bad filter; `field` names it")},
        },
    },
}
