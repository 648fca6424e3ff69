#!/usr/bin/env bash
# `make test`: the whole suite in four parts run side by side, then each part's report.
#
# Most of the suite's time is spent waiting (services starting, brokers and databases answering),
# not computing, so three parts at once take about as long as the longest alone. Each part is its
# own pytest process, hence its own database (destek_test_<pid>), end-to-end sandbox and vhosts.
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
LOGS=var/test-logs
mkdir -p "$LOGS"
# Every service folder but tickets makes the third part, found afresh so that a new service is never left out.
others=$(find services -mindepth 1 -maxdepth 1 -type d ! -name tickets ! -name __pycache__ | sort | tr '\n' ' ')
# The chaos run (tests/test_chaos.py) is a part of its own: it takes minutes, mostly waiting for its
# processes to recover, on a PostgreSQL and RabbitMQ of its own, so it disturbs no other part.
parts=("tests --ignore=tests/test_chaos.py" "services/tickets" "$others" "tests/test_chaos.py")
pids=()
for i in "${!parts[@]}"; do
    # shellcheck disable=SC2086  # a part is several words on purpose
    "$PY" -m pytest -q ${parts[$i]} "$@" > "$LOGS/part$i.log" 2>&1 &
    pids+=($!)
done
status=0
for i in "${!parts[@]}"; do
    if ! wait "${pids[$i]}"; then
        status=1
    fi
    echo "=== pytest ${parts[$i]} ==="
    cat "$LOGS/part$i.log"
done
exit $status
