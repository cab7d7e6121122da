"""What the Connect routes read from a request: its JWT and its qsh relative to our base URL."""

from __future__ import annotations

from aha_jira.connect.request import ConnectRequest
from aha_jira.jira.connect_jwt import query_string_hash


def test_the_jwt_comes_from_the_authorization_header_or_the_query() -> None:
    assert ConnectRequest("POST", "/x", headers={"authorization": "JWT abc.def.ghi"}).jwt() == "abc.def.ghi"
    assert ConnectRequest("GET", "/x", query=[("jwt", "q.r.s")]).jwt() == "q.r.s"
    assert ConnectRequest("GET", "/x", headers={"authorization": "Basic abc"}).jwt() is None
    assert ConnectRequest("GET", "/x").jwt() is None


def test_the_qsh_is_relative_to_our_base_url_and_ignores_the_jwt_parameter() -> None:
    expected = query_string_hash("GET", "/connect/configure", "a=1")
    stage = ConnectRequest(
        "GET",
        "/connect/configure",
        query=[("a", "1"), ("jwt", "t")],
        base_url="https://abc.execute-api.us-east-1.amazonaws.com/v1",
    )
    assert stage.qsh == expected
    mapped = ConnectRequest(
        "GET", "/jira/connect/configure", query=[("a", "1")], base_url="https://api.example.com/jira"
    )
    assert mapped.qsh == expected
