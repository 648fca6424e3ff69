"""Errors that cross the bus: raised by a service, re-raised as the same type in its caller.

They are part of the services' contract, like events, so they live here. Each
carries a message for people and, where one field is at fault, that field's
name; the gateway maps each type to one HTTP status in one table.
"""
from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


class DestekError(Exception):
    """Base of the errors a caller can act on."""

    code = "error"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict:
        """The wire form used in every 4xx answer."""
        return {"code": self.code, "message": self.message, "field": self.field}


@deserialize_to_instance
class InvalidInput(DestekError):
    code = "invalid_input"


@deserialize_to_instance
class NotFound(DestekError):
    code = "not_found"


@deserialize_to_instance
class Forbidden(DestekError):
    code = "forbidden"


@deserialize_to_instance
class Unauthenticated(DestekError):
    code = "unauthenticated"


@deserialize_to_instance
class Conflict(DestekError):
    code = "conflict"


@deserialize_to_instance
class AccountLocked(DestekError):
    code = "account_locked"
