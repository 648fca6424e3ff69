"""OpenAPI fragment: a ticket's change history."""
from services.gateway.openapi import json_body
from services.gateway.openapi.tickets import FORBIDDEN_OPEN, NOT_FOUND, NUMBER, UNAUTHENTICATED

SCHEMAS = {
    "TicketHistory": {"type": "object", "required": ["ticket_number", "items"], "properties": {
        "ticket_number": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "at": {"type": "string", "format": "date-time"},
            "actor": {"type": "string", "description": "user:<id>, customer or system"},
            "actor_name": {"type": "string"},
            "field": {"type": "string", "example": "status"},
            "old": {"type": ["string", "null"]}, "new": {"type": ["string", "null"]}}}}}},
}

PATHS = {
    "/tickets/{number}/history": {
        "parameters": [NUMBER],
        "get": {"tags": ["tickets"], "summary": "Every change of a ticket (who, when, field, old → new), oldest first",
                "responses": {"200": json_body({"$ref": "#/components/schemas/TicketHistory"}),
                              "401": UNAUTHENTICATED, "403": FORBIDDEN_OPEN, "404": NOT_FOUND}},
    },
}
