"""OpenAPI fragment: where outgoing mail goes and whether it is getting there (owners)."""
from services.gateway.openapi import error, json_body

MOMENT = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS = {
    "DeliveryDestination": {
        "type": "object",
        "required": ["destination", "channel", "state", "deliveries_waiting"],
        "properties": {
            "destination": {"type": "string", "examples": ["smtp:department:2", "smtp:default"],
                            "description": "where deliveries go: a department's SMTP server today "
                                           "(`smtp:department:<id>`, `smtp:default` for the installation's)"},
            "channel": {"type": "string", "examples": ["smtp"]},
            "state": {"type": "string", "enum": ["healthy", "failing"],
                      "description": "failing: its last round could not send; nothing goes to it but one "
                                     "probe per backoff, and other destinations are not held up"},
            "failing_since": MOMENT,
            "failures_in_a_row": {"type": "integer"},
            "last_error": {"type": ["string", "null"], "description": "the server's answer or why there was none"},
            "deliveries_waiting": {"type": "integer", "description": "not yet sent (pending or being sent)"},
            "deliveries_sending": {"type": "integer"},
            "oldest_waiting_since": MOMENT,
            "next_attempt_at": {**MOMENT, "description": "when mail next goes to it; null when nothing waits"},
            "last_sent_at": MOMENT,
        }},
}

PATHS = {
    "/deliveries/destinations": {
        "get": {
            "tags": ["deliveries"],
            "summary": "Each destination of outgoing mail with its state and queue, failing ones first (owners)",
            "responses": {
                "200": json_body({"type": "object", "required": ["items"], "properties": {"items": {
                    "type": "array", "items": {"$ref": "#/components/schemas/DeliveryDestination"}}}}),
                "401": error("Not logged in"),
                "403": error("Not an owner (the message is in Turkish and English)")},
        },
    },
}
