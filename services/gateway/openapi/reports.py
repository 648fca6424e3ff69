"""OpenAPI fragment: report figures for managers and owners."""
from services.gateway.openapi import error, json_body

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
                "responses": {"200": json_body({"$ref": "#/components/schemas/Summary"}),
                              "401": error("Not logged in"), "403": error("Reports are for managers and owners")}},
    },
}
