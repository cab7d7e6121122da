"""The records the roadmap connector reads and writes: workflows, integrations, integration fields, paging,
comments, epics and initiatives, and the /_sim views of them."""

from __future__ import annotations

import requests

from aha_jira_dev.aha_sim import AhaSimulator
from tests.fixtures.aha import AhaApi


def test_the_feature_workflow_has_the_statuses_the_demo_maps_to(aha_api: AhaApi) -> None:
    workflows = aha_api.get("/products/PROD/workflows").json()["workflows"]
    feature_workflow = next(w for w in workflows if w["statusable_type"] == "Feature")
    names = [s["name"] for s in feature_workflow["workflow_statuses"]]

    assert {"Ready to develop", "In development", "Shipped"} <= set(names)
    assert names[0] == "New" and "Will not implement" in names
    assert any(w["statusable_type"] == "Requirement" for w in workflows)
    single = aha_api.get(f"/workflows/{feature_workflow['id']}").json()["workflow"]
    assert single["workflow_statuses"] == feature_workflow["workflow_statuses"]
    shipped = next(s for s in single["workflow_statuses"] if s["name"] == "Shipped")
    assert shipped["complete"] is True
    assert aha_api.get("/workflows/1").status_code == 404


def test_the_jira_integration_is_listed_and_readable(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    listed = aha_api.get("/products/PROD/integrations").json()["integrations"]
    one = aha_api.get(f"/products/PROD/integrations/{aha_sim.integration_id}").json()["integration"]

    assert [(i["id"], i["service_name"]) for i in listed] == [("6012345678", "jira")]
    assert one["enabled"] is True and one["owner"]["id"] == aha_sim.product_id
    assert aha_api.get("/products/PROD/integrations/999").status_code == 404


def test_integration_fields_are_set_replaced_and_read(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    path = f"/features/PROD-1/integrations/{aha_sim.integration_id}/fields"
    ids = aha_api.post(
        path,
        {
            "integration_fields": [
                {"name": "key", "value": "MOB-1"},
                {"name": "id", "value": "10001"},
                {"name": "url", "value": "https://acme.atlassian.net/browse/MOB-1"},
            ]
        },
    ).json()
    again = aha_api.post(path, {"integration_field": {"name": "key", "value": "MOB-2"}}).json()

    assert len(ids) == 3 and all(isinstance(i, int) for i in ids)
    assert again == [ids[0]]  # the same field, its value replaced
    read = aha_api.get(f"{path}/key").json()["integration_field"]
    assert read["value"] == "MOB-2" and read["service_name"] == "jira"
    assert read["integratable"]["url"].endswith("/features/PROD-1")
    by_name = aha_api.get("/features/PROD-1/integrations/jira/fields/url").json()["integration_field"]
    assert by_name["value"] == "https://acme.atlassian.net/browse/MOB-1"
    feature = aha_api.get("/features/PROD-1").json()["feature"]
    assert {f["name"]: f["value"] for f in feature["integration_fields"]} == {
        "key": "MOB-2",
        "id": "10001",
        "url": "https://acme.atlassian.net/browse/MOB-1",
    }
    assert aha_api.get(f"{path}/missing").status_code == 404
    assert (
        aha_api.post(
            "/features/PROD-1/integrations/9/fields", {"integration_field": {"name": "k", "value": "v"}}
        ).status_code
        == 404
    )


def test_lists_page_like_aha(aha_api: AhaApi) -> None:
    for name in ("A", "B", "C"):
        aha_api.post("/releases/PROD-R-1/features", {"feature": {"name": name}})

    first = aha_api.get("/releases/PROD-R-1/features", params={"per_page": 2}).json()
    last = aha_api.get("/releases/PROD-R-1/features", params={"per_page": 2, "page": 3}).json()
    beyond = aha_api.get("/releases/PROD-R-1/features", params={"per_page": 2, "page": 4}).json()

    assert first["pagination"] == {"total_records": 5, "total_pages": 3, "current_page": 1}
    assert [f["reference_num"] for f in first["features"]] == ["PROD-1", "PROD-2"]
    assert set(first["features"][0]) == {
        "id",
        "name",
        "reference_num",
        "created_at",
        "product_id",
        "url",
        "resource",
    }
    assert [f["name"] for f in last["features"]] == ["C"] and beyond["features"] == []
    assert aha_api.get("/releases/PROD-R-1/features", params={"page": "x"}).status_code == 400


def test_fields_asks_for_more_or_fewer_attributes(aha_api: AhaApi) -> None:
    full = aha_api.get("/releases/PROD-R-1/features", params={"fields": "*"}).json()["features"][0]
    some = aha_api.get("/features/PROD-1", params={"fields": "name,workflow_status"}).json()["feature"]

    assert full["requirements"][0]["reference_num"] == "PROD-1-1"
    assert set(some) == {"id", "name", "workflow_status"}


def test_updated_since_filters_requirements(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.pm.edit_requirement("PROD-1-2", name="Touched")

    recent = aha_api.get(
        "/features/PROD-1/requirements", params={"updated_since": "2025-01-01T00:00:00Z"}
    ).json()

    assert [r["reference_num"] for r in recent["requirements"]] == ["PROD-1-2"]
    assert aha_api.get("/features/PROD-1/requirements", params={"updated_since": "soon"}).status_code == 400


def test_comments_round_trip_on_features_and_requirements(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    on_feature = aha_api.post("/features/PROD-1/comments", {"comment": {"body": "<p>From Jira</p>"}}).json()
    on_requirement = aha_api.post(
        "/requirements/PROD-1-1/comments", {"comment": {"body": "<p>Req</p>"}}
    ).json()
    comment_id = on_feature["comment"]["id"]

    assert on_feature["comment"]["user"]["email"] == "aha-bot@acme.example"
    assert on_feature["comment"]["commentable"]["type"] == "Feature"
    assert on_requirement["comment"]["commentable"]["type"] == "Requirement"
    bodies = [c["body"] for c in aha_api.get("/features/PROD-1/comments").json()["comments"]]
    assert bodies == ["<p>Design is ready.</p>", "<p>From Jira</p>"]
    edited = aha_api.put(f"/comments/{comment_id}", {"comment": {"body": "<p>Edited</p>"}}).json()
    assert edited["comment"]["body"] == "<p>Edited</p>"
    assert aha_api.delete(f"/comments/{comment_id}").status_code == 204
    assert aha_api.get(f"/comments/{comment_id}").status_code == 404
    assert aha_api.post("/features/PROD-1/comments", {"comment": {"body": " "}}).status_code == 422
    assert aha_api.get("/features/PROD-1").json()["feature"]["comments_count"] == 1
    assert [c["deleted"] for c in aha_sim.comments()] == [False, True, False]


def test_epics_and_initiatives_are_readable(aha_api: AhaApi) -> None:
    epic = aha_api.get("/epics/PROD-E-1").json()["epic"]
    features = aha_api.get("/epics/PROD-E-1/features").json()["features"]
    initiative = aha_api.get("/initiatives/PROD-S-1").json()["initiative"]
    feature = aha_api.get("/features/PROD-1").json()["feature"]

    assert epic["name"] == "Sign-in" and [f["reference_num"] for f in features] == ["PROD-1", "PROD-2"]
    assert initiative["reference_num"] == "PROD-S-1"
    assert (
        feature["epic"]["reference_num"] == "PROD-E-1" and feature["initiative_reference_num"] == "PROD-S-1"
    )
    assert aha_api.get("/epics/PROD-E-9").status_code == 404


def test_the_sim_views_show_records_with_their_history(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_api.post(
        "/features/PROD-2/time_tracking_events", {"time_tracking_event": {"work_done_text": "30min"}}
    )
    base = f"{aha_sim.base_url}/_sim"

    features = requests.get(f"{base}/features", timeout=5).json()["features"]
    one = requests.get(f"{base}/features/PROD-2", timeout=5).json()
    requirement = requests.get(f"{base}/requirements/PROD-1-1", timeout=5).json()
    tracking = requests.get(f"{base}/time-tracking", timeout=5).json()["time_tracking_events"]
    calls = requests.get(f"{base}/calls", timeout=5).json()["calls"]

    assert [f["reference_num"] for f in features] == ["PROD-1", "PROD-2", "PROD-3"]
    assert one["time_tracking_events"][0]["work_done"] == 30 and one["work_done"] == 30
    assert requirement["reference_num"] == "PROD-1-1" and requirement["comments"] == []
    assert [t["reference"] for t in tracking] == ["PROD-2"]
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("POST", "/api/v1/features/PROD-2/time_tracking_events", 200)
    ]
    assert requests.get(f"{base}/features/PROD-99", timeout=5).status_code == 404
    assert requests.post(f"{base}/reset", timeout=5).status_code == 204
    assert aha_sim.feature("PROD-2")["work_done"] == 0
