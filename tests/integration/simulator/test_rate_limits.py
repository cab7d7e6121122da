"""Jira Cloud's rate limits: burst per endpoint class, per-issue writes, the hourly points quota (tenant and
global), their headers, and the counters a benchmark reads. The limits run on an injected clock that only
moves when a test advances it, so nothing here sleeps and nothing depends on the machine's speed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.jira_sim.ratelimits import RateClock

from .helpers import Api, connect_token, story

RESET_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")
APP_SECRET = "a-connect-shared-secret-for-the-rate-limit-tests"


class StoppedTime:
    """A monotonic source that stands still: the limits' clock moves only through ``advance``."""

    def __call__(self) -> float:
        return 5000.0


@pytest.fixture(scope="module")
def _limited_server() -> Iterator[JiraSimulator]:
    sim = JiraSimulator(mode="cloud", rate_clock=RateClock(StoppedTime())).start()
    yield sim
    sim.stop()


@pytest.fixture
def sim(_limited_server: JiraSimulator) -> Iterator[JiraSimulator]:
    _limited_server.reset()
    yield _limited_server
    _limited_server.reset()


def create(api: Api, summary: str = "A story") -> requests.Response:
    return api.post("issue", json=story(summary))


def throttled(sim: JiraSimulator) -> dict[str, int]:
    counts: dict[str, int] = sim.rate_limits()["counters"]["throttled"]
    return counts


def test_limits_are_off_by_default(sim: JiraSimulator) -> None:
    api = Api(sim)
    answers = [create(api, f"s{n}") for n in range(30)] + [api.get("myself") for _ in range(30)]
    assert {r.status_code for r in answers} == {200, 201}
    assert not any("X-RateLimit-Limit" in r.headers or "RateLimit-Reason" in r.headers for r in answers)
    report = sim.rate_limits()
    assert report["active"] is False
    assert report["counters"]["calls"] == 60
    assert report["counters"]["throttled_total"] == 0


def test_burst_limit_refuses_writes_with_jiras_headers_and_does_nothing(sim: JiraSimulator) -> None:
    sim.set_rate_limits(burst={"write": {"rate": 1, "capacity": 2}})
    api = Api(sim)
    first, second, third = (create(api, f"s{n}") for n in range(3))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert third.status_code == 429
    assert third.headers["RateLimit-Reason"] == "jira-burst-based"
    assert third.headers["Retry-After"] == "1"
    assert third.headers["X-RateLimit-Limit"] == "2"
    assert third.headers["X-RateLimit-Remaining"] == "0"
    assert RESET_FORMAT.match(third.headers["X-RateLimit-Reset"])
    assert third.headers["X-RateLimit-NearLimit"] == "true"
    assert third.json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    assert len(sim.core.store.issues) == 2  # the refused create did nothing
    assert api.get("myself").status_code == 200  # reads have their own budget (none here)
    sim.advance_rate_clock(0.5)
    assert create(api).status_code == 429  # half a token is not enough
    sim.advance_rate_clock(0.5)
    assert create(api).status_code == 201
    assert throttled(sim)["jira-burst-based"] == 2
    assert sim.calls[2]["rate_limited"] == "jira-burst-based"


def test_near_limit_header_when_less_than_a_fifth_is_left(sim: JiraSimulator) -> None:
    sim.set_rate_limits(burst={"read": {"rate": 10}})
    api = Api(sim)
    answers = [api.get("myself") for _ in range(10)]
    assert all(r.status_code == 200 for r in answers)
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in answers]
    assert remaining == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    near = [r.headers.get("X-RateLimit-NearLimit") for r in answers]
    assert near == [None] * 8 + ["true", "true"]
    assert api.get("myself").status_code == 429


def test_searches_and_bulk_fetches_count_as_reads(sim: JiraSimulator) -> None:
    api = Api(sim)
    key = create(api).json()["key"]
    sim.set_rate_limits(burst={"read": {"rate": 1}, "write": {"rate": 100}})
    assert api.post("search/jql", json={"jql": "project = MOB"}).status_code == 200
    assert api.post("issue/bulkfetch", json={"issueIdsOrKeys": [key]}).status_code == 429
    assert api.put(f"issue/{key}", json={"fields": {"summary": "still writable"}}).status_code == 204


