"""schemathesis hooks for tests/test_api_schema.py, loaded through ``SCHEMATHESIS_HOOKS``.

The run acts as one owner with one token. Generated edits of that owner's own
account (``is_owner: false`` once another owner exists, a new email or
password) would leave the rest of the run without owner rights, or without a
way to log in again, so they are not generated. Every other account is fair
game, and so is every other operation on this path.
"""
from __future__ import annotations

import os

import schemathesis

OWN_USER_ID = os.environ.get("DESTEK_SCHEMATHESIS_OWN_USER_ID", "")


# Applies to the coverage, fuzzing and stateful phases; the examples phase sends only the documented example
# (``{"is_active": false}``), which the API refuses for one's own account anyway.
@schemathesis.hook("filter_case").apply_to(path="/api/v1/users/{user_id}", method="PATCH")
def spare_own_account(context, case) -> bool:
    return str((case.path_parameters or {}).get("user_id")) != OWN_USER_ID
