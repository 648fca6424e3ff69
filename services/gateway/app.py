"""The gateway: Destek's HTTP API (``/api/v1``) over RPC to the services. ``create_app()`` builds it."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify
from sqlalchemy.orm import sessionmaker

from services.gateway import console, errors, metrics
from services.gateway.api import attachments, auth, held_mail, mail_settings, reports, tickets
from services.gateway.api import audit, calls, customers, departments, notes, users
from services.gateway.api import categories, deliveries, docs, notifications, pipelines, sla_policies, ticket_core
from services.gateway.api import assignment
from services.gateway.rpc import RpcPool
from services.shared.config import load_settings
from services.shared.database import make_engine
from services.shared.health import check_broker, check_database, readiness


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
                      departments.blueprint, audit.blueprint, deliveries.blueprint, notifications.blueprint,
                      ticket_core.blueprint, pipelines.blueprint, categories.blueprint, docs.blueprint,
                      sla_policies.blueprint, assignment.blueprint):
        app.register_blueprint(blueprint, url_prefix="/api/v1")
    app.register_blueprint(console.blueprint)
    app.teardown_appcontext(_release_request_resources)
    app.extensions["destek.amqp_uri"] = settings.amqp_uri
    app.add_url_rule("/health/live", "health_live", _health_live)
    app.add_url_rule("/health/ready", "health_ready", _health_ready)
    app.add_url_rule("/health", "health", _health_ready)  # as before liveness and readiness were told apart
    metrics.install(app)
    return app


def _release_request_resources(exc):
    proxy = g.pop("rpc", None)
    if proxy is not None:
        current_app.extensions["destek.rpc"].release(proxy, broken=exc is not None)
    session = g.pop("db", None)
    if session is not None:
        session.close()


def _health_live():
    """Liveness: the process answers."""
    return jsonify({"service": "gateway", "status": "ok"})


def _health_ready():
    """Readiness: the database answers and the broker takes a connection; 503 naming what is down."""
    with current_app.extensions["destek.sessions"]() as session:
        database = check_database(session)
    body, status = readiness("gateway", database=database,
                             broker=check_broker(current_app.extensions["destek.amqp_uri"]))
    return jsonify(body), status
