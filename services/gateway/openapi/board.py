"""OpenAPI fragment: a pipeline's Kanban board and moving a card."""
from services.gateway.openapi import error, json_body
from services.gateway.openapi.tickets import (FORBIDDEN_OPEN, ID, INVALID, NOT_FOUND, NUMBER, UNAUTHENTICATED,
                                              query, ticket_response)

CARD = {"type": "object", "properties": {
    "number": {"type": "string"}, "subject": {"type": "string"}, "customer_name": {"type": "string"},
    "priority": {"type": "integer"}, "status": {"type": "string"}, "assignee_id": {"type": ["integer", "null"]},
    "assignee_ai_agent": {"type": ["string", "null"]},
    "stage_entered_at": {"type": ["string", "null"], "format": "date-time"},
    "days_in_stage": {"type": ["integer", "null"]},
    "days_since_last_call": {"type": ["integer", "null"], "description": "null: never called"},
    "call_count": {"type": "integer"}}}

SCHEMAS = {
    "Board": {"type": "object", "required": ["pipeline", "columns"], "properties": {
        "pipeline": {"type": "object", "properties": {"id": ID, "name": {"type": "string"},
                                                      "type": {"type": "string", "enum": ["sales", "service"]}}},
        "columns": {"type": "array", "items": {"type": "object", "properties": {
            "stage": {"type": "object", "properties": {"id": ID, "name": {"type": "string"},
                                                       "position": {"type": "integer"}}},
            "count": {"type": ["integer", "null"], "description": "first page only; exact up to 1,000, estimated beyond"},
            "count_is_exact": {"type": ["boolean", "null"]},
            "cards": {"type": "array", "items": CARD},
            "next_cursor": {"type": ["string", "null"], "description": "with stage_id: the column's next cards"},
        }}}}},
}

PATHS = {
    "/pipelines/{pipeline_id}/board": {
        "parameters": [{"name": "pipeline_id", "in": "path", "required": True, "schema": ID}],
        "get": {"tags": ["board"], "summary": "The Kanban board: a column per stage, urgent and longest-waiting first",
                "parameters": [query("stage_id", ID, "one column only"),
                               query("cursor", {"type": "string"}, "the column's next_cursor (with stage_id)"),
                               query("limit", {"type": "integer", "minimum": 1, "maximum": 100},
                                     "cards per column, default 20"),
                               query("department_id", ID, "cards of one department")],
                "responses": {"200": json_body({"$ref": "#/components/schemas/Board"}), "401": UNAUTHENTICATED,
                              "404": error("No such pipeline or stage"), "422": INVALID}},
    },
    "/tickets/{number}/move": {
        "parameters": [NUMBER],
        "post": {"tags": ["board"], "summary": "Move a card to another stage of a pipeline of the same type",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["stage_id"], "additionalProperties": False,
                     "properties": {"stage_id": ID}}}}},
                 "responses": {"200": ticket_response("The moved ticket"), "401": UNAUTHENTICATED,
                               "403": FORBIDDEN_OPEN, "404": NOT_FOUND,
                               "422": error("No such stage, or a stage of a pipeline of the other type")}},
    },
}
