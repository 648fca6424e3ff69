"""OpenAPI fragment: customers — find, read, create, edit, delete, merge, ticket history."""
from services.gateway.openapi import error, json_body

_ID = {"name": "customer_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PAGE = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
         {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000000}}]
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_CONTACT = {"type": "object", "required": ["kind", "value"], "additionalProperties": False,
            "properties": {"kind": {"type": "string", "enum": ["email", "phone"]},
                           "value": {"type": "string", "maxLength": 254}}}
_INPUT_PROPERTIES = {
    "name": {"type": ["string", "null"], "maxLength": 200, "example": "Ayşe Yılmaz"},
    "email": {"type": ["string", "null"], "maxLength": 254, "example": "ayse@musteri.com.tr",
              "description": "stored lower-case; must be unique among customers"},
    "phone": {"type": ["string", "null"], "maxLength": 50, "example": "0555 123 45 67",
              "description": "any common format; stored as E.164 (+905551234567); unique among customers"},
    "contacts": {"type": "array", "maxItems": 20, "items": _CONTACT,
                 "description": "further addresses and numbers; replaces the list"},
}
_WRONG = {"401": error("Not logged in"), "404": error("No such customer, or not one of your departments'")}

SCHEMAS = {
    "Customer": {
        "type": "object",
        "required": ["id", "name", "email", "phone", "contacts", "ticket_count", "last_contact_at", "created_at",
                     "updated_at", "merged_into_id"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "email": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
            "contacts": {"type": "array", "items": _CONTACT},
            "ticket_count": {"type": "integer", "description": "all the customer's tickets, in every department"},
            "last_contact_at": _NULLABLE_TIME, "created_at": _TIME, "updated_at": _TIME,
            "merged_into_id": {"type": ["integer", "null"],
                               "description": "set once merged: the customer it now lives on as"},
        }},
    "CustomerList": {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Customer"}},
        "total": {"type": "integer"}}},
    "CustomerTickets": {"type": "object", "required": ["items", "total", "last_contact_at"], "properties": {
        "items": {"type": "array", "items": {"type": "object", "required": ["number", "subject", "status"]}},
        "total": {"type": "integer"}, "last_contact_at": _NULLABLE_TIME}},
    "CustomerInput": {"type": "object", "additionalProperties": False, "properties": _INPUT_PROPERTIES},
}

_CUSTOMER = {"$ref": "#/components/schemas/Customer"}
_INPUT = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/CustomerInput"},
    "example": {"name": "Ayşe Yılmaz", "email": "ayse@musteri.com.tr", "phone": "0555 123 45 67"}}}}

PATHS = {
    "/customers": {
        "get": {
            "summary": "Customers you may see, last contacted first; search by name, email or phone (any format)",
            "description": "Owners see every customer; others see customers with a ticket in one of their "
                           "departments and customers with no ticket yet. Merged customers are not listed.",
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
                            "description": "`ayşe`, `AYSE@musteri.com.tr`, `0555 123 45 67`, `123 45`"}, *_PAGE],
            "responses": {"200": json_body({"$ref": "#/components/schemas/CustomerList"}),
                          "401": error("Not logged in"), "422": error("A bad parameter; `field` names it")},
        },
        "post": {
            "summary": "Enter a customer by hand (at least a name, an email or a phone)",
            "requestBody": _INPUT,
            "responses": {"201": json_body(_CUSTOMER, "Created"), "401": error("Not logged in"),
                          "409": error("Another customer already has this email or phone; `field` names which"),
                          "422": error("An invalid field, e.g. an email or phone that is not one")},
        },
    },
    "/customers/{customer_id}": {
        "get": {"summary": "A customer with contacts, total ticket count and last contact time",
                "parameters": [_ID], "responses": {"200": json_body(_CUSTOMER), **_WRONG}},
        "patch": {
            "summary": "Edit a customer's details (agents, managers, owners); every change is audited",
            "parameters": [_ID], "requestBody": _INPUT,
            "responses": {"200": json_body(_CUSTOMER), **_WRONG,
                          "409": error("Another customer already has this email or phone"),
                          "422": error("An invalid field; `field` names it")},
        },
        "delete": {
            "summary": "Delete a customer who has no tickets and no calls (managers, owners)",
            "parameters": [_ID],
            "responses": {"204": {"description": "Deleted"}, **_WRONG, "403": error("Not a manager or owner"),
                          "409": error("The customer has tickets or calls, or is part of a merge")},
        },
    },
    "/customers/{customer_id}/merge": {
        "post": {
            "summary": "Merge this customer into another (managers, owners): tickets, calls and contacts move",
            "description": "The merge is recorded (who, when, what moved); this customer is then hidden from "
                           "lists and shows `merged_into_id`.",
            "parameters": [_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["into"], "additionalProperties": False,
                "properties": {"into": {"type": "integer", "description": "the customer that remains"}}},
                "example": {"into": 7}}}},
            "responses": {"200": json_body(_CUSTOMER, "The customer that remains, as it is now"), **_WRONG,
                          "403": error("Not a manager or owner"),
                          "409": error("One of the two was already merged"),
                          "422": error("`into` is missing, not a customer id, or this customer itself")},
        },
    },
    "/customers/{customer_id}/tickets": {
        "get": {
            "summary": "The customer's ticket history, newest first (tickets of your departments; owners: all)",
            "parameters": [_ID, *_PAGE],
            "responses": {"200": json_body({"$ref": "#/components/schemas/CustomerTickets"}), **_WRONG,
                          "422": error("A bad parameter; `field` names it")},
        },
    },
}
