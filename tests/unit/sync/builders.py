"""Hand-built Jira snapshots, integrations and roadmap records for drafting tests, and a `DraftLookups`
test peer that answers from dictionaries and records every question."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aha_jira.models.feature import AhaFeature, AhaRelease
from aha_jira.models.integration import ImportSettings, Mapping, StoredAuth, StoredIntegration, StoredJiraSite
from aha_jira.models.jira_payloads import CreateMetaField, FieldRef, VersionRef
from aha_jira.models.jira_snapshot import IssueTypeSnapshot, JiraSnapshot, ProjectSnapshot

AHA_EVENTS = Path(__file__).resolve().parents[4] / "shared" / "reference" / "aha-events"

CF = "com.atlassian.jira.plugin.system.customfieldtypes:"
GH = "com.pyxis.greenhopper.jira:"

STORY, SUBTASK, TASK, EPIC = "10001", "10003", "10002", "10000"


def meta(
    field_id: str,
    name: str,
    schema_type: str,
    *,
    items: str | None = None,
    system: str | None = None,
    custom: str | None = None,
    required: bool = False,
    allowed: list[dict[str, Any]] | None = None,
    default: bool = False,
) -> CreateMetaField:
    schema: dict[str, Any] = {"type": schema_type}
    if items:
        schema["items"] = items
    if system:
        schema["system"] = system
    if custom:
        schema["custom"] = custom
    raw: dict[str, Any] = {
        "fieldId": field_id,
        "name": name,
        "required": required,
        "schema": schema,
        "hasDefaultValue": default,
    }
    if allowed is not None:
        raw["allowedValues"] = allowed
    return CreateMetaField.model_validate(raw)


def base_screen() -> dict[str, CreateMetaField]:
    """A company-managed Story screen, as Jira Cloud's create metadata describes it."""
    fields = [
        meta("summary", "Summary", "string", system="summary", required=True),
        meta("issuetype", "Issue Type", "issuetype", system="issuetype", required=True),
        meta("project", "Project", "project", system="project", required=True),
        meta("description", "Description", "string", system="description"),
        meta("labels", "Labels", "array", items="string", system="labels"),
        meta(
            "fixVersions",
            "Fix versions",
            "array",
            items="version",
            system="fixVersions",
            allowed=[{"id": "10000", "name": "1.0"}, {"id": "10001", "name": "2.0"}],
        ),
        meta("assignee", "Assignee", "user", system="assignee"),
        meta("reporter", "Reporter", "user", system="reporter", required=True, default=True),
        meta(
            "priority",
            "Priority",
            "priority",
            system="priority",
            allowed=[
                {"id": "1", "name": "Highest"},
                {"id": "3", "name": "Medium"},
                {"id": "5", "name": "Lowest"},
            ],
            default=True,
        ),
        meta("timetracking", "Time tracking", "timetracking", system="timetracking"),
        meta("parent", "Parent", "issuelink", system="parent"),
        meta("customfield_10004", "Story Points", "number", custom=CF + "float"),
        meta("customfield_10024", "Aha! Reference", "string", custom=CF + "url"),
    ]
    return {item.field_id: item for item in fields}


def subtask_screen() -> dict[str, CreateMetaField]:
    screen = base_screen()
    screen["parent"] = meta("parent", "Parent", "issuelink", system="parent", required=True)
    return screen


TEAM = meta(
    "customfield_10300",
    "Team",
    "option",
    custom=CF + "select",
    required=True,
    allowed=[
        {"id": "10400", "value": "Platform"},
        {"id": "10401", "value": "Mobile"},
        {"id": "10402", "value": "Web"},
    ],
)
RISK = meta("customfield_10301", "Risk Score", "number", custom=CF + "float", required=True)
ACCEPTANCE = meta("customfield_10302", "Acceptance Criteria", "string", custom=CF + "textarea")

FIELD_LIST = [
    FieldRef.model_validate(item)
    for item in (
        {"id": "summary", "name": "Summary", "schema": {"type": "string", "system": "summary"}},
        {
            "id": "customfield_10004",
            "name": "Story Points",
            "custom": True,
            "schema": {"type": "number", "custom": CF + "float"},
        },
        {
            "id": "customfield_10024",
            "name": "Aha! Reference",
            "custom": True,
            "schema": {"type": "string", "custom": CF + "url"},
        },
        {
            "id": "customfield_10300",
            "name": "Team",
            "custom": True,
            "schema": {"type": "option", "custom": CF + "select"},
        },
        {
            "id": "customfield_10301",
            "name": "Risk Score",
            "custom": True,
            "schema": {"type": "number", "custom": CF + "float"},
        },
        {
            "id": "customfield_10500",
            "name": "Off screen",
            "custom": True,
            "schema": {"type": "string", "custom": CF + "textfield"},
        },
    )
]


