"""OpenAPI fragment: a ticket's SLA clocks."""
from services.gateway.openapi import json_body
from services.gateway.openapi.tickets import FORBIDDEN_OPEN, NOT_FOUND, NUMBER, UNAUTHENTICATED

TIME = {"type": "string", "format": "date-time"}

SCHEMAS = {
    "TicketSla": {"type": "object", "required": ["ticket_number", "clocks"], "properties": {
        "ticket_number": {"type": "string"},
        "clocks": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["first_response", "resolution", "next_update"]},
            "state": {"type": "string"}, "calendar": {"type": "string"}, "priority": {"type": "integer"},
            "target_seconds": {"type": "integer"}, "started_at": TIME, "due_at": TIME,
            "stopped_at": {"type": ["string", "null"], "format": "date-time"}, "paused": {"type": "boolean"},
            "warn_at": {"type": ["string", "null"], "format": "date-time"},
            "warned_at": {"type": ["string", "null"], "format": "date-time"},
            "breached_at": {"type": ["string", "null"], "format": "date-time"},
            "remaining_seconds": {"type": ["integer", "null"], "description": "negative once breached"}}}}}},
}

PATHS = {
    "/tickets/{number}/sla": {
        "parameters": [NUMBER],
        "get": {"tags": ["sla"], "summary": "The ticket's SLA clocks: deadlines, state, time left",
                "responses": {"200": json_body({"$ref": "#/components/schemas/TicketSla"}),
                              "401": UNAUTHENTICATED, "403": FORBIDDEN_OPEN, "404": NOT_FOUND}},
    },
}
