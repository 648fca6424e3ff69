"""OpenAPI fragment: call records, linking them to tickets, and a ticket's calls."""
from services.gateway.openapi import error, json_body

_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
           "example": "2026-000001"}
_CALL_ID = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CALL = {"$ref": "#/components/schemas/Call"}
_OUTCOME = {"type": "string", "enum": ["success", "failed", "no_answer"]}
_DIRECTION = {"type": "string", "enum": ["inbound", "outbound"]}
_INPUT_PROPERTIES = {
    "provider_call_id": {"type": ["string", "null"], "maxLength": 200,
                         "description": "the telephony provider's id: the same id is recorded once"},
    "ticket_number": {"type": ["string", "null"], "maxLength": 50},
    "customer_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2147483647},
    "phone": {"type": ["string", "null"], "maxLength": 50, "description": "any format; finds or creates the customer"},
    "direction": _DIRECTION,
    "started_at": {"type": ["string", "null"], "format": "date-time", "description": "default: now"},
    "duration_seconds": {"type": ["integer", "null"], "minimum": 0, "maximum": 86400},
    "outcome": _OUTCOME,
    "summary": {"type": ["string", "null"], "maxLength": 20000, "description": "the AI agent's summary"},
}
_EXAMPLE = {"provider_call_id": "call-8f2c", "phone": "0555 123 45 67", "direction": "inbound",
            "started_at": "2026-11-22T10:00:00+03:00", "duration_seconds": 95, "outcome": "success",
            "summary": "Müşteri kargonun yerini sordu; yarın teslim edilecek."}
_CREATED = {"201": json_body(_CALL, "Recorded"),
            "200": json_body(_CALL, "This provider call id was recorded before: the first record")}
_SEE = {"401": error("Not logged in"),
        "403": error("The ticket is assigned to someone else, or the call is on no ticket and you are no manager"),
        "404": error("No such call or ticket, or not in your departments")}

SCHEMAS = {
    "Call": {
        "type": "object",
        "required": ["id", "provider_call_id", "ticket_number", "customer_id", "direction", "phone", "started_at",
                     "duration_seconds", "outcome", "summary", "recorded_by_user_id", "created_at"],
        "properties": {
            "id": {"type": "integer"}, "provider_call_id": {"type": ["string", "null"]},
            "ticket_number": {"type": ["string", "null"]}, "customer_id": {"type": ["integer", "null"]},
            "direction": _DIRECTION, "phone": {"type": ["string", "null"]},
            "started_at": {"type": "string", "format": "date-time"}, "duration_seconds": {"type": "integer"},
            "outcome": _OUTCOME, "summary": {"type": "string"},
            "recorded_by_user_id": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        }},
    "CallInput": {"type": "object", "required": ["outcome"], "additionalProperties": False,
                  "properties": _INPUT_PROPERTIES},
}

_INPUT = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/CallInput"}, "example": _EXAMPLE}}}
_TICKET_INPUT = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["ticket_number"], "additionalProperties": False,
    "properties": {"ticket_number": {"type": "string", "maxLength": 50}}}, "example": {"ticket_number": "2026-000001"}}}}

PATHS = {
    "/tickets/{number}/calls": {
        "get": {"summary": "A ticket's calls, newest first, with its card figures",
                "parameters": [_NUMBER],
                "responses": {"200": json_body({"type": "object", "required": ["items", "call_count", "last_call_at"],
                                                "properties": {"items": {"type": "array", "items": _CALL},
                                                               "call_count": {"type": "integer"},
                                                               "last_call_at": {"type": ["string", "null"],
                                                                                "format": "date-time"}}}),
                              **_SEE}},
        "post": {"summary": "Record a call on this ticket (whoever may open it)",
                 "parameters": [_NUMBER], "requestBody": _INPUT,
                 "responses": {**_CREATED, **_SEE, "422": error("An invalid field; `field` names it")}},
    },
    "/calls": {
        "get": {"summary": "Calls of your departments' tickets and calls on no ticket (managers, owners)",
                "parameters": [
                    {"name": "linked", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                    {"name": "customer_id", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                                 "maximum": 2147483647}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                                 "maximum": 1000000}}],
                "responses": {"200": json_body({"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": _CALL}, "total": {"type": "integer"}}}),
                    "401": error("Not logged in"), "403": error("Not a manager or owner"),
                    "422": error("A bad parameter; `field` names it")}},
        "post": {"summary": "Record a call, on a ticket (`ticket_number`) or on none yet (managers, owners)",
                 "requestBody": _INPUT,
                 "responses": {**_CREATED, **_SEE, "422": error("An invalid field; `field` names it")}},
    },
    "/calls/{call_id}": {
        "get": {"summary": "One call", "parameters": [_CALL_ID], "responses": {"200": json_body(_CALL), **_SEE}},
        "delete": {"summary": "Delete a call record (managers of the ticket's department, owners)",
                   "parameters": [_CALL_ID], "responses": {"204": {"description": "Deleted"}, **_SEE}},
    },
    "/calls/{call_id}/link": {
        "post": {"summary": "Put a call on a ticket (moving it off another one)", "parameters": [_CALL_ID],
                 "requestBody": _TICKET_INPUT,
                 "responses": {"200": json_body(_CALL), **_SEE, "422": error("`ticket_number` is missing")}},
    },
    "/calls/{call_id}/unlink": {
        "post": {"summary": "Take a call off its ticket; the record stays", "parameters": [_CALL_ID],
                 "responses": {"200": json_body(_CALL), **_SEE}},
    },
}
