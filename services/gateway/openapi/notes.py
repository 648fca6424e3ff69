"""OpenAPI fragment: internal notes on a ticket — for the team only, encrypted at rest."""
from services.gateway.openapi import error, json_body

_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
           "example": "2026-000001"}
_NOTE_ID = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["body"], "additionalProperties": False,
    "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": "\\S"}}},
    "example": {"body": "Müşteri yarın tekrar arayacak; kargo firmasıyla görüştüm."}}}}
_OPEN = {"401": error("Not logged in"), "403": error("The ticket is assigned to someone else"),
         "404": error("No such ticket (or note), or not in your departments")}
_NOTE = {"$ref": "#/components/schemas/Note"}

SCHEMAS = {
    "Note": {
        "type": "object",
        "required": ["id", "ticket_number", "body", "author", "created_at", "updated_at", "edited"],
        "properties": {
            "id": {"type": "integer"}, "ticket_number": {"type": "string"},
            "body": {"type": ["string", "null"],
                     "description": "null only when the key that encrypted it is no longer configured"},
            "author": {"type": "object", "required": ["id", "name"],
                       "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"}, "edited": {"type": "boolean"},
        }},
}

PATHS = {
    "/tickets/{number}/notes": {
        "get": {"summary": "A ticket's internal notes, newest first (whoever may open the ticket)",
                "parameters": [_NUMBER],
                "responses": {"200": json_body({"type": "object", "required": ["items"], "properties": {
                    "items": {"type": "array", "items": _NOTE}}}), **_OPEN}},
        "post": {"summary": "Write an internal note: never sent to the customer",
                 "parameters": [_NUMBER], "requestBody": _BODY,
                 "responses": {"201": json_body(_NOTE, "Created"), **_OPEN,
                               "422": error("The body is missing or empty")}},
    },
    "/tickets/{number}/notes/{note_id}": {
        "patch": {"summary": "Edit a note (its author, a manager of the ticket's department, or an owner)",
                  "parameters": [_NUMBER, _NOTE_ID], "requestBody": _BODY,
                  "responses": {"200": json_body(_NOTE), **_OPEN, "422": error("The body is missing or empty")}},
        "delete": {"summary": "Delete a note (its author, a manager of the ticket's department, or an owner)",
                   "parameters": [_NUMBER, _NOTE_ID],
                   "responses": {"204": {"description": "Deleted"}, **_OPEN}},
    },
}