def snapshot(
    *,
    deployment: Literal["cloud", "datacenter"] = "cloud",
    feature_screen: dict[str, CreateMetaField] | None = None,
    requirement_screen: dict[str, CreateMetaField] | None = None,
    fields: list[FieldRef] | None = None,
    versions: list[VersionRef] | None = None,
) -> JiraSnapshot:
    cloud = deployment == "cloud"
    return JiraSnapshot(
        loaded_at="2026-01-01T00:00:00.000+00:00",
        base_url="https://acme.atlassian.net" if cloud else "https://jira.acme.example",
        deployment=deployment,
        api_version=3 if cloud else 2,
        rich_text="adf" if cloud else "wiki",
        account_id="bot",
        project=ProjectSnapshot(id="10000", key="MOB", name="Mobile App"),
        issue_types=[
            IssueTypeSnapshot(
                id=STORY,
                name="Story",
                create_fields=base_screen() if feature_screen is None else feature_screen,
            ),
            IssueTypeSnapshot(
                id=SUBTASK,
                name="Sub-task",
                subtask=True,
                hierarchy_level=-1,
                create_fields=subtask_screen() if requirement_screen is None else requirement_screen,
            ),
            IssueTypeSnapshot(id=TASK, name="Task"),
            IssueTypeSnapshot(id=EPIC, name="Epic", hierarchy_level=1),
        ],
        feature_issue_type_id=STORY,
        requirement_issue_type_id=SUBTASK,
        requirement_mode="subtask",
        fields=FIELD_LIST if fields is None else fields,
        versions=versions
        if versions is not None
        else [
            VersionRef.model_validate({"id": "10000", "name": "1.0", "released": True}),
            VersionRef.model_validate({"id": "10001", "name": "2.0"}),
        ],
    )


def integration(**mapping: Any) -> StoredIntegration:
    return StoredIntegration(
        integration_id="mobile",
        name="Mobile app",
        product="MOB",
        enabled=True,
        jira=StoredJiraSite(
            base_url="https://acme.atlassian.net",
            auth=StoredAuth(type="basic", email="bot@acme.example", credential="api_token"),
            project="MOB",
        ),
        mapping=Mapping.model_validate(
            {"feature_issue_type": "Story", "requirement_issue_type": "Sub-task", **mapping}, strict=False
        ),
        import_settings=ImportSettings(),
        credentials_secret=None,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        version=1,
    )


def feature(**changes: Any) -> AhaFeature:
    raw: dict[str, Any] = {
        "reference_num": "MOB-12",
        "name": "Offline mode",
        "description": {"body": "<p>Works <strong>without</strong> a network.</p>"},
        "workflow_status": {"name": "Ready to develop"},
        "tags": ["mobile", "offline first"],
        "release": {"reference_num": "MOB-R-2", "name": "2.0", "release_date": "2026-12-01"},
        "url": "https://acme.aha.io/features/MOB-12",
        "requirements": [
            {
                "reference_num": "MOB-12-1",
                "name": "Cache the last sync",
                "description": {"body": "<p>Keep it for 7 days.</p>"},
                "url": "https://acme.aha.io/requirements/MOB-12-1",
            }
        ],
    }
    raw.update(changes)
    return AhaFeature.model_validate(raw)


def reference_feature(name: str) -> AhaFeature:
    """A feature from Aha!'s own event payloads, parsed as the send route parses it."""
    event = json.loads((AHA_EVENTS / f"{name}.json").read_text())
    return AhaFeature.model_validate(event["feature"])


@dataclass
class RecordingLookups:
    """`DraftLookups` answering from dictionaries; `calls` lists every question in order."""

    versions: dict[str, str] = field(default_factory=lambda: {"1.0": "10000", "2.0": "10001"})
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def version_id(self, release: AhaRelease) -> str | None:
        self.calls.append(("version", release.name))
        return next(
            (vid for name, vid in self.versions.items() if name.casefold() == release.name.casefold()), None
        )

    def assignee(self, email: str) -> dict[str, str] | None:
        self.calls.append(("user", email))
        return self.users.get(email.casefold())
