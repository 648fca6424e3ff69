"""OpenAPI fragment: the category tree (two levels; owners change it)."""
from services.gateway.openapi import error, json_body
from services.gateway.openapi.pipelines import NAME, POSITION, body
from services.gateway.openapi.tickets import ID, INVALID, UNAUTHENTICATED

CATEGORY = {"type": "object", "properties": {"id": ID, "name": {"type": "string"}, "position": {"type": "integer"},
                                             "parent_id": {"type": ["integer", "null"]}}}
CATEGORY_ID = {"name": "category_id", "in": "path", "required": True, "schema": ID}
OWNERS = error("Only owners change categories")

SCHEMAS = {
    "CategoryTree": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {
            "id": ID, "name": {"type": "string"}, "position": {"type": "integer"},
            "children": {"type": "array", "items": {"type": "object", "properties": {
                "id": ID, "name": {"type": "string"}, "position": {"type": "integer"}}}}}}}}},
}

PATHS = {
    "/categories": {
        "get": {"tags": ["categories"], "summary": "The category tree, in order",
                "responses": {"200": json_body({"$ref": "#/components/schemas/CategoryTree"}),
                              "401": UNAUTHENTICATED}},
        "post": {"tags": ["categories"], "summary": "Create a category, or a subcategory under parent_id",
                 "requestBody": body({"name": NAME, "parent_id": {"type": ["integer", "null"], "minimum": 1},
                                      "position": POSITION}, ["name"]),
                 "responses": {"201": json_body(CATEGORY), "401": UNAUTHENTICATED, "403": OWNERS,
                               "409": error("A category of that name is already there"), "422": INVALID}},
    },
    "/categories/{category_id}": {
        "parameters": [CATEGORY_ID],
        "patch": {"tags": ["categories"], "summary": "Rename a category or move it among its siblings",
                  "requestBody": body({"name": NAME, "position": {"type": "integer", "minimum": 0}}),
                  "responses": {"200": json_body(CATEGORY), "401": UNAUTHENTICATED, "403": OWNERS,
                                "404": error("No such category"), "409": error("Name taken"), "422": INVALID}},
        "delete": {"tags": ["categories"], "summary": "Delete a category without subcategories",
                   "responses": {"204": {"description": "Deleted; its tickets become uncategorised"},
                                 "401": UNAUTHENTICATED, "403": OWNERS, "404": error("No such category"),
                                 "409": error("It has subcategories")}},
    },
}
