"""Drafts of Aha!'s own payloads, posted to the Jira simulator (which validates against Jira's OpenAPI
description and its create metadata): acceptance is the proof that a draft is what Jira takes.

Integrations are configured and tested through the API, so the snapshot the drafts use is the one test
connection stored; look-ups run against the simulator and the DynamoDB cache in moto.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aha_jira.connection.jira_access import jira_client_for
from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraRejected
from aha_jira.jira.rich_text import adf_to_text
from aha_jira.models.feature import AhaFeature, AhaRelease
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.ports import LOOKUP_MISS
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira.storage.lookup_cache import DynamoLookupCache
from aha_jira.storage.secrets import SecretsManagerStore
from aha_jira.sync.drafting import (
    STAMP_PROPERTY,
    DraftRefused,
    IssueDraft,
    draft_feature,
    draft_requirement,
    stamp_property,
)
from aha_jira.sync.lookups import JiraDraftLookups
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.jira_sim.state import PM_ACCOUNT_ID
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call

AHA_EVENTS = Path(__file__).resolve().parents[4] / "shared" / "reference" / "aha-events"
REFERENCE_EVENTS = ["create_feature_event", "update_feature_event"]
READ_FIELDS = [
    "summary",
    "description",
    "labels",
    "fixVersions",
    "assignee",
    "timetracking",
    "issuetype",
    "parent",
    "customfield_10004",
    "customfield_10024",
    "customfield_10300",
    "customfield_10301",
    "customfield_10302",
]
REQ_STATUSES = {
    "Backlog": "New",
    "In Progress": "In development",
    "In Review": "In review",
    "Done": "Shipped",
}


class Site:
    """One configured and tested integration: what a send would hold."""

    def __init__(self, integration: StoredIntegration, snapshot: JiraSnapshot, client: JiraClient) -> None:
        self.integration = integration
        self.snapshot = snapshot
        self.client = client
        self.cache = DynamoLookupCache()
        self.lookups = self.new_lookups()

    def new_lookups(self) -> JiraDraftLookups:
        """Look-ups as a new Lambda container would have them: nothing remembered but the cache."""
        return JiraDraftLookups(self.client, self.snapshot, self.cache, self.integration.integration_id)

    def draft(self, feature: AhaFeature) -> tuple[IssueDraft, list[IssueDraft]]:
        return (
            draft_feature(feature, self.integration, self.snapshot, self.lookups),
            [
                draft_requirement(item, feature, self.integration, self.snapshot, self.lookups)
                for item in feature.requirements
            ],
        )

    def create(self, draft: IssueDraft, **extra: Any) -> str:
        body = {
            "fields": {**draft.create_fields, **extra},
            "properties": [stamp_property(draft.reference, "token-1", self.integration.integration_id)],
        }
        return self.client.create_issue(body).key

    def create_requirements(self, drafts: list[IssueDraft], parent_key: str) -> list[str]:
        # As the engine does: sub-tasks get their parent, and all go in one bulk call.
        bodies: list[dict[str, Any]] = [
            {
                "fields": {**item.create_fields, "parent": {"key": parent_key}},
                "properties": [stamp_property(item.reference, "token-1", self.integration.integration_id)],
            }
            for item in drafts
        ]
        result = self.client.create_issues(bodies)
        assert not result.errors, result.errors
        return [issue.key for issue in result.issues]

    def read(self, key: str) -> dict[str, Any]:
        return self.client.get_issue(key, READ_FIELDS, [STAMP_PROPERTY]).model_dump()


def configure(
    call_api: Call,
    sim: JiraSimulator,
    integration_id: str,
    *,
    project: str = "MOB",
    data_center: bool = False,
    **mapping: Any,
) -> Site:
    credentials = sim.credentials
    auth: dict[str, Any] = (
        {"type": "bearer", "token": credentials["dc_pat"]}
        if data_center
        else {
            "type": "basic",
            "email": credentials["cloud_email"],
            "api_token": credentials["cloud_api_token"],
        }
    )
    statuses = (
        REQ_STATUSES
        if project == "REQ"
        else {"To Do": "New", "In Progress": "In development", "Done": "Shipped"}
    )
    body = {
        "name": f"{project} integration",
        "product": project,
        "jira": {"base_url": sim.base_url, "auth": auth, "project": project},
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": statuses,
            **mapping,
        },
    }
    status, answer = call_api("PUT", f"/integrations/{integration_id}", body)
    assert status in (200, 201), answer
    status, report = call_api("POST", f"/integrations/{integration_id}/test-connection")
    assert status == 200 and report["ok"], report
    repository = DynamoIntegrationRepository()
    integration = repository.get(integration_id)
    snapshot = repository.get_snapshot(integration_id)
    assert integration is not None and snapshot is not None
    client = jira_client_for(integration, SecretsManagerStore(), api_version=snapshot.api_version)
    return Site(integration, snapshot, client)


def reference_feature(event: str, **changes: Any) -> AhaFeature:
    """Aha!'s payload as it comes, plus what these tests need it to carry."""
    raw = json.loads((AHA_EVENTS / f"{event}.json").read_text())["feature"]
    raw.update(changes)
    return AhaFeature.model_validate(raw)


