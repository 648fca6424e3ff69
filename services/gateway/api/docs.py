"""``/api/v1/openapi.json`` (the OpenAPI 3 document) and ``/api/v1/docs`` (the same, for people to read).

Both are public: the document describes the API, it holds no data. The page
is plain HTML and JavaScript shipped with the gateway, with no CDN, so it
works on a machine without internet access.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify

from services.gateway.openapi import build_document

blueprint = Blueprint("docs", __name__)
PAGE = Path(__file__).with_name("api_docs.html")


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(build_document())


@blueprint.get("/docs")
def api_docs_page():
    return Response(PAGE.read_bytes(), mimetype="text/html")
