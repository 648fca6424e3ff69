"""OpenAPI fragment: pipelines and their stages (owners change them)."""
from services.gateway.openapi import error, json_body
from services.gateway.openapi.tickets import ID, INVALID, UNAUTHENTICATED

NAME = {"type": "string", "minLength": 1, "maxLength": 100}
POSITION = {"type": ["integer", "null"], "minimum": 0, "description": "0 first; null or absent: last"}
OWNERS = error("Only owners change pipelines")
NO_PIPELINE = error("No such pipeline or stage")
PIPELINE_ID = {"name": "pipeline_id", "in": "path", "required": True, "schema": ID}
STAGE_ID = {"name": "stage_id", "in": "path", "required": True, "schema": ID}
PIPELINE = json_body({"$ref": "#/components/schemas/Pipeline"})
PIPELINES = json_body({"type": "object", "required": ["items"], "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Pipeline"}}}})


def body(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def ids(name: str) -> dict:
    return body({name: {"type": "array", "items": ID, "description": "every id, in the new order"}}, [name])


def owner_responses(ok: dict, conflict: str | None = None, not_found: bool = True) -> dict:
    responses = {**ok, "401": UNAUTHENTICATED, "403": OWNERS, "422": INVALID}
    if not_found:
        responses["404"] = NO_PIPELINE
    if conflict:
        responses["409"] = error(conflict)
    return responses


SCHEMAS = {
    "Pipeline": {"type": "object", "required": ["id", "name", "type", "stages"], "properties": {
        "id": ID, "name": {"type": "string"}, "type": {"type": "string", "enum": ["sales", "service"]},
        "position": {"type": "integer"},
        "stages": {"type": "array", "items": {"type": "object", "properties": {
            "id": ID, "name": {"type": "string"}, "position": {"type": "integer"}}}}}},
}

PATHS = {
    "/pipelines": {
        "get": {"tags": ["pipelines"], "summary": "Every pipeline with its stages, in order",
                "responses": {"200": PIPELINES, "401": UNAUTHENTICATED}},
        "post": {"tags": ["pipelines"], "summary": "Create a pipeline",
                 "requestBody": body({"name": NAME, "type": {"type": "string", "enum": ["sales", "service"]},
                                      "stages": {"type": ["array", "null"], "maxItems": 30, "items": NAME}},
                                     ["name", "type"]),
                 "responses": owner_responses({"201": PIPELINE}, "A pipeline of that name exists", False)},
    },
    "/pipelines/reorder": {
        "post": {"tags": ["pipelines"], "summary": "Put the pipelines in a new order",
                 "requestBody": ids("pipeline_ids"), "responses": owner_responses({"200": PIPELINES}, None, False)},
    },
    "/pipelines/{pipeline_id}": {
        "parameters": [PIPELINE_ID],
        "get": {"tags": ["pipelines"], "summary": "One pipeline with its stages",
                "responses": {"200": PIPELINE, "401": UNAUTHENTICATED, "404": NO_PIPELINE}},
        "patch": {"tags": ["pipelines"], "summary": "Rename a pipeline, or change its type while it is empty",
                  "requestBody": body({"name": NAME, "type": {"type": "string", "enum": ["sales", "service"]}}),
                  "responses": owner_responses({"200": PIPELINE}, "Name taken, or tickets are in it")},
        "delete": {"tags": ["pipelines"], "summary": "Delete an empty pipeline",
                   "responses": owner_responses({"204": {"description": "Deleted"}}, "Tickets are in it")},
    },
    "/pipelines/{pipeline_id}/stages": {
        "parameters": [PIPELINE_ID],
        "post": {"tags": ["pipelines"], "summary": "Add a stage (at the end unless a position is given)",
                 "requestBody": body({"name": NAME, "position": POSITION}, ["name"]),
                 "responses": owner_responses({"201": PIPELINE}, "Name taken, or too many stages")},
    },
    "/pipelines/{pipeline_id}/stages/reorder": {
        "parameters": [PIPELINE_ID],
        "post": {"tags": ["pipelines"], "summary": "Put a pipeline's stages in a new order",
                 "requestBody": ids("stage_ids"), "responses": owner_responses({"200": PIPELINE})},
    },
    "/pipelines/{pipeline_id}/stages/{stage_id}": {
        "parameters": [PIPELINE_ID, STAGE_ID],
        "patch": {"tags": ["pipelines"], "summary": "Rename a stage",
                  "requestBody": body({"name": NAME}, ["name"]),
                  "responses": owner_responses({"200": PIPELINE}, "Name taken")},
        "delete": {"tags": ["pipelines"], "summary": "Delete a stage no ticket is in",
                   "responses": owner_responses({"204": {"description": "Deleted"}}, "Tickets are in it")},
    },
}