def test_endpoint_scope_gives_each_method_and_path_its_own_bucket(sim: JiraSimulator) -> None:
    api = Api(sim)
    key = create(api).json()["key"]
    sim.set_rate_limits(burst={"write": {"rate": 1}, "scope": "endpoint"})
    assert create(api).status_code == 201
    assert api.put(f"issue/{key}", json={"fields": {"summary": "other endpoint"}}).status_code == 204
    assert create(api).status_code == 429
    assert sim.rate_limits()["levels"]["burst"].keys() == {
        "POST /rest/api/{v}/issue",
        "PUT /rest/api/{v}/issue/{issueIdOrKey}",
    }


def test_per_issue_write_limit_holds_back_one_issue_only(sim: JiraSimulator) -> None:
    api = Api(sim)
    busy, other = create(api, "busy").json()["key"], create(api, "other").json()["key"]
    sim.set_rate_limits(per_issue_write={"writes": 2, "window_seconds": 10})
    edits = [api.put(f"issue/{busy}", json={"fields": {"summary": f"v{n}"}}) for n in range(2)]
    assert [r.status_code for r in edits] == [204, 204]
    sim.advance_rate_clock(4)
    refused = api.post(f"issue/{busy}/comment", json={"body": adf_text("a comment is a write too")})
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Reason"] == "jira-per-issue-on-write"
    assert refused.headers["Retry-After"] == "6"  # the first write leaves the 10 s window in 6 s
    assert api.get(f"issue/{busy}").status_code == 200  # reads of the issue are not writes
    by_id = sim.core.store.issue(busy)
    assert by_id is not None
    assert api.put(f"issue/{by_id.id}", json={"fields": {"summary": "by id"}}).status_code == 429
    assert api.put(f"issue/{other}", json={"fields": {"summary": "fine"}}).status_code == 204
    sim.advance_rate_clock(6)
    assert api.post(f"issue/{busy}/transitions", json={"transition": {"id": "21"}}).status_code == 204
    assert sim.core.store.issue(busy).values["summary"] == "v1"  # type: ignore[union-attr]
    assert throttled(sim)["jira-per-issue-on-write"] == 2


