"""The gateway: Destek's HTTP API (``/api/v1``) over RPC to the services. ``create_app()`` builds it."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from services.gateway import console, errors, metrics
from services.gateway.api import attachments, auth, held_mail, mail_settings, reports, tickets
from services.gateway.api import audit, calls, customers, departments, notes, users
from services.gateway.api import categories, deliveries, docs, pipelines, ticket_core
from services.gateway.api import assignment
from services.gateway.rpc import RpcPool
from services.shared.config import load_settings
from services.shared.database import make_engine


def create_app(settings=None) -> Flask:
    """The Flask app with its blueprints, database sessions and RPC pool."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.json.ensure_ascii = False
    engine = make_engine(settings.database_url, pool_size=settings.max_workers)
    app.extensions["destek.sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.extensions["destek.rpc"] = RpcPool(settings.nameko_config("gateway"), size=settings.max_workers)
    errors.register(app)
    for blueprint in (auth.blueprint, tickets.blueprint, reports.blueprint, mail_settings.blueprint,
                      attachments.blueprint, held_mail.blueprint,
                      customers.blueprint, notes.blueprint, calls.blueprint, users.blueprint,
                      departments.blueprint, audit.blueprint, deliveries.blueprint,
                      ticket_core.blueprint, pipelines.blueprint, categories.blueprint, assignment.blueprint,
                      docs.blueprint):
        app.register_blueprint(blueprint, url_prefix="/api/v1")
    app.register_blueprint(console.blueprint)
    app.teardown_appcontext(_release_request_resources)
    app.add_url_rule("/health", "health", _health)
    metrics.install(app)
    return app


def _release_request_resources(exc):
    proxy = g.pop("rpc", None)
    if proxy is not None:
        current_app.extensions["destek.rpc"].release(proxy, broken=exc is not None)
    session = g.pop("db", None)
    if session is not None:
        session.close()


def _health():
    try:
        with current_app.extensions["destek.sessions"]() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # a health check reports, it does not raise
        return jsonify({"service": "gateway", "status": "failing", "database": str(exc)[:200]}), 503
    return jsonify({"service": "gateway", "status": "ok", "database": "ok"})
