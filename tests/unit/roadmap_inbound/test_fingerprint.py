"""What was sent, fingerprinted (`models/roadmap_content.py`): the same content in Aha!'s API shape and its
event shape gives one fingerprint; what only our own writes change (time tracking, integration fields,
attachment URLs) changes nothing; a status is a change unless it is the one sent or the one Jira gave."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from aha_jira.models.feature import AhaFeature
from aha_jira.models.roadmap_content import changed_in_roadmap, fingerprint, moved_statuses

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference"


def event_feature() -> dict[str, Any]:
    document = json.loads((REFERENCE / "aha-events" / "update_feature_event.json").read_text())
    return copy.deepcopy(document["feature"])


def api_feature() -> dict[str, Any]:
    spec = json.loads((REFERENCE / "aha-openapi.json").read_text())
    operation = spec["paths"]["/features/{id}"]["get"]
    example = operation["responses"]["200"]["content"]["application/json; charset=utf-8"]["example"]
    return copy.deepcopy(example["feature"])


def read(document: dict[str, Any]) -> AhaFeature:
    return AhaFeature.model_validate(document)


def test_the_api_shape_and_the_event_shape_of_aha_validate_as_the_send_body() -> None:
    api = read(api_feature())
    event = read(event_feature())
    assert api.reference_num == "PRJ1-1" and api.requirements[0].reference_num == "PRJ1-1-2"
    assert event.reference_num == "PROD-2" and event.requirements[0].name == "Requirement 1"
    assert api.requirements[0].description.body == ""  # null in the API's answer


def test_one_content_in_either_shape_is_one_fingerprint() -> None:
    """An event carrying what the API answered (its keys dropped or reshaped as events carry them)."""
    api = api_feature()
    event = copy.deepcopy(api)
    for key in ("project", "goals", "key_results", "full_tags", "score_facts", "feature_links", "epic"):
        event.pop(key, None)
    event["description"] = {"body": api["description"]["body"], "id": "1", "attachments": []}
    event["created_at"] = "2019-01-01T00:00:00Z"
    assert fingerprint(read(api)) == fingerprint(read(event))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda f: f.update(work_done=480, remaining_estimate=0), "time tracking"),
        (lambda f: f.update(integration_fields=[{"name": "key", "value": "JRA-9"}]), "integration fields"),
        (lambda f: f["attachments"].append(f["description"]["attachments"][0]) or None, "not carried"),
        (lambda f: f.update(comments_count=7, position=9, score=99, updated_at="2030-01-01"), "bookkeeping"),
    ],
    ids=["time tracking", "integration fields", "a description attachment listed twice", "bookkeeping"],
)
def test_what_only_our_own_writes_change_changes_nothing(change: Any, path: str) -> None:
    before = api_feature()
    after = copy.deepcopy(before)
    change(after)
    if path == "not carried":
        # Attachments are carried: this one shows they are compared by name, type and size, not by URL.
        before["attachments"].append(copy.deepcopy(before["description"]["attachments"][0]))
        after["attachments"][-1]["download_url"] += "&signed=later"
    assert fingerprint(read(before)) == fingerprint(read(after))


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.update(name="Another name"),
        lambda f: f["description"].update(body="<p>Another body</p>"),
        lambda f: f.update(tags=["Engineering"]),
        lambda f: f.update(release={**f["release"], "name": "Release 2"}),
        lambda f: f.update(original_estimate=120, work_units=10),
        lambda f: f.update(assigned_to_user={"email": "someone@acme.example"}),
        lambda f: f["custom_fields"][1].update(value="2030-01-01"),
        lambda f: f["requirements"][0].update(name="Another requirement"),
        lambda f: f["requirements"].append({"reference_num": "PRJ1-1-9", "name": "A new one"}),
        lambda f: f["requirements"].clear(),
    ],
    ids=[
        "name",
        "description",
        "tags",
        "release",
        "estimate",
        "assignee",
        "a custom field",
        "a requirement's name",
        "a requirement added",
        "requirements removed",
    ],
)
def test_what_a_send_carries_changes_the_content(change: Any) -> None:
    before = api_feature()
    after = copy.deepcopy(before)
    change(after)
    assert fingerprint(read(before)).content != fingerprint(read(after)).content


def test_tags_are_compared_as_a_set_and_statuses_apart_from_the_content() -> None:
    before = api_feature()
    after = copy.deepcopy(before)
    after["tags"] = list(reversed(before["tags"]))
    after["workflow_status"] = {"name": "Shipped"}
    sent, now = fingerprint(read(before)), fingerprint(read(after))
    assert sent.content == now.content
    assert moved_statuses(now, sent) == ["PRJ1-1"]


def test_a_status_is_a_change_unless_it_was_sent_or_jira_gave_it() -> None:
    before = api_feature()
    sent = fingerprint(read(before))
    moved = copy.deepcopy(before)
    moved["workflow_status"] = {"name": "In development"}
    now = fingerprint(read(moved))
    assert changed_in_roadmap(now, None, {}) is True  # nothing sent yet
    assert changed_in_roadmap(sent, sent, {}) is False
    assert changed_in_roadmap(now, sent, {}) is True  # the product manager moved it
    assert changed_in_roadmap(now, sent, {"PRJ1-1": "in DEVELOPMENT"}) is False  # Jira did (any case)
    assert changed_in_roadmap(now, sent, {"PRJ1-1-2": "In development"}) is True  # another record's
