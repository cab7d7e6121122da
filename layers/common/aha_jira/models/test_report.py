"""The answer of test connection: `ok`, the problems found (each with what to change), and a summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from aha_jira.models.jira_payloads import CreateMetaField, IssueLinkTypeRef, ProjectRef
from aha_jira.models.jira_snapshot import JiraSnapshot

ProblemCode = Literal[
    "auth_failed",
    "site_unreachable",
    "dns_failed",
    "tls_failed",
    "timeout",
    "not_jira",
    "project_not_found",
    "issue_type_not_found",
    "subtasks_disabled",
    "link_type_missing",
    "linking_disabled",
    "required_field_unmapped",
    "permission_missing",
    "status_unmapped",
    # The roadmap connector (`roadmap` block; connection/roadmap_check.py).
    "roadmap_auth_failed",
    "roadmap_unreachable",
    "roadmap_product_not_found",
    "roadmap_status_unknown",
    "roadmap_integration_not_found",
    # Linked issues changed in Jira and no webhook delivery came (connection/webhook_check.py).
    "webhook_silent",
]

# Fields a send fills itself, so Jira requiring them is not the mapping's concern.
FIELDS_WE_FILL = frozenset(
    {
        "summary",
        "issuetype",
        "project",
        "parent",
        "description",
        "labels",
        "fixVersions",
        "assignee",
        "timetracking",
        "reporter",
    }
)
# The summary is stored with the integration (a DynamoDB item: 400 KB at most), so its lists are capped.
MAX_PROJECTS = 500
MAX_ALLOWED_VALUES = 100


class Problem(BaseModel):
    code: ProblemCode
    severity: Literal["error", "warning"] = "error"
    message: str
    hint: str
    # Machine-readable detail for clients (field id, issue type, permission key...).
    context: dict[str, Any] = Field(default_factory=dict)


class TestReport(BaseModel):
    __test__ = False  # not a pytest test class, despite the name

    ok: bool
    problems: list[Problem]
    jira: dict[str, Any]
    tested_at: str
    jira_calls: int
    # What was checked of the roadmap (`{"type": "none"}` when there is none) and the calls it took.
    roadmap: dict[str, Any] = Field(default_factory=lambda: {"type": "none"})
    roadmap_calls: int = 0


def needs_mapping(field_id: str, meta: CreateMetaField) -> bool:
    """A field Jira requires on create that neither Jira (a default) nor a send fills: the mapping must."""
    return meta.required and not meta.has_default_value and field_id not in FIELDS_WE_FILL


def jira_summary(
    snapshot: JiraSnapshot | None,
    *,
    projects: Sequence[ProjectRef] = (),
    link_types: Sequence[IssueLinkTypeRef] = (),
) -> dict[str, Any]:
    """The report's `jira`: what was loaded (deployment, API version, rich text, account, project, issue
    types, statuses) and the lists a client offers the mapping's choices from (the admin console): the
    visible projects (also when the configured one was not found), the sub-task types, the link types, the
    statuses of each issue type, and the required fields the mapping must fill with their allowed values."""
    listed: dict[str, Any] = {}
    if projects:
        ordered = sorted(projects, key=lambda item: item.key)
        listed["projects"] = [{"key": item.key, "name": item.name} for item in ordered[:MAX_PROJECTS]]
        listed["projects_truncated"] = len(ordered) > MAX_PROJECTS
    if snapshot is None:
        return listed
    return {
        "deployment": snapshot.deployment,
        "api_version": snapshot.api_version,
        "rich_text": snapshot.rich_text,
        "server_version": snapshot.server_version,
        "account_id": snapshot.account_id,
        "project": snapshot.project.model_dump(),
        "issue_types": [item.name for item in snapshot.issue_types],
        "feature_issue_type": next(
            (t.name for t in snapshot.issue_types if t.id == snapshot.feature_issue_type_id), None
        ),
        "requirement_issue_type": next(
            (t.name for t in snapshot.issue_types if t.id == snapshot.requirement_issue_type_id), None
        ),
        "requirement_mode": snapshot.requirement_mode,
        "statuses": sorted({status.name for item in snapshot.issue_types for status in item.statuses}),
        "versions": len(snapshot.versions),
        "fields": len(snapshot.fields),
        **listed,
        "subtask_issue_types": [item.name for item in snapshot.issue_types if item.subtask],
        "link_types": sorted({item.name for item in link_types}),
        "statuses_by_issue_type": {
            item.name: [status.name for status in item.statuses] for item in snapshot.issue_types
        },
        "required_fields": _required_fields(snapshot),
    }


def _required_fields(snapshot: JiraSnapshot) -> list[dict[str, Any]]:
    """The fields the mapped issue types require (their create metadata is the only one loaded)."""
    found: dict[str, dict[str, Any]] = {}
    for issue_type in snapshot.issue_types:
        for field_id, meta in sorted(issue_type.create_fields.items()):
            if not needs_mapping(field_id, meta):
                continue
            entry = found.setdefault(
                field_id,
                {
                    "id": field_id,
                    "name": meta.name,
                    "type": meta.schema_.type,
                    "items": meta.schema_.items,
                    "issue_types": [],
                    "allowed_values": _allowed_values(meta),
                },
            )
            entry["issue_types"].append(issue_type.name)
    return sorted(found.values(), key=lambda item: (str(item["name"]).casefold(), item["id"]))


def _allowed_values(meta: CreateMetaField) -> list[dict[str, Any]] | None:
    if meta.allowed_values is None:
        return None
    values = [
        {"id": item.get("id"), "value": item.get("value", item.get("name", item.get("key")))}
        for item in meta.allowed_values
        if isinstance(item, dict) and not item.get("disabled")
    ]
    return values[:MAX_ALLOWED_VALUES]
