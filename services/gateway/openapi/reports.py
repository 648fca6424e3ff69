"""OpenAPI fragment: report figures for managers and owners."""
from services.gateway.openapi import error, json_body
from services.gateway.openapi.tickets import ID

SECONDS = {"type": ["number", "null"], "description": "null while there is nothing to average"}

SCHEMAS = {
    "Summary": {"type": "object", "properties": {
        "total_tickets": {"type": "integer"}, "open_tickets": {"type": "integer"},
        "responded_tickets": {"type": "integer"}, "avg_first_response_seconds": SECONDS,
        "avg_resolution_seconds": SECONDS}},
}

PATHS = {
    "/reports/summary": {
        "get": {"tags": ["reports"], "summary": "Totals and averages over the departments you manage (owners: all)",
                "parameters": [{"name": "department_id", "in": "query", "required": False,
                                "description": "only this department (one you manage)",
                                "schema": ID}],
                "responses": {"200": json_body({"$ref": "#/components/schemas/Summary"}),
                              "401": error("Not logged in"),
                              "403": error("Reports are for managers and owners, of the departments they manage"),
                              "422": error("department_id is not a department's id")}},
    },
}
