"""A small chaos run: each process killed, RabbitMQ and PostgreSQL restarted, while mail and replies flow.

Test policy: the benchmark itself (``bench/chaos.py``) runs as a child
process, as an operator would run it, against its own private PostgreSQL
cluster and RabbitMQ node (``tests/support/private_backends.py``) and a recording SMTP
server: restarting the machine's shared ones would break the tests running
beside it in ``make test``'s other parts. It asserts the benchmark's targets
per fault: nothing lost, doubled or misthreaded, every downstream effect once,
recovered by itself within 60 s. ``make test`` runs this module as a part of
its own (``deploy/test_in_parallel.sh``).
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from deploy.run_all import ROOT

MAILS = 300  # about 37 per fault: enough for two dozen deliveries in flight at each fault


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(2700)
def test_no_mail_or_effect_is_lost_or_doubled_when_a_process_dies_or_the_broker_or_database_restarts(tmp_path):
    # Bounds that keep a failing run near 20 minutes: 60 s for the system to take mail again (the target),
    # 60 s of refused mail before the mail server gives up on it, 90 s to drain.
    command = [sys.executable, str(ROOT / "bench" / "chaos.py"), "--mails", str(MAILS), "--recovery-wait", "60",
               "--give-up", "60", "--drain-timeout", "90", "--logs", str(tmp_path / "services.log")]
    log = tmp_path / "chaos.out"
    with open(log, "w") as out:
        run = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            run.wait(timeout=2400)
        except subprocess.TimeoutExpired:
            run.terminate()  # it stops its system and its private PostgreSQL and RabbitMQ on SIGTERM
            run.wait(timeout=120)
    report = log.read_text()[-16000:]
    print(report)
    assert "RESULT chaos" in report, report
    assert run.returncode == 0, report