def enriched(event: str, **changes: Any) -> AhaFeature:
    extra: dict[str, Any] = {
        "tags": ["offline first", "Mobile", "offline  first"],
        "original_estimate": 150,
        "work_units": 10,
        "assigned_to_user": {"email": "PM@acme.example", "name": "Pat Product"},
        "description": {
            "body": "<h2>Why</h2><p>Fans want <strong>offline</strong> mode.</p><ul><li>one</li></ul>"
        },
    }
    extra.update(changes)
    return reference_feature(event, **extra)


def version_posts(sim: JiraSimulator) -> list[dict[str, Any]]:
    return [call for call in sim.calls if call["method"] == "POST" and call["path"].endswith("/version")]


def user_searches(sim: JiraSimulator) -> list[dict[str, Any]]:
    return [call for call in sim.calls if call["path"].endswith("/user/search")]


# --- MOB on Cloud and Data Center ---------------------------------------------------------------------


@pytest.mark.parametrize("event", REFERENCE_EVENTS)
def test_reference_features_as_they_come_are_accepted_on_cloud(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, event: str
) -> None:
    site = configure(call_api, jira_sim, "mob")
    feature = reference_feature(event)
    feature_draft, requirement_drafts = site.draft(feature)
    key = site.create(feature_draft)
    keys = site.create_requirements(requirement_drafts, key)

    issue = site.read(key)
    fields = issue["fields"]
    assert fields["summary"] == "Feature with attachments"
    assert adf_to_text(fields["description"]) == "PROD-2"
    assert fields["customfield_10024"] == "http://watersco.aha.io/features/PROD-2"
    assert [version["name"] for version in fields["fixVersions"]] == ["Summer"]
    assert issue["properties"][STAMP_PROPERTY] == {
        "reference": "PROD-2",
        "token": "token-1",
        "integration_id": "mob",
    }
    requirement = site.read(keys[0])["fields"]
    assert requirement["summary"] == "Requirement 1"
    assert requirement["parent"]["key"] == key
    assert adf_to_text(requirement["description"]).startswith("First requirement")


