"""Waiting for what the bus delivers a moment later."""
from __future__ import annotations

import time


def eventually(check, timeout: float = 10.0, interval: float = 0.05):
    """Poll ``check()`` until it returns something truthy and return that; its last answer after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
