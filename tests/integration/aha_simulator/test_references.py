"""References are allocated as Aha! allocates them: PROD-N per product, PROD-N-M per feature, PROD-R-N per
product; a number is never reused. Records are found by id or by reference."""

from __future__ import annotations

from aha_jira_dev.aha_sim import AhaSimulator
from tests.fixtures.aha import AhaApi


def test_the_seed(aha_api: AhaApi) -> None:
    releases = aha_api.get("/products/PROD/releases").json()["releases"]
    assert [r["reference_num"] for r in releases] == ["PROD-R-1", "PROD-R-2", "PROD-R-3"]
    in_first = aha_api.get("/releases/PROD-R-1/features").json()["features"]
    assert [f["reference_num"] for f in in_first] == ["PROD-1", "PROD-2"]
    requirements = aha_api.get("/features/PROD-1/requirements").json()["requirements"]
    assert [r["reference_num"] for r in requirements] == ["PROD-1-1", "PROD-1-2"]


def test_features_and_requirements_get_the_next_numbers(aha_api: AhaApi) -> None:
    first = aha_api.post("/releases/PROD-R-2/features", {"feature": {"name": "A"}}).json()["feature"]
    second = aha_api.post("/releases/PROD-R-1/features", {"feature": {"name": "B"}}).json()["feature"]
    r1 = aha_api.post(f"/features/{first['id']}/requirements", {"requirement": {"name": "a1"}}).json()
    r2 = aha_api.post("/features/PROD-4/requirements", {"requirement": {"name": "a2"}}).json()
    other = aha_api.post("/features/PROD-2/requirements", {"requirement": {"name": "b"}}).json()

    assert (first["reference_num"], second["reference_num"]) == ("PROD-4", "PROD-5")
    assert first["release"]["reference_num"] == "PROD-R-2"
    assert r1["requirement"]["reference_num"] == "PROD-4-1"
    assert r2["requirement"]["reference_num"] == "PROD-4-2"
    assert other["requirement"]["reference_num"] == "PROD-2-2"
    assert first["url"].endswith("/features/PROD-4") and first["resource"].endswith("/api/v1/features/PROD-4")


def test_numbers_are_never_reused_after_a_delete(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    aha_sim.pm.delete_feature("PROD-3")
    aha_sim.pm.delete_requirement("PROD-1-2")

    feature = aha_sim.pm.create_feature("PROD-R-1", "After the delete")
    requirement = aha_sim.pm.add_requirement("PROD-1", "After the delete")

    assert feature["reference_num"] == "PROD-4"
    assert requirement["reference_num"] == "PROD-1-3"
    assert aha_api.get("/features/PROD-3").status_code == 404
    assert aha_api.get("/requirements/PROD-1-2").status_code == 404


def test_records_are_found_by_id_or_by_reference_in_any_case(aha_api: AhaApi) -> None:
    feature = aha_api.get("/features/PROD-1").json()["feature"]
    release = feature["release"]

    assert aha_api.get(f"/features/{feature['id']}").json()["feature"]["reference_num"] == "PROD-1"
    assert aha_api.get("/features/prod-1").json()["feature"]["id"] == feature["id"]
    assert aha_api.get(f"/releases/{release['id']}").json()["release"]["reference_num"] == "PROD-R-1"
    assert aha_api.get(f"/products/{feature['product_id']}").json()["product"]["reference_prefix"] == "PROD"
    requirement = feature["requirements"][0]
    assert (
        aha_api.get(f"/requirements/{requirement['id']}").json()["requirement"]["reference_num"] == "PROD-1-1"
    )
