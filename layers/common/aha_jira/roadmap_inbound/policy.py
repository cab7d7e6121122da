"""When a change made in Aha! is sent to Jira at all: the integration is still an enabled Aha! one with
`roadmap.auto_update` on, and the feature is linked to a Jira issue it still follows. Asked by the webhook
before it queues a send, and again by the job when it runs (the configuration may have changed between)."""

from __future__ import annotations

from aha_jira.models.integration import StoredIntegration
from aha_jira.models.issue_link import IssueLink


def not_followed(integration: StoredIntegration) -> str | None:
    """Why the integration sends no change made in Aha! (None: it does)."""
    roadmap = integration.roadmap
    if roadmap.type != "aha":
        return "the integration's roadmap is no longer Aha! (roadmap.type)"
    if not integration.enabled:
        return "the integration is disabled"
    if not roadmap.auto_update:
        return (
            "roadmap.auto_update is off: a change in Aha! is sent when the feature is sent "
            "(POST /integrations/{id}/features/{reference}/send)"
        )
    return None


def follows_its_issue(link: IssueLink | None) -> bool:
    """A record linked to a Jira issue it still follows (not detached, not deleted in Jira)."""
    return (
        link is not None
        and link.state == "linked"
        and bool(link.issue_id)
        and not link.jira.detached
        and not link.jira.deleted_in_jira
    )
