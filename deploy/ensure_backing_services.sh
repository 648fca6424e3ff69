#!/usr/bin/env bash
# Make sure the local PostgreSQL and RabbitMQ answer; start them if they are installed but down.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 1; done
  echo "nothing answers on 127.0.0.1:$1 after 60s ($2)" >&2; return 1
}

if ! port_open 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_port 5432 PostgreSQL
fi
if ! port_open 5672; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached
  wait_port 5672 RabbitMQ
fi
# The test suite gives each test its own RabbitMQ vhost through the management API.
if ! port_open 15672; then
  rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null
  wait_port 15672 "RabbitMQ management"
fi
