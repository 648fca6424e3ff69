"""OpenAPI fragment: inbound mail held for an operator (over the sender rate limit, or unusable)."""
from services.gateway.openapi import error, json_body

SCHEMAS = {
    "HeldMail": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "department_id": {"type": "integer"},
            "reason": {"type": "string", "enum": ["rate_limited", "failed"]},
            "error": {"type": ["string", "null"]}, "message_id": {"type": "string"},
            "from_email": {"type": "string"}, "subject": {"type": "string"},
            "status": {"type": "string", "enum": ["held", "released"]},
            "created_at": {"type": "string", "format": "date-time"},
            "released_at": {"type": ["string", "null"], "format": "date-time"},
        }},
}

PATHS = {
    "/held-mail": {
        "get": {
            "summary": "Inbound mail held in the departments you manage (owners: all), newest first",
            "parameters": [{"name": "status", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": ["held", "released"], "default": "held"}}],
            "responses": {"200": json_body({"type": "object", "properties": {"items": {
                "type": "array", "items": {"$ref": "#/components/schemas/HeldMail"}}}}),
                "401": error("Not logged in"), "422": error("`status` is not held or released, or given twice")},
        },
    },
    "/held-mail/{held_id}/release": {
        "post": {
            "summary": "Let a held mail into its ticket, past the rate limit (managers of its department, owners)",
            "parameters": [{"name": "held_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": json_body({"type": "object", "properties": {
                "status": {"type": "string"}, "ticket_number": {"type": ["string", "null"]},
                "message_id": {"type": "string"}}}),
                "401": error("Not logged in"), "403": error("Not a manager of the department"),
                "404": error("No such held mail"), "409": error("Already released")},
        },
    },
}
