"""OpenAPI fragment: a department's mailbox settings (owners only)."""
from services.gateway.openapi import error, json_body

_SECURITY = {"type": "string", "enum": ["none", "starttls", "tls"]}
_DEPARTMENT_ID = {"name": "department_id", "in": "path", "required": True, "schema": {"type": "integer"}}

SCHEMAS = {
    "ImapSettings": {
        "type": "object", "description": "Where ingest reads the department's mail. The password is write-only.",
        "properties": {
            "enabled": {"type": "boolean"}, "host": {"type": ["string", "null"], "example": "imap.firma.com"},
            "port": {"type": ["integer", "null"], "description": "default 993 for tls, else 143"},
            "security": _SECURITY, "user": {"type": ["string", "null"]},
            "password": {"type": ["string", "null"], "writeOnly": True, "description": "null or \"\" clears it"},
            "password_set": {"type": "boolean", "readOnly": True},
            "folder": {"type": "string", "default": "INBOX"},
            "move_to": {"type": ["string", "null"],
                        "description": "move imported mail to this folder; null marks it \\Seen instead"},
        }},
    "SmtpSettings": {
        "type": "object", "description": "How notify sends the department's mail. The password is write-only.",
        "properties": {
            "host": {"type": "string", "example": "smtp.firma.com"},
            "port": {"type": ["integer", "null"], "description": "default 465 for tls, 587 starttls, 25 none"},
            "security": _SECURITY, "username": {"type": ["string", "null"]},
            "password": {"type": ["string", "null"], "writeOnly": True},
            "password_set": {"type": "boolean", "readOnly": True},
        }},
    "MailSettings": {
        "type": "object",
        "properties": {
            "department_id": {"type": "integer", "readOnly": True}, "email": {"type": "string", "readOnly": True},
            "name": {"type": "string", "readOnly": True}, "send_acknowledgement": {"type": "boolean"},
            "imap": {"oneOf": [{"$ref": "#/components/schemas/ImapSettings"}, {"type": "null"}]},
            "smtp": {"oneOf": [{"$ref": "#/components/schemas/SmtpSettings"}, {"type": "null"}],
                     "description": "null: the server-wide SMTP settings are used"},
        }},
}

_SETTINGS = {"$ref": "#/components/schemas/MailSettings"}

PATHS = {
    "/departments/{department_id}/mail-settings": {
        "get": {
            "summary": "A department's IMAP and SMTP settings, without passwords (owners)",
            "parameters": [_DEPARTMENT_ID],
            "responses": {"200": json_body(_SETTINGS), "401": error("Not logged in"),
                          "403": error("Not an owner"), "404": error("No such department")},
        },
        "put": {
            "summary": "Change them partially: fields left out keep their value (owners)",
            "parameters": [_DEPARTMENT_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _SETTINGS, "example": {
                "send_acknowledgement": True,
                "imap": {"enabled": True, "host": "imap.firma.com", "security": "tls",
                         "user": "destek@firma.com", "password": "uygulama-sifresi"},
                "smtp": {"host": "smtp.firma.com", "security": "starttls", "username": "destek@firma.com",
                         "password": "uygulama-sifresi"}}}}},
            "responses": {"200": json_body(_SETTINGS), "401": error("Not logged in"),
                          "403": error("Not an owner"), "404": error("No such department"),
                          "422": error("A setting is invalid; `field` names it, e.g. `imap.port`")},
        },
    },
}
