"""Jira Software epics: a feature's Aha! epic (or initiative, by `mapping.epics.source`) becomes a Jira epic, and
the feature's issue its child (DESIGN.md "Two-way content").

The epic is a record of its own: linked like a feature (its own issue link, kind `epic`, created once behind a
reservation and stamped), edited only when its name or description changed, and sent before the feature so
the feature's create or edit can name it. What joins them depends on Jira: `parent` on Cloud (the epic is one
level up the hierarchy), the Epic Link field on Data Center. A feature type that is itself at the epic level
cannot have an epic: that is a warning, not a failed send.
"""

from __future__ import annotations

from typing import Any

from aha_jira.models.feature import AhaEpic
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.send import JiraIssueRef
from aha_jira.sync.attachments import hosted_images
from aha_jira.sync.creates import sync_feature_issue
from aha_jira.sync.drafting import DraftLookups, RecordContext, draft_epic
from aha_jira.sync.placement import epic_link_field
from aha_jira.sync.send_attempt import SendAttempt
from aha_jira.sync.warnings import warn

__all__ = ["feature_epic", "sync_epic"]


def feature_epic(send: SendAttempt) -> AhaEpic | None:
    """The epic (or initiative) the mapping sends for this feature, if any."""
    epics = send.integration.mapping.epics
    if epics is None:
        return None
    return send.feature.epic if epics.source == "epic" else send.feature.initiative


def sync_epic(
    send: SendAttempt, epic: AhaEpic, link: IssueLink | None, lookups: DraftLookups
) -> dict[str, Any]:
    """Create or update the epic's issue; the fields that make the feature's issue its child."""
    snapshot = send.snapshot
    feature_type = snapshot.issue_type(snapshot.feature_issue_type_id)
    if feature_type is not None and (feature_type.hierarchy_level or 0) >= 1:
        warn(
            send,
            "epic_not_applicable",
            f"{send.feature.reference_num} is sent as a {feature_type.name}, which cannot be the child of an epic: its {epic.reference_num} was not sent.",
            "Map features to a standard issue type (Story, Task) to have them under their epics, or remove mapping.epics.",
            reference=send.feature.reference_num,
        )
        return {}
    context = RecordContext(known_url=link.record_url if link else None, images=hosted_images(link))
    draft = draft_epic(epic, send.feature, send.integration, snapshot, lookups, context=context)
    issue = sync_feature_issue(send, draft, link)
    return parent_fields(send, epic, issue)


def parent_fields(send: SendAttempt, epic: AhaEpic, issue: JiraIssueRef) -> dict[str, Any]:
    if send.snapshot.api_version == 3:
        return {"parent": {"key": issue.key}}
    field_id = epic_link_field(send.snapshot)
    if field_id is not None:
        return {field_id: issue.key}
    warn(
        send,
        "epic_link_unavailable",
        f"Jira has no Epic Link field: {send.feature.reference_num} could not be put under {issue.key} ({epic.reference_num}).",
        "Check that Jira Software is installed on the site, then test the connection again.",
        reference=send.feature.reference_num,
    )
    return {}
