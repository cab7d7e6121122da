"""Time tracking events add up, as in Aha!: posting the same event twice counts the time twice, and every
event is kept so a test can see double counting."""

from __future__ import annotations

from aha_jira_dev.aha_sim import AhaSimulator
from tests.fixtures.aha import AhaApi

EVENT = {"time_tracking_event": {"work_done_text": "1h 30min"}}


def test_work_done_accumulates_and_every_event_is_kept(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    first = aha_api.post("/features/PROD-1/time_tracking_events", EVENT)
    second = aha_api.post("/features/PROD-1/time_tracking_events", EVENT)

    assert first.status_code == 200 and second.status_code == 200
    event = first.json()["time_tracking_event"]
    assert event["work_done"] == 90 and event["work_units"] == 10
    assert event["user"]["email"] == "aha-bot@acme.example"
    feature = aha_api.get("/features/PROD-1").json()["feature"]
    assert feature["work_done"] == 180
    assert feature["remaining_estimate"] == 16 * 60 - 180  # reduced by the work done unless given
    logged = aha_sim.time_tracking_events()
    assert [(e["reference"], e["work_done"], e["deleted"], e["via"]) for e in logged] == [
        ("PROD-1", 90, False, "api"),
        ("PROD-1", 90, False, "api"),
    ]
    assert logged[0]["key"] == "sim-…bot"


def test_a_remaining_estimate_given_with_the_event_is_set(aha_api: AhaApi) -> None:
    aha_api.post(
        "/features/PROD-1/time_tracking_events",
        {
            "time_tracking_event": {
                "work_done_text": "2h",
                "remaining_estimate_text": "1d",
                "occurred_on": "2024-02-02",
            }
        },
    )

    feature = aha_api.get("/features/PROD-1").json()["feature"]
    assert feature["work_done"] == 120 and feature["remaining_estimate"] == 8 * 60


def test_requirements_track_their_own_time(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    resp = aha_api.post(
        "/requirements/PROD-1-1/time_tracking_events", {"time_tracking_event": {"work_done": 45}}
    )

    assert resp.status_code == 200
    assert aha_api.get("/requirements/PROD-1-1").json()["requirement"]["work_done"] == 45
    assert aha_api.get("/features/PROD-1").json()["feature"]["work_done"] == 0
    assert aha_sim.requirement("PROD-1-1")["time_tracking_events"][0]["record_type"] == "Requirement"


def test_deleting_an_event_takes_its_time_back(aha_sim: AhaSimulator, aha_api: AhaApi) -> None:
    kept = aha_api.post("/features/PROD-1/time_tracking_events", EVENT).json()["time_tracking_event"]
    mistaken = aha_api.post("/features/PROD-1/time_tracking_events", EVENT).json()["time_tracking_event"]

    resp = aha_api.delete(f"/time_tracking_events/{mistaken['id']}")

    assert resp.status_code == 204 and resp.content == b""
    assert aha_api.get("/features/PROD-1").json()["feature"]["work_done"] == 90
    states = {e["id"]: e["deleted"] for e in aha_sim.time_tracking_events()}
    assert states == {kept["id"]: False, mistaken["id"]: True}
    assert aha_api.delete(f"/time_tracking_events/{mistaken['id']}").status_code == 404


def test_an_event_without_work_or_with_a_bare_number_is_refused(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    for body in (
        {"time_tracking_event": {"remaining_estimate_text": "1h"}},
        {"time_tracking_event": {"work_done_text": "90"}},
        {"time_tracking_event": {"work_done_text": "1h", "user_id": 1}},
        {"time_tracking_event": {"work_done_text": "1h", "occurred_on": "yesterday"}},
    ):
        resp = aha_api.post("/features/PROD-1/time_tracking_events", body)
        assert resp.status_code == 422, body
    assert aha_sim.time_tracking_events() == []
    assert aha_sim.feature("PROD-1")["work_done"] == 0


def test_estimates_are_set_by_a_feature_update(aha_api: AhaApi) -> None:
    resp = aha_api.put(
        "/features/PROD-1",
        {"feature": {"original_estimate_text": "2d", "remaining_estimate": 300}},
    )

    feature = resp.json()["feature"]
    assert feature["original_estimate"] == 16 * 60 and feature["remaining_estimate"] == 300
