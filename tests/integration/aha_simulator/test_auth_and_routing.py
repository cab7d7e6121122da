"""API keys (Bearer), unknown paths and methods, and what the call log keeps of a key."""

from __future__ import annotations

import json

import requests

from aha_jira_dev.aha_sim import AhaSimulator
from tests.fixtures.aha import AhaApi


def test_the_bot_key_is_the_bot_and_the_pm_key_the_product_manager(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    bot = aha_api.get("/me")
    pm = aha_api.with_key(aha_sim.pm_key).get("/me")

    assert bot.status_code == 200 and pm.status_code == 200
    assert bot.json()["user"]["email"] == "aha-bot@acme.example"
    assert pm.json()["user"]["email"] == "pm@acme.example"
    assert bot.headers["Content-Type"] == "application/json; charset=utf-8"


def test_a_missing_or_wrong_key_is_a_401_with_a_json_error(aha_api: AhaApi) -> None:
    for resp in (
        aha_api.with_key(None).get("/me"),
        aha_api.with_key("not-a-key").get("/me"),
        aha_api.with_key(None).get("/me", headers={"Authorization": "Basic Ym90OnNlY3JldA=="}),
        aha_api.with_key(None).get("/me", headers={"Authorization": "Bearer "}),
    ):
        assert resp.status_code == 401
        assert "API key" in resp.json()["error"]
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_and_an_added_one_starts(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    key = aha_sim.add_api_key("second", "engineer@acme.example")
    assert aha_api.with_key(key).get("/me").json()["user"]["email"] == "engineer@acme.example"

    aha_sim.revoke_api_key("second")

    assert aha_api.with_key(key).get("/me").status_code == 401
    assert aha_api.get("/me").status_code == 200


def test_unknown_paths_and_methods_are_404_json(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    unknown = aha_api.get("/no_such_resource")
    wrong_method = aha_api.delete("/releases/PROD-R-1")  # Aha! has no DELETE on a release
    outside = requests.get(f"{aha_sim.base_url}/somewhere", timeout=5)

    assert unknown.status_code == 404 and unknown.json()["error"].startswith("No route matches [GET]")
    assert wrong_method.status_code == 404 and "[DELETE]" in wrong_method.json()["error"]
    assert outside.status_code == 404 and "error" in outside.json()
    assert aha_api.get("/releases/PROD-R-1").status_code == 200


def test_a_record_that_does_not_exist_is_a_404(aha_api: AhaApi) -> None:
    for path in ("/features/PROD-999", "/requirements/PROD-1-99", "/releases/PROD-R-9", "/products/NOPE"):
        resp = aha_api.get(path)
        assert resp.status_code == 404, path
        assert "not found" in resp.json()["error"]


def test_the_call_log_names_the_key_without_showing_it(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_api.get("/me")
    aha_api.with_key("wrong-key-value-123").get("/me")

    calls = aha_sim.calls
    assert [c["status"] for c in calls] == [200, 401]
    assert calls[0]["key"] == "sim-…bot" and calls[0]["user"] == "aha-bot@acme.example"
    assert calls[1]["key"] == "…" and calls[1]["user"] is None
    logged = json.dumps(calls)
    assert aha_sim.bot_key not in logged and "wrong-key-value-123" not in logged


def test_every_route_is_an_operation_of_the_published_description(aha_sim: AhaSimulator) -> None:
    spec = aha_sim.core.spec
    assert spec is not None
    missing = [
        f"{r.method} {r.template}"
        for r in aha_sim.core.api.routes
        if not spec.has_operation(r.template, r.method)
    ]
    assert missing == []
