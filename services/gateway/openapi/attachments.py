"""OpenAPI fragment: downloading a thread message's attachment, or an inbound mail as it arrived."""
from services.gateway.openapi import error

SCHEMAS = {
    "Attachment": {
        "type": "object", "description": "A file of a message, as listed in a ticket's `messages[].attachments`.",
        "properties": {
            "id": {"type": "integer"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
            "size": {"type": "integer"}, "inline": {"type": "boolean"},
            "content_id": {"type": ["string", "null"], "description": "what `cid:` in the HTML body refers to"},
            "kept": {"type": "boolean", "description": "false: over the size limit, listed but not stored"},
            "not_kept_reason": {"type": ["string", "null"], "example": "larger than the 25 MB limit"},
        }},
}

PATHS = {
    "/tickets/{number}/attachments/{attachment_id}": {
        "get": {
            "summary": "Download an attachment of a ticket you may open",
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
                 "example": "2026-000001"},
                {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "disposition", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["inline"]},
                 "description": "show a PNG, JPEG, GIF or WebP image instead of downloading it"},
            ],
            "responses": {
                "200": {"description": "The file", "content": {"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"}}}},
                "304": {"description": "Not modified (ETag is the file's SHA-256)"},
                "401": error("Not logged in"), "403": error("The ticket is assigned to someone else"),
                "404": error("No such ticket or attachment, or the file was not kept"),
            },
        },
    },
    "/tickets/{number}/messages/{message_id}/original": {
        "get": {
            "summary": "Download an inbound mail of a ticket you may open, exactly as it arrived (.eml)",
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
                 "example": "2026-000001"},
                {"name": "message_id", "in": "path", "required": True, "schema": {"type": "integer"},
                 "description": "the message's `id` in the ticket's `messages`"},
            ],
            "responses": {
                "200": {"description": "The mail", "content": {"message/rfc822": {
                    "schema": {"type": "string", "format": "binary"}}}},
                "304": {"description": "Not modified (ETag is the mail's SHA-256)"},
                "401": error("Not logged in"), "403": error("The ticket is assigned to someone else"),
                "404": error("No such ticket or message, or the message has no original (not mail, or a file "
                             "of it was over the size limit)"),
            },
        },
    },
}
