"""OpenAPI fragment: logging in for a bearer token, logging out, who am I."""
from services.gateway.openapi import error, json_body

USER = {"type": "object", "required": ["id", "email", "name", "is_owner", "departments"], "properties": {
    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
    "is_owner": {"type": "boolean"},
    "departments": {"type": "object", "additionalProperties": {"type": "string", "enum": ["agent", "manager"]},
                    "description": "department id → role", "example": {"1": "manager"}}}}

SCHEMAS = {
    "User": USER,
    "Login": {"type": "object", "required": ["token", "token_type", "idle_timeout_seconds", "user"], "properties": {
        "token": {"type": "string"}, "token_type": {"type": "string", "enum": ["Bearer"]},
        "idle_timeout_seconds": {"type": "integer"}, "user": {"$ref": "#/components/schemas/User"}}},
}

PATHS = {
    "/auth/login": {
        "post": {"tags": ["auth"], "summary": "Log in; send the token as `Authorization: Bearer <token>`",
                 "security": [],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["email", "password"], "properties": {
                         "email": {"type": "string", "minLength": 1, "example": "agent@example.com"},
                         "password": {"type": "string", "minLength": 1}}}}}},
                 "responses": {"200": json_body({"$ref": "#/components/schemas/Login"}),
                               "401": error("Email or password is wrong"),
                               "422": error("email or password missing"),
                               "423": error("Locked after repeated failures; the message says until when")}},
    },
    "/auth/logout": {
        "post": {"tags": ["auth"], "summary": "Log out: the token stops working",
                 "responses": {"204": {"description": "Logged out"}, "401": error("Not logged in")}},
    },
    "/auth/me": {
        "get": {"tags": ["auth"], "summary": "The logged-in user with their department roles",
                "responses": {"200": json_body({"$ref": "#/components/schemas/User"}),
                              "401": error("Not logged in")}},
    },
}
