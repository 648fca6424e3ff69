"""Which RPC failures are logged as errors: a contract error (a 4xx) is one quiet line, a bug is an ERROR with its traceback.

Runs a real service container on the test's vhost and reads what nameko logged.
"""
from __future__ import annotations

import logging

import pytest
from nameko.exceptions import RemoteError

from services.shared.errors import Forbidden, InvalidInput, Unauthenticated
from services.shared.rpc import rpc


class Picky:
    name = "picky"

    @rpc
    def refuse_input(self):
        raise InvalidInput("subject is required", "subject")

    @rpc
    def refuse_password(self):
        raise Unauthenticated("wrong email or password")

    @rpc
    def forbid(self):
        raise Forbidden("only managers may assign")

    @rpc(expected_exceptions=LookupError)
    def look_up(self):
        raise KeyError("declared as expected by this method")

    @rpc
    def fail(self):
        raise ZeroDivisionError("a real bug")


def test_contract_errors_are_not_logged_as_errors_and_a_bug_is(start_service, rpc, caplog):
    start_service(Picky)
    with caplog.at_level(logging.INFO, logger="nameko.containers"):
        for call, error in ((rpc.picky.refuse_input, InvalidInput), (rpc.picky.refuse_password, Unauthenticated),
                            (rpc.picky.forbid, Forbidden), (rpc.picky.look_up, RemoteError)):
            with pytest.raises(error):
                call()
        expected = [r for r in caplog.records if r.name == "nameko.containers" and "error handling worker" in r.msg]
        assert len(expected) == 4
        assert all(r.levelno == logging.INFO and not r.exc_info for r in expected)
        assert "subject is required" in expected[0].getMessage()

        caplog.clear()
        with pytest.raises(RemoteError):
            rpc.picky.fail()
    [bug] = [r for r in caplog.records if r.name == "nameko.containers" and "error handling worker" in r.msg]
    assert bug.levelno == logging.ERROR and bug.exc_info and bug.exc_info[0] is ZeroDivisionError
