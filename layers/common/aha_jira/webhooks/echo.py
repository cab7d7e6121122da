"""The echo of our own writes: Jira sends a webhook for every change, ours included.

An event is an echo when its author is the integration's own Jira user AND it changes nothing but what we
last sent: no status or resolution change, and a summary, if it changed, equal to the one we sent. An echo
changes nothing on the record and is never written back to Jira.

A status change is ours when the integration's user made it and it moved the issue to a status the latest
status push noted before each of its transitions (`IssueLink.pushed_statuses`, `sync/transitions.py`): a
transition echo, which records where the issue is in Jira but is no roadmap change. Someone using the
integration's account in Jira to move an issue elsewhere is therefore still seen.
"""

from __future__ import annotations

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent

NEVER_OURS = frozenset({"status", "resolution"})


def authored_by(event: JiraWebhookEvent, account_id: str | None) -> bool:
    return account_id is not None and account_id in event.actor_identities


def is_echo(event: JiraWebhookEvent, link: IssueLink, account_id: str | None) -> bool:
    if not authored_by(event, account_id):
        return False
    items = event.changelog.items if event.changelog else []
    if any(item.field_key in NEVER_OURS for item in items):
        return False
    summary = event.changelog.item("summary") if event.changelog else None
    return summary is None or summary.to_string == link.jira.name


def is_transition_echo(event: JiraWebhookEvent, link: IssueLink, account_id: str | None) -> bool:
    """Our own status push coming back: by our account, to a status the push noted, and nothing else of
    what the roadmap follows (a resolution comes with some transitions)."""
    if not authored_by(event, account_id) or not link.pushed_statuses or event.changelog is None:
        return False
    status = event.changelog.item("status")
    if status is None:
        return False
    pushed = {value.casefold() for value in link.pushed_statuses}
    return (status.to or "").casefold() in pushed or (status.to_string or "").casefold() in pushed
