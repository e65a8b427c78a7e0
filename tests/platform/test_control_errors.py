"""The supervisor's control server: a client that hangs up mid-answer (Prometheus scraping
while the stack goes down) leaves no traceback on stderr; any other handler error still does."""

from __future__ import annotations

import socket

import pytest

from slogate.config import SlogateConfig
from slogate.platform.local.control import serve_control
from slogate.platform.local.supervisor import Supervisor
from tests.support.waiting import free_port


def _handle(error: BaseException, capsys: pytest.CaptureFixture[str]) -> str:
    supervisor = Supervisor(SlogateConfig().timings, stack="quiet")
    server = serve_control(supervisor, free_port(), admin_token="not-used-here")
    try:
        try:
            raise error
        except BaseException:  # handle_error is called inside the except, as socketserver does
            with socket.socket() as request:
                server.handle_error(request, ("127.0.0.1", 40000))
    finally:
        server.shutdown()
        server.server_close()
    return capsys.readouterr().err


@pytest.mark.parametrize(
    "error", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")]
)
def test_a_client_that_hung_up_is_quiet(
    error: BaseException, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _handle(error, capsys) == ""


def test_other_errors_still_print_their_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    err = _handle(ValueError("a bug in a handler"), capsys)
    assert "Traceback" in err and "ValueError: a bug in a handler" in err