def adf_text(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def test_quota_refuses_everything_until_the_window_resets(sim: JiraSimulator) -> None:
    sim.set_rate_limits(quota={"points": 3, "window_seconds": 60, "points_per_object": 0})
    api = Api(sim)
    answers = [api.get("myself") for _ in range(3)]
    assert all(r.status_code == 200 for r in answers)
    assert answers[0].headers["Beta-RateLimit-Policy"] == '"tenant-app-quota";q=3;w=60'
    assert answers[0].headers["Beta-RateLimit"] == '"tenant-app-quota";r=2;t=60'
    sim.advance_rate_clock(15)
    refused = create(api)
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Reason"] == "jira-quota-tenant-based"
    assert refused.headers["Retry-After"] == "45"  # until the window resets
    assert "Beta-Retry-After" not in refused.headers
    assert api.get("serverInfo").status_code == 429  # a quota covers every endpoint
    sim.advance_rate_clock(45)
    assert create(api).status_code == 201
    level = sim.rate_limits()["levels"]["quota"]
    assert (level["used"], level["remaining"]) == (1, 2)


def test_reads_pay_a_point_per_object_returned(sim: JiraSimulator) -> None:
    api = Api(sim)
    for n in range(3):
        create(api, f"s{n}")
    sim.set_rate_limits(quota={"points": 100, "window_seconds": 3600})
    assert create(api).status_code == 201  # a write: the base point only
    found = api.post("search/jql", json={"jql": "project = MOB", "fields": ["summary"]})
    assert len(found.json()["issues"]) == 4
    report = sim.rate_limits()
    assert report["levels"]["quota"]["used"] == 1 + (1 + 4)
    assert report["counters"]["points_used"] == 6


@pytest.mark.parametrize(
    ("header", "present", "absent"),
    [
        ("Beta-Retry-After", {"Beta-Retry-After"}, {"Retry-After"}),
        ("both", {"Beta-Retry-After", "Retry-After"}, set()),
    ],
)
def test_quota_wait_in_beta_retry_after(
    sim: JiraSimulator, header: str, present: set[str], absent: set[str]
) -> None:
    sim.set_rate_limits(quota={"points": 1, "window_seconds": 120, "retry_header": header})
    api = Api(sim)
    api.get("myself")
    refused = api.get("myself")
    assert refused.status_code == 429
    assert present <= set(refused.headers)
    assert not absent & set(refused.headers)
    assert refused.headers[next(iter(present))] == "120"


def test_global_quota_has_its_own_reason_and_comes_first(sim: JiraSimulator) -> None:
    sim.set_rate_limits(
        quota={"points": 1, "window_seconds": 60}, global_quota={"points": 1, "window_seconds": 30}
    )
    api = Api(sim)
    assert api.get("myself").status_code == 200
    refused = api.get("myself")
    assert refused.headers["RateLimit-Reason"] == "jira-quota-global-based"
    assert refused.headers["Retry-After"] == "30"
    assert throttled(sim) == {
        "jira-burst-based": 0,
        "jira-per-issue-on-write": 0,
        "jira-quota-tenant-based": 0,
        "jira-quota-global-based": 1,
    }


def test_apps_only_quota_spares_api_token_traffic(sim: JiraSimulator) -> None:
    sim.register_connect_installation("jira:quota-app", APP_SECRET)
    sim.set_rate_limits(quota={"points": 1, "window_seconds": 60, "apps_only": True})
    api = Api(sim)
    assert all(api.get("myself").status_code == 200 for _ in range(3))

    def as_app() -> requests.Response:
        token = connect_token(APP_SECRET, "GET", "/rest/api/3/myself", "", iss="jira:quota-app")
        return requests.get(
            f"{sim.base_url}/rest/api/3/myself", headers={"Authorization": f"JWT {token}"}, timeout=5
        )

    assert as_app().status_code == 200
    refused = as_app()
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Reason"] == "jira-quota-tenant-based"


def test_counters_report_calls_429s_and_the_rate_achieved(sim: JiraSimulator) -> None:
    client = SimulatorClient(sim.base_url)
    client.set_rate_limits(burst={"read": {"rate": 5, "capacity": 5}})
    api = Api(sim)
    statuses = []
    for _ in range(4):  # four simulated seconds, eight calls in each
        statuses += [api.get("myself").status_code for _ in range(8)]
        client.advance_rate_clock(1)
    assert statuses.count(200) == 5 + 5 + 5 + 5
    counters = client.rate_limits()["counters"]
    assert counters["calls"] == 32
    assert counters["allowed"] == 20
    assert counters["throttled"]["jira-burst-based"] == 12
    assert counters["throttled_total"] == 12
    assert counters["by_class"]["read"] == {"calls": 32, "throttled": 12}
    assert counters["elapsed_seconds"] == 3.0
    assert counters["allowed_per_second"] == pytest.approx(20 / 3, abs=0.001)
    assert counters["peak_allowed_per_second"] == 5
    client.reset_rate_counters()
    after = client.rate_limits()
    assert after["counters"]["calls"] == 0
    assert after["active"] is True  # counters cleared, limits kept
    client.clear_rate_limits()
    assert client.rate_limits()["active"] is False


def test_a_scaled_clock_shortens_the_waits(sim: JiraSimulator) -> None:
    sim.set_rate_clock_scale(60)  # one simulated hour per real minute
    try:
        sim.set_rate_limits(quota={"points": 1})
        api = Api(sim)
        api.get("myself")
        refused = api.get("myself")
        assert refused.headers["RateLimit-Reason"] == "jira-quota-tenant-based"
        assert int(refused.headers["Retry-After"]) <= 60
    finally:
        sim.set_rate_clock_scale(1)


@pytest.mark.parametrize(
    "config",
    [
        {"burst": {"read": {"rate": 0}}},
        {"burst": {"reads": {"rate": 1}}},
        {"quota": {"points": 5, "retry_header": "Retry-Later"}},
        {"per_issue_write": {"writes": 2, "window": 1}},
        {"hourly": {}},
    ],
)
def test_bad_configuration_is_refused_and_changes_nothing(sim: JiraSimulator, config: dict[str, Any]) -> None:
    resp = requests.put(f"{sim.base_url}/_sim/rate-limits", json=config, timeout=5)
    assert resp.status_code == 400
    assert resp.json()["error"]
    assert sim.rate_limits()["active"] is False


def test_reset_turns_the_limits_off(sim: JiraSimulator) -> None:
    sim.set_rate_limits(burst={"read": {"rate": 1}})
    api = Api(sim)
    api.get("myself")
    assert api.get("myself").status_code == 429
    sim.reset()
    assert api.get("myself").status_code == 200
    assert sim.rate_limits()["counters"]["calls"] == 1