def test_enriched_feature_on_cloud_carries_every_part(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    site = configure(call_api, jira_sim, "mob")
    feature_draft, _ = site.draft(enriched("create_feature_event"))
    fields = site.read(site.create(feature_draft))["fields"]
    assert fields["labels"] == ["offline-first", "Mobile"]
    assert fields["assignee"]["accountId"] == PM_ACCOUNT_ID
    assert fields["assignee"]["emailAddress"] == "pm@acme.example"
    assert fields["timetracking"]["originalEstimate"] == "2h 30m"
    text = adf_to_text(fields["description"])
    assert "Fans want offline mode." in text and text.endswith("PROD-2")


def test_data_center_takes_wiki_and_user_names(
    call_api: Call, aws: LocalResources, jira_sim_dc: JiraSimulator
) -> None:
    site = configure(call_api, jira_sim_dc, "mob-dc", data_center=True)
    feature = enriched("update_feature_event")
    feature_draft, requirement_drafts = site.draft(feature)
    assert isinstance(feature_draft.create_fields["description"], str)
    assert feature_draft.create_fields["assignee"] == {"name": "pat"}
    key = site.create(feature_draft)
    keys = site.create_requirements(requirement_drafts, key)

    fields = site.read(key)["fields"]
    assert fields["description"].endswith("[PROD-2|http://watersco.aha.io/features/PROD-2]")
    assert "h2. Why" in fields["description"]
    assert fields["assignee"]["name"] == "pat"
    assert fields["labels"] == ["offline-first", "Mobile"]
    assert [version["name"] for version in fields["fixVersions"]] == ["Summer"]
    requirement = site.read(keys[0])["fields"]
    assert requirement["description"] == (
        "First requirement\n, changed\n\n[PROD-2-1|http://watersco.aha.io/requirements/PROD-2-1]"
    )
    assert all(call["path"].startswith("/rest/api/2/") for call in jira_sim_dc.calls)


@pytest.mark.parametrize("data_center", [False, True])
def test_edit_applies_and_keeps_labels_added_in_jira(
    call_api: Call,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    jira_sim_dc: JiraSimulator,
    data_center: bool,
) -> None:
    sim = jira_sim_dc if data_center else jira_sim
    site = configure(call_api, sim, "mob-edit", data_center=data_center)
    first, _ = site.draft(enriched("create_feature_event"))
    key = site.create(first)
    # An engineer adds a label and a fix version in Jira.
    site.client.edit_issue(
        key, {"update": {"labels": [{"add": "jira-only"}], "fixVersions": [{"add": {"id": "10001"}}]}}
    )

    again, _ = site.draft(enriched("create_feature_event"))
    assert again.content_hash == first.content_hash  # nothing changed: nothing to write

    changed_feature = enriched(
        "update_feature_event",
        name="Feature with attachments, renamed",
        tags=["offline first", "beta"],
        description={"body": "<p>Now <em>with</em> sync.</p>"},
        original_estimate=60,
    )
    changed, _ = site.draft(changed_feature)
    assert changed.content_hash != first.content_hash
    site.client.edit_issue(key, changed.edit)

    fields = site.read(key)["fields"]
    assert fields["summary"] == "Feature with attachments, renamed"
    assert set(fields["labels"]) == {"offline-first", "Mobile", "jira-only", "beta"}
    assert sorted(version["name"] for version in fields["fixVersions"]) == ["2.0", "Summer"]
    assert fields["timetracking"]["originalEstimate"] == "1h"
    description = fields["description"] if data_center else adf_to_text(fields["description"])
    assert "with" in description and "PROD-2" in description and "Fans" not in description


# --- REQ: required custom fields satisfied through the mapping ----------------------------------------

REQ_FIELDS = {
    "customfield_10300": {"value": "mobile"},
    "customfield_10301": {"from": "custom_fields.risk_score"},
    "customfield_10302": {"from": "custom_fields.acceptance"},
}
REQ_CUSTOM_FIELDS = [
    {"key": "risk_score", "name": "Risk score", "value": "7", "type": "number"},
    {"key": "acceptance", "name": "Acceptance", "value": "<p>Works <em>offline</em></p>", "type": "note"},
]


@pytest.mark.parametrize("event", REFERENCE_EVENTS)
def test_required_team_and_risk_score_come_from_the_mapping(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, event: str
) -> None:
    site = configure(call_api, jira_sim, "req", project="REQ", fields=REQ_FIELDS)
    feature = enriched(event, custom_fields=REQ_CUSTOM_FIELDS)
    feature_draft, requirement_drafts = site.draft(feature)
    key = site.create(feature_draft)
    keys = site.create_requirements(requirement_drafts, key)

    fields = site.read(key)["fields"]
    assert fields["customfield_10300"]["value"] == "Mobile"
    assert fields["customfield_10301"] == 7
    assert adf_to_text(fields["customfield_10302"]) == "Works offline"
    # Requirements have no such custom fields: they inherit their feature's.
    requirement = site.read(keys[0])["fields"]
    assert requirement["customfield_10300"]["value"] == "Mobile"
    assert requirement["customfield_10301"] == 7


def test_required_fields_on_data_center(
    call_api: Call, aws: LocalResources, jira_sim_dc: JiraSimulator
) -> None:
    site = configure(call_api, jira_sim_dc, "req-dc", project="REQ", data_center=True, fields=REQ_FIELDS)
    feature_draft, requirement_drafts = site.draft(
        enriched("create_feature_event", custom_fields=REQ_CUSTOM_FIELDS)
    )
    key = site.create(feature_draft)
    site.create_requirements(requirement_drafts, key)
    fields = site.read(key)["fields"]
    assert fields["customfield_10302"] == "Works _offline_"
    assert fields["customfield_10300"]["id"] == "10401"


def test_constant_outside_allowed_values_is_refused_before_jira(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    fields = {**REQ_FIELDS, "customfield_10300": {"value": "Design"}}
    site = configure(call_api, jira_sim, "req-bad", project="REQ", fields=fields)
    before = len(jira_sim.calls)
    with pytest.raises(DraftRefused) as caught:
        site.draft(enriched("create_feature_event", custom_fields=REQ_CUSTOM_FIELDS))
    error = caught.value
    assert error.status == 422 and error.code == "field_not_accepted"
    assert "Team" in error.message and "customfield_10300" in error.message
    assert "Platform, Mobile, Web" in error.message
    assert "mapping.fields.customfield_10300" in error.hint
    assert error.details == [{"field_id": "customfield_10300", "field_name": "Team", "issue_type": "Story"}]
    # Refused before any write: not even the missing version was created.
    assert not version_posts(jira_sim) and not [
        call for call in jira_sim.calls[before:] if call["method"] != "GET"
    ]


def test_mapped_field_not_on_screen_is_refused_and_jira_agrees(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    site = configure(call_api, jira_sim, "mob-off", fields={"customfield_10300": {"value": "Mobile"}})
    with pytest.raises(DraftRefused) as caught:
        site.draft(reference_feature("create_feature_event"))
    assert caught.value.field_id == "customfield_10300" and caught.value.field_name == "Team"
    assert "mapping.fields.customfield_10300" in caught.value.hint

    # What Jira would have said: the field cannot be set on this screen.
    plain = configure(call_api, jira_sim, "mob-plain")
    feature_draft, _ = plain.draft(reference_feature("create_feature_event"))
    with pytest.raises(JiraRejected) as rejected:
        plain.create(feature_draft, customfield_10300={"id": "10401"})
    assert "customfield_10300" in rejected.value.field_errors


# --- look-ups: versions and users, cached --------------------------------------------------------------


def test_a_missing_version_is_created_once_and_cached(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    site = configure(call_api, jira_sim, "mob-versions")
    feature = reference_feature("create_feature_event")
    feature.requirements = [
        feature.requirements[0].model_copy(update={"reference_num": f"PROD-2-{n}"}) for n in range(1, 4)
    ]
    feature_draft, requirement_drafts = site.draft(feature)
    posts = version_posts(jira_sim)
    assert len(posts) == 1
    assert posts[0]["body"]["name"] == "Summer" and posts[0]["body"]["releaseDate"] == "2014-06-06"
    version_id = feature_draft.create_fields["fixVersions"][0]["id"]
    assert all(item.create_fields["fixVersions"] == [{"id": version_id}] for item in requirement_drafts)

    # A new container reads the id from the cache, whatever the case of the release name.
    site.lookups = site.new_lookups()
    renamed = feature.model_copy(update={"release": AhaRelease(name="SUMMER", release_date="2014-06-06")})
    again, _ = site.draft(renamed)
    assert again.create_fields["fixVersions"] == [{"id": version_id}]
    assert len(version_posts(jira_sim)) == 1
    assert site.cache.get("mob-versions", "version", "summer") == version_id

    # A version the snapshot already knows is never created.
    known = feature.model_copy(update={"release": AhaRelease(name="2.0")})
    assert site.draft(known)[0].create_fields["fixVersions"] == [{"id": "10001"}]
    assert len(version_posts(jira_sim)) == 1


def test_a_version_created_in_jira_since_the_snapshot_is_reused(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    site = configure(call_api, jira_sim, "mob-race")
    existing = site.client.create_version(site.snapshot.project.id, "Winter", None)
    feature = reference_feature(
        "create_feature_event", release={"name": "winter", "release_date": "2027-01-01"}
    )
    feature_draft, _ = site.draft(feature)
    assert feature_draft.create_fields["fixVersions"] == [{"id": existing.id}]
    assert [call["status"] for call in version_posts(jira_sim)] == [201, 400]
    assert site.cache.get("mob-race", "version", "Winter") == existing.id
    key = site.create(feature_draft)
    assert [version["name"] for version in site.read(key)["fields"]["fixVersions"]] == ["Winter"]


@pytest.mark.parametrize("data_center", [False, True])
def test_users_are_looked_up_once_and_misses_are_cached(
    call_api: Call,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    jira_sim_dc: JiraSimulator,
    data_center: bool,
) -> None:
    sim = jira_sim_dc if data_center else jira_sim
    site = configure(call_api, sim, "mob-users", data_center=data_center)
    expected = {"name": "pat"} if data_center else {"accountId": PM_ACCOUNT_ID}
    assert site.lookups.assignee("Pm@Acme.Example") == expected
    assert site.lookups.assignee("nobody@acme.example") is None
    assert len(user_searches(sim)) == 2

    fresh = site.new_lookups()
    assert fresh.assignee("pm@acme.example") == expected
    assert fresh.assignee("NOBODY@acme.example") is None
    assert len(user_searches(sim)) == 2
    assert site.cache.get("mob-users", "user", "nobody@acme.example") == LOOKUP_MISS

    feature = reference_feature("create_feature_event", assigned_to_user={"email": "nobody@acme.example"})
    feature_draft, _ = site.draft(feature)
    assert "assignee" not in feature_draft.create_fields
    site.create(feature_draft)


# --- the cache adapter --------------------------------------------------------------------------------


def test_lookup_cache_items_expire_and_keys_ignore_case(aws: LocalResources) -> None:
    now = [1_000_000.0]
    cache = DynamoLookupCache(clock=lambda: now[0])
    assert cache.get("mob", "version", "Summer") is None
    cache.put("mob", "version", "Summer", "10101", 60)
    cache.put("mob", "user", "gone@acme.example", LOOKUP_MISS, 30)
    assert cache.get("mob", "version", "SUMMER") == "10101"
    assert cache.get("other", "version", "summer") is None
    assert cache.get("mob", "user", "Gone@Acme.Example") == LOOKUP_MISS

    item = aws_clients.dynamodb().get_item(
        TableName=get_settings().integrations_table,
        Key={"pk": {"S": "INTEGRATION#mob"}, "sk": {"S": "LOOKUP#version#summer"}},
    )["Item"]
    assert item["value"] == {"S": "10101"} and item["expires_at"] == {"N": str(1_000_060)}

    now[0] += 31
    assert cache.get("mob", "user", "gone@acme.example") is None
    assert cache.get("mob", "version", "summer") == "10101"
    now[0] += 30
    assert cache.get("mob", "version", "summer") is None
    cache.put("mob", "version", "summer", "10102", 60)
    assert cache.get("mob", "version", "Summer") == "10102"


def test_lookup_cache_takes_long_keys(aws: LocalResources) -> None:
    cache = DynamoLookupCache()
    name = "Release " + "ü" * 600
    cache.put("mob", "version", name, "1", 60)
    assert cache.get("mob", "version", name.upper()) == "1"
