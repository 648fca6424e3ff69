"""The password policy: long enough, not the email, not a common password, not a repeated pattern."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from services.shared.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_DISTINCT_CHARACTERS = 4
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
_TRAILING_DIGITS_AND_MARKS = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, email: str, common: frozenset[str] | None = None) -> None:
    """Refuse a weak password (InvalidInput naming ``password``, saying why); return quietly for a good one."""
    common = common_passwords() if common is None else common
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_LENGTH} characters long", "password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"password must be at most {MAX_LENGTH} characters long", "password")
    lowered = password.lower()
    local_part = (email or "").split("@", 1)[0].lower()
    if len(local_part) >= 3 and local_part in lowered:
        raise InvalidInput("password must not contain the email address or its name part", "password")
    stem = _TRAILING_DIGITS_AND_MARKS.sub("", lowered)
    if lowered in common or (len(stem) >= 4 and stem in common):
        raise InvalidInput("password is too common; choose a longer phrase of unrelated words", "password")
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        raise InvalidInput("password repeats too few characters; choose a longer phrase of unrelated words", "password")
