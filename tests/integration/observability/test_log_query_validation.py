"""`GET /integrations/{id}/log` must answer 400 (never 500) for any bad query parameter,
including a tampered `next` token and a reference with a trailing newline."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.log_capture import capture_function_logs
from tests.builders import integration_body
from tests.fixtures.api import Call


def _token(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.fixture
def mob(call_api: Call, jira_sim: JiraSimulator, tmp_path: Path):
    with capture_function_logs(tmp_path / "functions.jsonl"):
        status, view = call_api("PUT", "/integrations/mob", integration_body(jira_sim))
        assert status == 201, view
        yield


def test_tampered_next_token_with_an_infinite_time_is_400_not_500(call_api: Call, mob: None) -> None:
    # json.loads("1e400") is float('inf'); int(inf) raises OverflowError, which decode_token does not catch.
    status, body = call_api("GET", "/integrations/mob/log", query=[("next", _token('{"t":1e400,"s":0}'))])
    assert status == 400, body


def test_reference_with_a_trailing_newline_is_refused(call_api: Call, mob: None) -> None:
    # `_REFERENCE` ends in `$`, which also matches before a final "\n": the newline reaches the query string
    # (inside the `like /.../` regex), where the evaluator (and Logs Insights) cannot parse it.
    status, body = call_api("GET", "/integrations/mob/log", query=[("reference", "MOB-1\n")])
    assert status == 400, body


def test_a_huge_skip_in_the_token_is_refused(call_api: Call, mob: None) -> None:
    # `s` is unbounded: the query's `limit` becomes limit + s + 1 (StartQuery accepts at most 10,000), so
    # in AWS a forged token turns into a failed StartQuery (500) instead of a 400.
    status, body = call_api(
        "GET", "/integrations/mob/log", query=[("next", _token('{"t":1000,"s":100000000}'))]
    )
    assert status == 400, body
