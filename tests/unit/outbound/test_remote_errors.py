"""What a failed connection means, read the same way by the Jira and Aha! clients (`outbound/remote_errors`)."""

from __future__ import annotations

import socket

import pytest
import requests
from requests import exceptions as rex

from aha_jira.aha.errors import AhaError
from aha_jira.jira.errors import JiraError
from aha_jira.outbound.remote_errors import RemoteError, connection_failure


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_is_refused() -> None:
    with pytest.raises(rex.ConnectionError) as caught:
        requests.get(f"http://127.0.0.1:{_closed_port()}/", timeout=5)
    assert connection_failure(caught.value) == "refused"


@pytest.mark.parametrize(
    "text",
    [
        "HTTPSConnectionPool(host='nope.example'): NameResolutionError(\"Failed to resolve 'nope.example'\")",
        "[Errno -2] Name or service not known",
        "socket.gaierror: getaddrinfo failed",
    ],
)
def test_a_name_that_does_not_resolve_is_unresolvable(text: str) -> None:
    assert connection_failure(rex.ConnectionError(text)) == "unresolvable"


def test_a_connection_broken_after_sending_is_lost() -> None:
    error = rex.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection'))")
    assert connection_failure(error) == "lost"


def test_both_clients_errors_share_the_base() -> None:
    for error in (AhaError("x", hint="h", status=500), JiraError("x", hint="h", status=500)):
        assert isinstance(error, RemoteError)
        assert (error.message, error.hint, error.status, error.may_have_committed) == ("x", "h", 500, False)
