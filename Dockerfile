# syntax=docker/dockerfile:1
# One image for every Destek process: the installed package (services, gateway with its console,
# migrations) and its console scripts. Each container runs one command:
#   destek-tickets | destek-ingest | destek-notify | destek-sla | destek-reports   a nameko service
#   gunicorn services.gateway.wsgi:app ...                                          the HTTP gateway
#   destek-migrate                                                                  once per release
# (deploy/compose.yaml and deploy/kubernetes/ give the exact commands.)
# The console's assets are plain files shipped as package data: the wheel built here carries them
# and tests/test_deploy_files.py checks that it does.

FROM python:3.11.14-slim-trixie AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY services ./services
COPY deploy ./deploy
# Wheels of the package and of every pinned dependency; the runtime stage installs them offline.
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11.14-slim-trixie
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BIND_HOST=0.0.0.0 \
    ATTACHMENT_STORE_DIR=/var/lib/destek/attachments
# --no-index: only the wheels built above, so the image holds exactly the versions pinned in pyproject.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels /wheels/*.whl \
    && groupadd --system --gid 10001 destek \
    && useradd --system --uid 10001 --gid destek --home-dir /var/lib/destek --shell /usr/sbin/nologin destek \
    && mkdir -p /var/lib/destek/attachments /var/lib/destek/mail-outbox \
    && chown -R destek:destek /var/lib/destek
# The attachment store (and mail archive) must be shared by ingest, tickets, notify and the gateway.
VOLUME ["/var/lib/destek/attachments"]
WORKDIR /var/lib/destek
USER 10001:10001
EXPOSE 8000 8001 8002 8003 8004 8005
# Each process has its own port and its own /health/live and /health/ready: the orchestrator probes
# them (compose healthcheck, Kubernetes probes), not one image-wide check.
HEALTHCHECK NONE
CMD ["destek-tickets"]
