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


@blueprint.get("/")
def index():
    return send_from_directory(HERE / "static", "console.html")


@blueprint.get("/console/<path:name>")
def asset(name):
    return send_from_directory(HERE / "static", name)


@blueprint.get("/console/i18n/<language>.json")
def strings(language):
    if language not in LANGUAGES:
        abort(404)
    return jsonify(catalog(language))
