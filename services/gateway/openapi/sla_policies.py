"""OpenAPI fragment: SLA policies (per priority, per department, with a default) and departments' calendars."""
from services.gateway.openapi import error, json_body

_ID = {"name": "department_id", "in": "path", "required": True, "schema": {"type": "integer"}}
MOST_MINUTES = 525600  # a year
_MINUTES = {"type": "integer", "minimum": 1, "maximum": MOST_MINUTES}
_OPENS = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_CLOSES = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_REFUSED = {"401": error("Not logged in"), "403": error("Not an owner"),
            "422": error("An invalid field; `field` names it (message in Turkish and English)")}
_CALENDAR_FIELDS = {
    "always_open": {"type": "boolean", "description": "24/7: every minute counts"},
    "timezone": {"type": "string", "minLength": 1, "maxLength": 64, "description": "IANA name",
                 "default": "Europe/Istanbul"},
    "turkish_public_holidays": {"type": "boolean", "description": "closed on Turkish public holidays; "
                                                                  "their eves (arife) and 28 Ekim close at 13:00"},
}

SCHEMAS = {
    "SlaTargets": {"type": "object", "required": ["first_response_minutes", "resolution_minutes",
                                                  "update_every_minutes"], "properties": {
        "first_response_minutes": {"type": "integer"}, "resolution_minutes": {"type": "integer"},
        "update_every_minutes": {"type": ["integer", "null"], "description": "null: as needed (no clock)"}}},
    "SlaPolicy": {"type": "object", "required": ["targets", "pause_on_hold", "warn_percent"], "properties": {
        "targets": {"type": "object", "description": "by priority: 1 urgent, 2 high, 3 normal, 4 low",
                    "additionalProperties": {"$ref": "#/components/schemas/SlaTargets"}},
        "pause_on_hold": {"type": "boolean", "description": "on_hold pauses the clocks (pending always does)"},
        "warn_percent": {"type": "integer", "description": "sla_warning at this share of a target"}}},
    "SlaPolicies": {"type": "object", "required": ["default", "departments"], "properties": {
        "default": {"$ref": "#/components/schemas/SlaPolicy"},
        "departments": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/SlaPolicy"}}}},
    "DepartmentSlaPolicy": {"allOf": [{"$ref": "#/components/schemas/SlaPolicy"}, {
        "type": "object", "required": ["department_id", "inherited"], "properties": {
            "department_id": {"type": "integer"},
            "inherited": {"type": "boolean", "description": "the default policy: none of its own"}}}]},
    "SlaPolicyInput": {"type": "object", "additionalProperties": False, "properties": {
        "targets": {"type": "object", "propertyNames": {"pattern": "^[1-4]$"}, "additionalProperties": {
            "type": "object", "additionalProperties": False, "properties": {
                "first_response_minutes": _MINUTES, "resolution_minutes": _MINUTES,
                "update_every_minutes": {"type": ["integer", "null"], "minimum": 1, "maximum": MOST_MINUTES}}}},
        "pause_on_hold": {"type": "boolean"},
        "warn_percent": {"type": "integer", "minimum": 1, "maximum": 99}}},
    "WorkingDay": {"type": ["object", "null"], "description": "null: closed all day",
                   "required": ["opens", "closes"], "additionalProperties": False, "properties": {
                       "opens": {"type": "string", "pattern": _OPENS},
                       "closes": {"type": "string", "pattern": _CLOSES, "description": "24:00: until midnight"}}},
    "DepartmentCalendar": {"type": "object", "required": ["department_id", "inherited", "always_open", "timezone",
                                                          "turkish_public_holidays", "hours", "closed_days"],
                           "properties": {
                               "department_id": {"type": "integer"}, "inherited": {"type": "boolean"},
                               **_CALENDAR_FIELDS,
                               "hours": {"type": "object", "properties": {
                                   day: {"$ref": "#/components/schemas/WorkingDay"} for day in _WEEKDAYS}},
                               "closed_days": {"type": "array", "items": {"type": "string", "format": "date"}}}},
    "CalendarInput": {"type": "object", "additionalProperties": False, "properties": {
        **_CALENDAR_FIELDS,
        "hours": {"type": "object", "additionalProperties": False,
                  "description": "the whole week: a weekday left out is closed",
                  "properties": {day: {"$ref": "#/components/schemas/WorkingDay"} for day in _WEEKDAYS}},
        "closed_days": {"type": "array", "maxItems": 1000, "description": "extra closed days",
                        "items": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}}}},
}


def _body(schema: str, example: dict) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}, "example": example}}}


_POLICY_EXAMPLE = {"targets": {"1": {"first_response_minutes": 10, "resolution_minutes": 90,
                                     "update_every_minutes": 30}}, "pause_on_hold": True, "warn_percent": 80}
_CALENDAR_EXAMPLE = {"timezone": "Europe/Istanbul", "turkish_public_holidays": True,
                     "hours": {day: {"opens": "09:00", "closes": "18:00"} for day in _WEEKDAYS[:5]},
                     "closed_days": ["2026-12-31"]}
_NO_DEPARTMENT = error("No such department")

PATHS = {
    "/sla/policies": {
        "get": {"tags": ["sla"], "summary": "The default SLA policy and each department's own",
                "responses": {"200": json_body({"$ref": "#/components/schemas/SlaPolicies"}),
                              "401": error("Not logged in")}},
        "put": {"tags": ["sla"], "summary": "Change the default policy (owners); applies to clocks started from now",
                "requestBody": _body("SlaPolicyInput", _POLICY_EXAMPLE),
                "responses": {"200": json_body({"$ref": "#/components/schemas/DepartmentSlaPolicy"}), **_REFUSED}},
    },
    "/sla/policies/{department_id}": {
        "parameters": [_ID],
        "get": {"tags": ["sla"], "summary": "The policy of a department's new tickets",
                "responses": {"200": json_body({"$ref": "#/components/schemas/DepartmentSlaPolicy"}),
                              "401": error("Not logged in"), "404": _NO_DEPARTMENT,
                              "422": error("A department id out of range")}},
        "put": {"tags": ["sla"], "summary": "A department's own policy (owners); fields left out keep their value",
                "requestBody": _body("SlaPolicyInput", _POLICY_EXAMPLE),
                "responses": {"200": json_body({"$ref": "#/components/schemas/DepartmentSlaPolicy"}), **_REFUSED,
                              "404": _NO_DEPARTMENT}},
    },
    "/departments/{department_id}/calendar": {
        "parameters": [_ID],
        "get": {"tags": ["sla"], "summary": "The department's working calendar for SLA time",
                "responses": {"200": json_body({"$ref": "#/components/schemas/DepartmentCalendar"}),
                              "401": error("Not logged in"), "404": _NO_DEPARTMENT,
                              "422": error("A department id out of range")}},
        "put": {"tags": ["sla"], "summary": "Set the department's whole calendar (owners)",
                "requestBody": _body("CalendarInput", _CALENDAR_EXAMPLE),
                "responses": {"200": json_body({"$ref": "#/components/schemas/DepartmentCalendar"}), **_REFUSED,
                              "404": _NO_DEPARTMENT}},
    },
}
