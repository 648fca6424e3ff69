"""OpenAPI fragment: the logged-in user's notifications, marking them read, and their notification settings."""
from services.gateway.openapi import error, json_body

KINDS = ["ticket_assigned", "customer_wrote", "new_unassigned", "sla_breached"]
CHOICE = {"type": "string", "enum": ["console", "console_and_email", "off"],
          "description": "console: in the notification list only; console_and_email: also by mail from the "
                         "department's address (a burst gathered into one digest); off: not at all"}
TEXT = {"type": "object", "required": ["tr", "en"], "description": "what the notification says, in Turkish and English",
        "properties": {"tr": {"type": "string"}, "en": {"type": "string"}}}
SETTINGS_BODY = {"type": "object", "additionalProperties": False, "properties": {kind: CHOICE for kind in KINDS},
                 "examples": [{"new_unassigned": "off", "customer_wrote": "console"}]}
SETTINGS = {
    "type": "object", "required": ["kinds", "defaults", "always_on"],
    "properties": {
        "kinds": {"type": "object", "description": "how the user is told of each kind now",
                  "properties": {kind: CHOICE for kind in KINDS}},
        "defaults": {"type": "object", "properties": {kind: CHOICE for kind in KINDS}},
        "always_on": {"type": "array", "items": {"type": "string", "enum": KINDS},
                      "description": "kinds that cannot be turned off (managers are always told of SLA breaches)"},
    }}
WRONG = {"422": error("A field is wrong; `field` names it"),
         "401": error("Not logged in")}

SCHEMAS = {
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "ticket_number", "title", "link", "created_at", "read", "read_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": KINDS,
                     "description": "ticket_assigned: a ticket was assigned or handed to you; customer_wrote: the "
                                    "customer wrote on your ticket; new_unassigned: a ticket nobody holds came to "
                                    "your department; sla_breached: a ticket of your department broke its SLA "
                                    "(managers)"},
            "ticket_number": {"type": "string", "examples": ["2026-000001"]},
            "title": TEXT,
            "link": {"type": "string", "examples": ["/tickets/2026-000001"],
                     "description": "the ticket in the console"},
            "created_at": {"type": "string", "format": "date-time"},
            "read": {"type": "boolean"},
            "read_at": {"type": ["string", "null"], "format": "date-time"},
        }},
    "NotificationSettings": SETTINGS,
}

PATHS = {
    "/notifications": {
        "get": {
            "tags": ["notifications"],
            "summary": "The logged-in user's notifications, newest first, with how many are unread",
            "parameters": [
                {"name": "unread_only", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                {"name": "before_id", "in": "query", "description": "the next page: those older than this id",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 2 ** 63 - 1}}],
            "responses": {
                "200": json_body({"type": "object", "required": ["items", "unread"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}},
                    "unread": {"type": "integer", "description": "all unread notifications of the user"}}}),
                **WRONG},
        },
    },
    "/notifications/read": {
        "post": {
            "tags": ["notifications"],
            "summary": "Mark some (ids) or all (all: true) of the logged-in user's notifications read",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False,
                "examples": [{"ids": [4, 5]}, {"all": True}],
                "properties": {
                    "ids": {"type": "array", "minItems": 1, "maxItems": 1000,
                            "items": {"type": "integer", "minimum": 1, "maximum": 2 ** 63 - 1}},
                    "all": {"type": "boolean"}}}}}},
            "responses": {
                "200": json_body({"type": "object", "required": ["marked", "unread"], "properties": {
                    "marked": {"type": "integer"}, "unread": {"type": "integer"}}}),
                **WRONG},
        },
    },
    "/users/me/notification-settings": {
        "get": {
            "tags": ["notifications"],
            "summary": "How the logged-in user is told of each kind of notification",
            "responses": {"200": json_body({"$ref": "#/components/schemas/NotificationSettings"}), **WRONG},
        },
        "put": {
            "tags": ["notifications"],
            "summary": "Change how the logged-in user is told of some kinds (those left out keep their choice)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": SETTINGS_BODY}}},
            "responses": {"200": json_body({"$ref": "#/components/schemas/NotificationSettings"}), **WRONG},
        },
    },
}
