"""The web console: a small page over the same /api/v1 an integration would use.

Its strings live in ``i18n/<language>.json`` (Turkish and English); times are
shown in Europe/Istanbul whatever the browser's zone.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, jsonify, send_from_directory

HERE = Path(__file__).resolve().parent
LANGUAGES = ("tr", "en")

blueprint = Blueprint("console", __name__)


@lru_cache(maxsize=None)
def catalog(language: str) -> dict:
    """The UI strings of one language."""
    return json.loads((HERE / "i18n" / f"{language}.json").read_text(encoding="utf-8"))


# The page runs only its own script and talks only to its own API. Images: its own, inline mail images
# (data:), and remote mail images, which the page asks for only when an agent says so. No one may frame it.
CONSOLE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; "
                  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@blueprint.get("/")
def index():
    page = send_from_directory(HERE / "static", "console.html")
    page.headers["Content-Security-Policy"] = CONSOLE_POLICY
    page.headers["X-Content-Type-Options"] = "nosniff"
    return page


@blueprint.get("/console/<path:name>")
def asset(name):
    return send_from_directory(HERE / "static", name)


@blueprint.get("/console/i18n/<language>.json")
def strings(language):
    if language not in LANGUAGES:
        abort(404)
    return jsonify(catalog(language))
