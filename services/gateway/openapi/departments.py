"""OpenAPI fragment: departments (everyone reads them; owners administer them)."""
from services.gateway.openapi import error, json_body

_ID = {"name": "department_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_DEPARTMENT = {"$ref": "#/components/schemas/Department"}
_PROPERTIES = {
    "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"}, "email": {"type": "string", "maxLength": 254},
    "is_default": {"type": "boolean", "description": "receives mail addressed to no known department; "
                                                     "exactly one department is the default"},
    "send_acknowledgement": {"type": "boolean"},
}
_OWNER = {"401": error("Not logged in"), "403": error("Not an owner")}

SCHEMAS = {
    "Department": {
        "type": "object",
        "required": ["id", "name", "email", "is_default", "send_acknowledgement", "created_at"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
                       "is_default": {"type": "boolean"}, "send_acknowledgement": {"type": "boolean"},
                       "created_at": {"type": "string", "format": "date-time"}}},
    "DepartmentInput": {"type": "object", "additionalProperties": False, "properties": _PROPERTIES},
    "NewDepartment": {"type": "object", "additionalProperties": False, "required": ["name", "email"],
                      "properties": _PROPERTIES},
}


def _body(schema: str, example: dict) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}, "example": example}}}


PATHS = {
    "/departments": {
        "get": {"summary": "Every department (everyone logged in)", "responses": {"200": json_body({
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": _DEPARTMENT}}}), "401": error("Not logged in")}},
        "post": {"summary": "Create a department (owners)",
                 "requestBody": _body("NewDepartment", {"name": "Muhasebe", "email": "muhasebe@firma.com"}),
                 "responses": {"201": json_body(_DEPARTMENT, "Created"), **_OWNER,
                               "409": error("Another department has this name or email"),
                               "422": error("An invalid field; `field` names it")}},
    },
    "/departments/{department_id}": {
        "get": {"summary": "One department", "parameters": [_ID],
                "responses": {"200": json_body(_DEPARTMENT), "401": error("Not logged in"),
                              "404": error("No such department")}},
        "patch": {"summary": "Edit a department; `is_default: true` moves the default mark here (owners)",
                  "parameters": [_ID], "requestBody": _body("DepartmentInput", {"is_default": True}),
                  "responses": {"200": json_body(_DEPARTMENT), **_OWNER, "404": error("No such department"),
                                "409": error("Name or email taken, or un-marking the default department"),
                                "422": error("An invalid field; `field` names it")}},
        "delete": {"summary": "Delete a department with no tickets that is not the default (owners)",
                   "parameters": [_ID],
                   "responses": {"204": {"description": "Deleted"}, **_OWNER, "404": error("No such department"),
                                 "409": error("The default department, or one that holds tickets")}},
    },
}
