"""Answers that are not what Aha!'s API promises (another shape, not JSON, a redirect) are typed errors with a
hint, never an exception of pydantic or requests, and never followed elsewhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from aha_jira.aha.client import AhaClient
from aha_jira.aha.errors import AhaRefused, AhaUnexpectedAnswer
from aha_jira.aha.payloads import RecordAttributes
from aha_jira.aha.transport import AhaTransport
from aha_jira_dev.aha_sim import AhaSimulator


def client_for(base_url: str, key: str = "sim-key-0123456789") -> AhaClient:
    return AhaClient(AhaTransport(base_url, key, allow_loopback=True, sleep=lambda _: None))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"feature": {"id": "1", "reference_num": "PROD-1"}}, "name"),  # a feature without its name
        ({"feature": {"id": True, "reference_num": "PROD-1", "name": "x"}}, "id"),
        ({"feature": "PROD-1"}, "no 'feature' object"),
        ({"features": [{"id": "1"}]}, "no 'feature' object"),
        ([1, 2, 3], "no 'feature' object"),
        (
            {"feature": {"id": "1", "reference_num": "PROD-1", "name": "x", "requirements": "none"}},
            "requirements",
        ),
    ],
)
def test_another_shape_is_an_unexpected_answer(aha_sim: AhaSimulator, body: Any, problem: str) -> None:
    aha_sim.add_fault(method="GET", path=r"/features/PROD-1$", status=200, body=body)

    with pytest.raises(AhaUnexpectedAnswer) as caught:
        client_for(aha_sim.base_url, aha_sim.bot_key).feature("PROD-1")

    error = caught.value
    assert error.code == "roadmap_unexpected_answer" and error.hint
    assert "GET /features/PROD-1" in error.message and problem in error.message
    assert error.transient and not error.may_have_committed  # a read: nothing was done


def test_a_write_answered_in_another_shape_may_have_been_done(aha_sim: AhaSimulator) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/PROD-1$", status=200, body={"ok": True})
    with pytest.raises(AhaUnexpectedAnswer) as caught:
        client_for(aha_sim.base_url, aha_sim.bot_key).update_feature("PROD-1", RecordAttributes(name="x"))
    assert caught.value.may_have_committed


def test_a_list_item_in_another_shape_names_the_list(aha_sim: AhaSimulator) -> None:
    aha_sim.add_fault(
        method="GET",
        path=r"/releases/PROD-R-1/features$",
        status=200,
        body={"features": [{"name": "no id"}], "pagination": {"total_pages": 1}},
    )
    with pytest.raises(AhaUnexpectedAnswer, match="releases/PROD-R-1/features"):
        client_for(aha_sim.base_url, aha_sim.bot_key).release_features("PROD-R-1")


def test_integration_field_ids_that_are_not_ids(aha_sim: AhaSimulator) -> None:
    aha_sim.add_fault(method="POST", path=r"/fields$", status=200, body={"id": 5})
    with pytest.raises(AhaUnexpectedAnswer):
        client_for(aha_sim.base_url, aha_sim.bot_key).set_integration_fields(
            "PROD-1", "jira", {"key": "MOB-1"}
        )


@pytest.fixture
def odd_server() -> Iterator[dict[str, Any]]:
    """A server answering what each test puts in `answer`: (status, headers, body bytes)."""
    state: dict[str, Any] = {"answer": (200, {}, b""), "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            state["requests"].append((self.command, self.path))
            status, headers, body = state["answer"]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer()

        def do_PUT(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def test_an_answer_that_is_not_json_says_the_address_may_be_wrong(odd_server: dict[str, Any]) -> None:
    odd_server["answer"] = (200, {"Content-Type": "text/html"}, b"<html>Welcome to nginx</html>")
    with pytest.raises(AhaUnexpectedAnswer) as caught:
        client_for(odd_server["url"]).me()
    assert "not JSON" in caught.value.message and "roadmap.base_url" in caught.value.hint


def test_a_redirect_is_never_followed(odd_server: dict[str, Any]) -> None:
    odd_server["answer"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")

    with pytest.raises(AhaUnexpectedAnswer) as caught:
        client_for(odd_server["url"]).me()

    assert "redirected" in caught.value.message and not caught.value.transient
    assert odd_server["requests"] == [("GET", "/api/v1/me")]  # nothing went to the Location


def test_an_error_answer_without_json_keeps_its_status(odd_server: dict[str, Any]) -> None:
    odd_server["answer"] = (418, {"Content-Type": "text/plain"}, b"I'm a teapot")
    with pytest.raises(AhaRefused) as caught:
        client_for(odd_server["url"]).me()
    assert caught.value.status == 418 and "status 418" in caught.value.message


def test_aha_s_words_are_cleaned_and_cut(odd_server: dict[str, Any]) -> None:
    said = json.dumps({"error": "\x00\x1b[31mName is invalid\r\n" + "y" * 5000}).encode()
    odd_server["answer"] = (422, {"Content-Type": "application/json"}, said)
    with pytest.raises(AhaRefused) as caught:
        client_for(odd_server["url"]).update_feature("PROD-1", RecordAttributes(name="x"))
    words = caught.value.aha_message
    assert words.startswith("[31mName is invalid y") and len(words) <= 300
    assert not any(ord(char) < 32 for char in words + caught.value.message)
