"""OpenAPI fragment: tickets — list and search, open, read, change, delete, reply."""
from services.gateway.openapi import error, json_body
from services.shared.contracts.tickets import STATUSES as TICKET_STATUSES

STATUSES = list(TICKET_STATUSES)
CHANNELS = ["email", "whatsapp", "chat", "web_form", "phone", "manual"]
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": 2147483647}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_TEXT = {"type": ["string", "null"]}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "tracking number, e.g. 2026-000123 (a leading # is accepted)", "example": "2026-000001"}
UNAUTHENTICATED = error("Not logged in, or the session has ended")
FORBIDDEN_OPEN = error("The ticket is assigned to someone else (agents open only their own tickets)")
NOT_FOUND = error("No such ticket, or not in your departments")
INVALID = error("A field or parameter is wrong; `field` names it")


def ticket_response(description: str = "The ticket with its thread") -> dict:
    return json_body({"$ref": "#/components/schemas/Ticket"}, description)


def named(properties: dict) -> dict:
    return {"type": ["object", "null"], "properties": properties}


SUMMARY = {
    "number": {"type": "string", "example": "2026-000123"}, "subject": {"type": "string"},
    "status": {"type": "string", "enum": STATUSES}, "priority": {"type": "integer", "minimum": 1, "maximum": 4,
                                                                 "description": "1 urgent, 2 high, 3 normal, 4 low"},
    "channel": {"type": "string"},
    "department": {"type": "object", "properties": {"id": ID, "name": {"type": "string"},
                                                     "email": {"type": "string"}}},
    "customer": {"type": "object", "properties": {"id": ID, "name": {"type": "string"}, "email": NULLABLE_TEXT,
                                                   "phone": NULLABLE_TEXT}},
    "assignee_id": NULLABLE_ID, "assignee_ai_agent": NULLABLE_TEXT, "category_id": NULLABLE_ID,
    "subcategory_id": NULLABLE_ID, "pipeline_id": NULLABLE_ID, "stage_id": NULLABLE_ID,
    "stage_entered_at": NULLABLE_TIME, "created_at": TIME, "updated_at": TIME,
}
MESSAGE = {"type": "object", "properties": {
    "id": ID, "direction": {"type": "string", "enum": ["inbound", "outbound"]}, "channel": {"type": "string"},
    "message_id": NULLABLE_TEXT, "subject": {"type": "string"}, "from_name": {"type": "string"},
    "from_email": {"type": "string"},
    "reply_to": {**NULLABLE_TEXT, "description": "inbound mail: its Reply-To, where agents' answers go when "
                                                 "the customer sent it"},
    "to": {"type": "array", "items": {"type": "string"}},
    "cc": {"type": "array", "items": {"type": "string"}, "description": "inbound mail: who the sender copied"},
    "body_text": {"type": "string"}, "body_html": NULLABLE_TEXT, "reply_text": {"type": "string"},
    "is_auto_submitted": {"type": "boolean"}, "author_user_id": NULLABLE_ID,
    "delivery_status": {"type": ["string", "null"], "enum": ["queued", "sent", "failed", None]},
    "delivery_error": NULLABLE_TEXT,
    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    "original": {"type": ["object", "null"], "properties": {"size": {"type": "integer"}},
                 "description": "inbound mail as it arrived, downloadable from `messages/{id}/original`; null: "
                                "not mail, or a file of it was over the size limit"},
    "parse_notes": {"type": "array", "items": {"type": "string"},
                    "description": "what reading the mail had to guess, e.g. an unknown charset"},
    "created_at": TIME}}
DETAIL = {
    **SUMMARY, "description": {"type": "string"}, "first_response_at": NULLABLE_TIME, "resolved_at": NULLABLE_TIME,
    "closed_at": NULLABLE_TIME, "first_response_seconds": {"type": ["integer", "null"]},
    "resolution_seconds": {"type": ["integer", "null"]}, "time_in_stage_seconds": {"type": ["integer", "null"]},
    "pipeline": named({"id": ID, "name": {"type": "string"}, "type": {"type": "string", "enum": ["sales", "service"]}}),
    "stage": named({"id": ID, "name": {"type": "string"}}),
    "category": named({"id": ID, "name": {"type": "string"}}),
    "subcategory": named({"id": ID, "name": {"type": "string"}}),
    "assignee": named({"id": ID, "name": {"type": "string"}}),
    "call_count": {"type": "integer"}, "last_call_at": NULLABLE_TIME, "linked_ticket_number": NULLABLE_TEXT,
    "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
}
EDITABLE = {
    "subject": {"type": "string", "minLength": 1, "maxLength": 500},
    "description": {"type": ["string", "null"], "maxLength": 100000, "description": "null empties it"},
    "priority": {"type": "integer", "minimum": 1, "maximum": 4},
    "category_id": NULLABLE_ID, "subcategory_id": NULLABLE_ID,
    "assignee_id": {**NULLABLE_ID, "description": "managers and owners only"},
    "assignee_ai_agent": {"type": ["string", "null"], "minLength": 1, "maxLength": 100,
                          "description": "an AI agent instead of a user; managers and owners only"},
    "pipeline_id": ID, "stage_id": ID,
}

SCHEMAS = {
    "TicketSummary": {"type": "object", "required": ["number", "subject", "status", "priority"],
                      "properties": SUMMARY},
    "Ticket": {"type": "object", "required": ["number", "subject", "status", "priority", "messages"],
               "properties": DETAIL},
    "Message": MESSAGE,
    "TicketList": {"type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/TicketSummary"}},
        "total": {"type": ["integer", "null"], "description": "first page only; exact up to 1,000, estimated beyond"},
        "total_is_exact": {"type": ["boolean", "null"]},
        "next_cursor": {"type": ["string", "null"], "description": "pass as `cursor` for the next page"}}},
    "NewTicket": {"type": "object", "additionalProperties": False,
                  "required": ["subject", "priority", "department_id"], "properties": {
        **EDITABLE, "department_id": ID, "pipeline_id": NULLABLE_ID, "stage_id": NULLABLE_ID,
        "customer": {"type": ["object", "null"], "additionalProperties": False,
                     "description": "email and/or phone",
                     "properties": {"name": {"type": "string", "maxLength": 200},
                                    "email": {"type": "string", "maxLength": 320},
                                    "phone": {"type": "string", "maxLength": 320}}},
        "customer_id": {**NULLABLE_ID, "description": "instead of `customer`"},
        "channel": {"type": ["string", "null"], "enum": [*CHANNELS, None], "description": "default manual"},
        "message": {"type": ["string", "null"], "maxLength": 100000,
                    "description": "mailed to the customer as the ticket's first reply"}}},
    "TicketChanges": {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        **EDITABLE, "status": {"type": "string", "enum": STATUSES},
        "department_id": {**ID, "description": "transfer; a manager of both departments, or an owner"}}},
}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


