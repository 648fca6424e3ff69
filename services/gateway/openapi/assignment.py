"""OpenAPI fragment: automatic assignment, people's availability, handing an agent's tickets back."""
from services.gateway.openapi import error, json_body

_DEPARTMENT_ID = {"name": "department_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_STANDARD = {"401": error("Not logged in"), "422": error("A field is invalid; `field` names it")}

SCHEMAS = {
    "AssignmentSetting": {
        "type": "object", "required": ["mode"], "additionalProperties": False,
        "description": "Who a department's new tickets go to: nobody (off), the next available agent after the "
                       "last one (round_robin), or the available agent with the fewest open tickets (least_open).",
        "properties": {
            "department_id": {"type": "integer", "readOnly": True},
            "mode": {"type": "string", "enum": ["off", "round_robin", "least_open"]},
            "max_open_per_agent": {"type": ["integer", "null"], "minimum": 1, "maximum": 10000,
                                   "description": "an agent with this many open tickets gets no more; null: no cap"},
            "unassigned_open": {"type": "integer", "readOnly": True,
                                "description": "open tickets of the department nobody is assigned"},
        }},
    "Availability": {
        "type": "object", "required": ["status"], "additionalProperties": False,
        "properties": {
            "user_id": {"type": "integer", "readOnly": True},
            "status": {"type": "string", "enum": ["available", "away"]},
            "away_until": {"type": ["string", "null"], "format": "date-time",
                           "description": "with away: out of office until then, available again afterwards"},
            "available": {"type": "boolean", "readOnly": True},
        }},
    "HandBack": {
        "type": "object", "required": ["to_user_id"], "additionalProperties": False,
        "properties": {"to_user_id": {"type": ["integer", "null"], "minimum": 1,
                                      "description": "a colleague in the tickets' departments; null: the pool"}}},
    "HandedBack": {
        "type": "object", "properties": {
            "user_id": {"type": "integer"}, "to_user_id": {"type": ["integer", "null"]},
            "ticket_numbers": {"type": "array", "items": {"type": "string"}}}},
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


PATHS = {
    "/departments/{department_id}/assignment": {
        "get": {
            "summary": "A department's automatic assignment and its unassigned open tickets (its members)",
            "parameters": [_DEPARTMENT_ID],
            "responses": {"200": json_body(_ref("AssignmentSetting")), **_STANDARD,
                          "403": error("Not a member of the department"), "404": error("No such department")},
        },
        "put": {
            "summary": "Set it (owners, the department's managers)",
            "parameters": [_DEPARTMENT_ID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("AssignmentSetting"), "example": {"mode": "round_robin", "max_open_per_agent": 20}}}},
            "responses": {"200": json_body(_ref("AssignmentSetting")), **_STANDARD,
                          "403": error("Not an owner or a manager of the department"),
                          "404": error("No such department")},
        },
    },
    "/users/me/availability": {
        "put": {
            "summary": "Set your own availability: available, or away (until a date)",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("Availability"),
                "example": {"status": "away", "away_until": "2026-12-20T09:00:00+03:00"}}}},
            "responses": {"200": json_body(_ref("Availability")), **_STANDARD},
        },
    },
    "/users/{user_id}/hand-back": {
        "post": {
            "summary": "Hand every open ticket of a user to a colleague or back to the pool "
                       "(managers: their departments' tickets; owners: all)",
            "parameters": [_USER_ID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("HandBack"), "example": {"to_user_id": None}}}},
            "responses": {"200": json_body(_ref("HandedBack")), **_STANDARD,
                          "403": error("Not a manager or an owner"), "404": error("No such user")},
        },
    },
}
