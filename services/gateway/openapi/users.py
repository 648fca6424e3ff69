"""OpenAPI fragment: users and their department roles (owners only)."""
from services.gateway.openapi import error, json_body

_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_USER = {"$ref": "#/components/schemas/UserAccount"}
_ROLES = {"type": "object", "additionalProperties": {"type": "string", "enum": ["agent", "manager"]},
          "description": "department id → role", "example": {"1": "agent", "2": "manager"}}
_PROPERTIES = {
    "email": {"type": "string", "maxLength": 254}, "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
    "password": {"type": "string", "writeOnly": True, "minLength": 10, "maxLength": 256,
                 "description": "at least 10 characters, not containing the email's name part, not a common "
                                "password; setting it also lifts a lockout"},
    "is_owner": {"type": "boolean"}, "is_active": {"type": "boolean", "description": "false: deactivated"},
    "departments": _ROLES,
}
_OWNER = {"401": error("Not logged in"), "403": error("Not an owner")}
_ABSENT = {"404": error("No such user")}

SCHEMAS = {
    "UserAccount": {
        "type": "object",
        "required": ["id", "email", "name", "is_owner", "is_active", "departments", "locked_until", "created_at"],
        "properties": {
            "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
            "is_owner": {"type": "boolean"}, "is_active": {"type": "boolean"}, "departments": _ROLES,
            "locked_until": {"type": ["string", "null"], "format": "date-time",
                             "description": "set while locked out after repeated failed logins"},
            "created_at": {"type": "string", "format": "date-time"},
        }},
    "UserInput": {"type": "object", "additionalProperties": False, "properties": _PROPERTIES},
    "NewUser": {"type": "object", "additionalProperties": False, "required": ["email", "name", "password"],
                "properties": _PROPERTIES},
}


def _body(schema: str, example: dict) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}, "example": example}}}


PATHS = {
    "/users": {
        "get": {"summary": "Every user (owners)", "responses": {"200": json_body({
            "type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": _USER}}}),
            **_OWNER}},
        "post": {"summary": "Create a user with a password and department roles (owners)",
                 "requestBody": _body("NewUser", {"email": "yeni@firma.com", "name": "Yeni Temsilci",
                                                  "password": "mavi kedi bisiklet sürer",
                                                  "departments": {"1": "agent"}}),
                 "responses": {"201": json_body(_USER, "Created"), **_OWNER,
                               "409": error("Another user has this email"),
                               "422": error("An invalid field, e.g. a weak `password`")}},
    },
    "/users/{user_id}": {
        "get": {"summary": "One user (owners)", "parameters": [_ID],
                "responses": {"200": json_body(_USER), **_OWNER, **_ABSENT}},
        "patch": {"summary": "Edit, deactivate (`is_active: false`), set roles or a new password (owners)",
                  "parameters": [_ID], "requestBody": _body("UserInput", {"is_active": False}),
                  "responses": {"200": json_body(_USER), **_OWNER, **_ABSENT,
                                "409": error("The email is taken, or no active owner would remain, or you "
                                             "would deactivate yourself"),
                                "422": error("An invalid field; `field` names it")}},
        "delete": {"summary": "Delete a user who has left no traces (owners); otherwise deactivate them",
                   "parameters": [_ID],
                   "responses": {"204": {"description": "Deleted"}, **_OWNER, **_ABSENT,
                                 "409": error("The user has tickets, replies, notes or calls, is you, or is "
                                              "the last active owner")}},
    },
}
