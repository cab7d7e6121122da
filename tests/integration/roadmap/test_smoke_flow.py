"""A first end-to-end path: send from Aha!'s own feature, a Jira transition, delivered to Aha!."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.jira_sim import SimulatorClient
from tests.fixtures.aha import AhaApi
from tests.integration.roadmap.conftest import AhaSite, events


def aha_feature_body(aha_api: AhaApi, reference: str) -> dict[str, Any]:
    answer = aha_api.get(f"/features/{reference}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["feature"])


def test_a_jira_transition_reaches_aha(aha_site: AhaSite, aha_api: AhaApi) -> None:
    sent = aha_site.send(aha_feature_body(aha_api, "PROD-2"))
    key = sent["jira"]["key"]
    SimulatorClient(aha_site.sim.base_url).engineer_transition(key, "In Progress")
    aha_site.settle()
    feed = events(aha_site.call_api)
    assert [e["type"] for e in feed if e["reference"] == "PROD-2"][:1] == ["record.linked"]
    assert any(e["type"] == "record.status_changed" and e["data"]["status"] == "In development" for e in feed)
    aha_site.deliver()
    feature = aha_api.get("/features/PROD-2").json()["feature"]
    assert feature["workflow_status"]["name"] == "In development"
    fields = {f["name"]: f["value"] for f in feature["integration_fields"]}
    assert fields.get("key") == key
