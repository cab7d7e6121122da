"""Fault injection: 429 with Retry-After, 5xx, delay, commit-then-drop, rate limits, and the call log."""

from __future__ import annotations

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient

from .helpers import Api, story


def test_429_with_retry_after_then_success(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    rule = client.add_fault(method="POST", path=r"/issue$", status=429, retry_after=7, times=1)
    api = Api(jira_sim)
    first = api.post("issue", json=story())
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "7"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in first.headers
    assert first.json()["errorMessages"]
    assert jira_sim.core.store.issues == {}
    second = api.post("issue", json=story())
    assert second.status_code == 201
    assert [c["fault"] for c in jira_sim.calls] == [rule["id"], None]
    assert client.faults() == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(jira_sim: JiraSimulator, status: int) -> None:
    jira_sim.add_fault(path="/myself", status=status, times=2)
    api = Api(jira_sim)
    responses = [api.get("myself") for _ in range(3)]
    assert [r.status_code for r in responses] == [status, status, 200]
    if status == 503:
        assert responses[0].headers["Retry-After"] == "1"


def test_unlimited_rule_until_cleared(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    client.add_fault(method="GET", path="/field", status=503, times=None)
    api = Api(jira_sim)
    assert [api.get("field").status_code for _ in range(3)] == [503, 503, 503]
    assert api.get("myself").status_code == 200
    client.clear_faults()
    assert api.get("field").status_code == 200


def test_drop_after_commit_creates_the_issue_but_the_client_sees_no_answer(jira_sim: JiraSimulator) -> None:
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", drop_after_commit=True)
    with pytest.raises(requests.ConnectionError):
        Api(jira_sim).post("issue", json=story("lost answer"))
    issues = SimulatorClient(jira_sim.base_url).issues("MOB")
    assert [i["fields"]["summary"] for i in issues] == ["lost answer"]
    call = jira_sim.calls[-1]
    assert call["dropped"] is True
    assert call["status"] is None
    assert call["committed_status"] == 201
    assert Api(jira_sim).get("issue/MOB-1").status_code == 200


def test_drop_before_does_nothing(jira_sim: JiraSimulator) -> None:
    jira_sim.add_fault(method="POST", path=r"/issue$", drop_before=True)
    with pytest.raises(requests.ConnectionError):
        Api(jira_sim).post("issue", json=story())
    assert jira_sim.core.store.issues == {}


def test_delay_then_normal_answer(jira_sim: JiraSimulator) -> None:
    rule = jira_sim.add_fault(path="/serverInfo", delay=0.05)
    resp = Api(jira_sim).get("serverInfo")
    assert resp.status_code == 200
    assert jira_sim.calls[-1]["fault"] == rule["id"]


def test_delay_longer_than_client_timeout(jira_sim: JiraSimulator) -> None:
    jira_sim.add_fault(path="/myself", delay=0.5)
    with pytest.raises(requests.Timeout):
        Api(jira_sim).get("myself", timeout=0.1)


def test_rate_limit_per_second(jira_sim: JiraSimulator) -> None:
    jira_sim.add_fault(path="/rest/api/3/myself", rate_limit=3)
    api = Api(jira_sim)
    statuses = [api.get("myself").status_code for _ in range(8)]
    # 8 calls in well under a second on loopback: at most 3 in any one-second window get through
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses
    limited = next(r for r in (api.get("myself") for _ in range(3)) if r.status_code == 429)
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["X-RateLimit-Limit"] == "3"


def test_invalid_fault_rule_is_refused(jira_sim: JiraSimulator) -> None:
    resp = requests.post(f"{jira_sim.base_url}/_sim/faults", json={"path": "/x"}, timeout=5)
    assert resp.status_code == 400
    resp = requests.post(f"{jira_sim.base_url}/_sim/faults", json={"status": 500, "bogus": 1}, timeout=5)
    assert resp.status_code == 400


def test_call_log_records_calls(jira_sim: JiraSimulator) -> None:
    client = SimulatorClient(jira_sim.base_url)
    api = Api(jira_sim)
    api.get("myself")
    api.post("issue", json=story("logged"))
    calls = client.calls()
    assert [(c["method"], c["path"], c["status"], c["auth"]) for c in calls] == [
        ("GET", "/rest/api/3/myself", 200, "basic"),
        ("POST", "/rest/api/3/issue", 201, "basic"),
    ]
    assert calls[1]["body"]["fields"]["summary"] == "logged"
    assert client.calls(since=calls[0]["seq"]) == calls[1:]
    client.clear_calls()
    assert jira_sim.calls == []