LIST_PARAMETERS = [
    query("status", {"type": "string"}, "one or more statuses, comma-separated: open,pending"),
    query("priority", {"type": "string"}, "one or more of 1-4, comma-separated"),
    query("department_id", ID, "one department"),
    query("assignee", {"type": "string"}, "a user id, `mine`, `unassigned` or `ai`"),
    query("pipeline_id", ID, "tickets in this pipeline"), query("stage_id", ID, "tickets in this stage"),
    query("category_id", ID, "category or subcategory"), query("customer_id", ID, "one customer's tickets"),
    *(query(name, {"type": "string"}, "a date (2026-11-22, a whole Istanbul day) or an ISO 8601 time")
      for name in ("created_from", "created_to", "updated_from", "updated_to")),
    query("q", {"type": "string", "maxLength": 200}, "tracking number, phone (any format), email, or words of "
          "the subject and customer; Turkish-aware (istanbul finds İSTANBUL)"),
    query("sort", {"type": "string", "enum": ["created", "-created", "updated", "-updated", "priority",
                                               "-priority", "time_in_stage", "-time_in_stage"]},
          "a leading - sorts descending; default -updated"),
    query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "page size, default 50"),
    query("cursor", {"type": "string"}, "next_cursor of the previous page"),
    query("offset", {"type": "integer", "minimum": 0, "maximum": 10000}, "rows to skip (prefer cursor)"),
]

PATHS = {
    "/tickets": {
        "get": {"tags": ["tickets"], "summary": "List and search the tickets of your departments",
                "parameters": LIST_PARAMETERS,
                "responses": {"200": json_body({"$ref": "#/components/schemas/TicketList"}),
                              "401": UNAUTHENTICATED, "422": INVALID}},
        "post": {"tags": ["tickets"], "summary": "Open a ticket (agents: assigned to themselves)",
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"$ref": "#/components/schemas/NewTicket"}}}},
                 "responses": {"201": ticket_response("The new ticket"), "401": UNAUTHENTICATED,
                               "403": error("Not a member of that department, or an agent assigning someone else"),
                               "409": error("The customer's email or phone belongs to another customer"),
                               "422": INVALID}},
    },
    "/tickets/{number}": {
        "parameters": [NUMBER],
        "get": {"tags": ["tickets"], "summary": "A ticket with its customer, department and thread",
                "responses": {"200": ticket_response(), "401": UNAUTHENTICATED, "403": FORBIDDEN_OPEN,
                              "404": NOT_FOUND}},
        "patch": {"tags": ["tickets"],
                  "summary": "Change status, priority, subject, description, category, assignee, department, stage",
                  "requestBody": {"required": True, "content": {"application/json": {
                      "schema": {"$ref": "#/components/schemas/TicketChanges"}}}},
                  "responses": {"200": ticket_response("The changed ticket"), "401": UNAUTHENTICATED,
                                "403": error("Agents cannot reassign; transfers need a manager of both departments"),
                                "404": NOT_FOUND, "409": error("The workflow does not allow that status change"),
                                "422": INVALID}},
        "delete": {"tags": ["tickets"], "summary": "Delete a ticket for good (owners, the department's managers)",
                   "description": "Its thread, notes and history go; the customer and call records stay.",
                   "responses": {"204": {"description": "Deleted"}, "401": UNAUTHENTICATED,
                                 "403": error("Only owners and the department's managers delete tickets"),
                                 "404": NOT_FOUND}},
    },
    "/tickets/{number}/replies": {
        "parameters": [NUMBER],
        "post": {"tags": ["tickets"], "summary": "Answer the customer; the mail goes out from the department",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["body"], "properties": {
                         "body": {"type": "string", "minLength": 1},
                         "attachments": {"type": "array", "items": {"type": "object", "properties": {
                             "filename": {"type": "string"}, "content_type": {"type": "string"},
                             "content_base64": {"type": "string"}}}}}}}}},
                 "responses": {"201": json_body({"$ref": "#/components/schemas/Message"}, "The outbound message"),
                               "401": UNAUTHENTICATED, "403": FORBIDDEN_OPEN, "404": NOT_FOUND,
                               "413": error("Attachments too large"), "422": INVALID}},
    },
}
