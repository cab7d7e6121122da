"""Aha!'s 300-requests-a-minute limit: counted per API key, 429 with Retry-After beyond it, and the
X-Ratelimit-* headers on every answer. The tests shrink the window instead of waiting a minute."""

from __future__ import annotations

import time

from aha_jira_dev.aha_sim import AhaSimulator
from tests.fixtures.aha import AhaApi


def test_the_default_limit_is_300_a_minute(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    resp = aha_api.get("/me")

    assert aha_sim.core.limiter.settings() == {"limit": 300, "window": 60.0, "retry_after": None}
    assert resp.headers["X-Ratelimit-Limit"] == "300"
    assert resp.headers["X-Ratelimit-Remaining"] == "299"
    assert 0 < int(resp.headers["X-Ratelimit-Reset"]) - time.time() <= 61


def test_beyond_the_limit_is_a_429_with_retry_after_and_the_headers(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    aha_sim.set_rate_limit(3, window=30)

    answers = [aha_api.get("/features/PROD-1") for _ in range(4)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-Ratelimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.json() == {"error": "Rate limit exceeded"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert int(refused.headers["X-Ratelimit-Reset"]) >= int(time.time())
    assert aha_sim.calls[-1]["rate_limited"] is True


def test_a_refused_request_does_nothing(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.set_rate_limit(1, window=30)
    aha_api.get("/me")

    resp = aha_api.put("/features/PROD-1", {"feature": {"name": "Renamed"}})

    assert resp.status_code == 429
    assert aha_sim.feature("PROD-1")["name"] == "Mobile login"
    assert aha_sim.audits() == []


def test_each_key_has_its_own_budget(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.set_rate_limit(1, window=30)

    assert aha_api.get("/me").status_code == 200
    assert aha_api.get("/me").status_code == 429
    assert aha_api.with_key(aha_sim.pm_key).get("/me").status_code == 200


def test_the_budget_comes_back_when_the_window_closes(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.set_rate_limit(2, window=0.6)
    assert [aha_api.get("/me").status_code for _ in range(3)] == [200, 200, 429]

    time.sleep(0.65)

    assert aha_api.get("/me").status_code == 200


def test_retry_after_can_be_fixed_and_reset_restores_the_start_limits(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    aha_sim.set_rate_limit(1, window=60, retry_after=7)
    aha_api.get("/me")
    assert aha_api.get("/me").headers["Retry-After"] == "7"

    aha_sim.reset()

    assert aha_api.get("/me").headers["X-Ratelimit-Limit"] == "300"
