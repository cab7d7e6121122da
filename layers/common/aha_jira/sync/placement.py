"""Where a requirement's issue goes: what joins it to its feature's issue (a parent, an epic link or an issue
link), by the integration's requirement mode and the site's Jira version."""

from __future__ import annotations

from typing import Any

from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.send import JiraIssueRef


def placement(snapshot: JiraSnapshot, feature_issue: JiraIssueRef) -> tuple[dict[str, Any], dict[str, Any]]:
    """What joins a requirement's issue to its feature's issue: the (fields, update) of a create or edit."""
    mode = snapshot.requirement_mode
    if mode == "subtask" or (mode == "epic_child" and snapshot.api_version == 3):
        return {"parent": {"key": feature_issue.key}}, {}
    if mode == "epic_child":
        epic_link = epic_link_field(snapshot)
        return ({epic_link: feature_issue.key} if epic_link else {}), {}
    if mode == "link" and snapshot.link_type is not None:
        link = {"type": {"name": snapshot.link_type.name}, "inwardIssue": {"key": feature_issue.key}}
        return {}, {"issuelinks": [{"add": link}]}
    return {}, {}


def epic_link_field(snapshot: JiraSnapshot) -> str | None:
    """The Epic Link custom field (Jira Software on Data Center), by its schema."""
    for item in snapshot.fields:
        if item.schema_ is not None and (item.schema_.custom or "").endswith(":gh-epic-link"):
            return item.id
    return None
