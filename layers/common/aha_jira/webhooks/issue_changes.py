"""What a `jira:issue_updated` or `jira:issue_deleted` event does to a linked record.

An issue event carries the whole issue as it is after the change, so the newest event applied to a
record already holds every older change to the fields it carries (status, resolution, summary, time
tracking): an older event arriving late changes nothing (see `ordering`). The changelog says what this
event changed; where it has an item for a field, that item wins over the issue snapshot.

A description is not taken from the snapshot (it is the roadmap's own text, sent by us, until an engineer
edits it in Jira): only a description item in the changelog stores it, ordered by its own mark, so a
description edit arriving after a newer status change is still kept.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.webhooks import ordering, time_tracking, two_way
from aha_jira.webhooks.description import jira_description_to_html
from aha_jira.webhooks.echo import is_echo, is_transition_echo
from aha_jira.webhooks.plans import Plan, unchanged
from aha_jira.webhooks.routing import IntegrationContext
from aha_jira.webhooks.software_fields import software_changes
from aha_jira.webhooks.status_mapping import roadmap_status


def plan_issue_updated(
    event: JiraWebhookEvent, link: IssueLink, integration: IntegrationContext, now: str
) -> Plan:
    if is_echo(event, link, integration.account_id):
        return unchanged(link, "echo", "the integration's own change coming back from Jira")
    if is_transition_echo(event, link, integration.account_id):
        # Where the issue is in Jira is recorded; the roadmap status is the one the send pushed.
        plan = _apply_issue(event, link, integration, now, deleted=False, own_transition=True)
        if plan.updated is None:
            return plan
        return replace(plan, outcome="echo", reason="the integration's own transition coming back from Jira")
    return _apply_issue(event, link, integration, now, deleted=False)


def plan_issue_deleted(
    event: JiraWebhookEvent, link: IssueLink, integration: IntegrationContext, now: str
) -> Plan:
    """The record is kept and detached; the deleted issue's last state (status, summary, time tracking)
    is recorded like any newer issue event's, so the order deletions arrive in does not matter."""
    return _apply_issue(event, link, integration, now, deleted=True)


def plan_issue_imported(
    event: JiraWebhookEvent, link: IssueLink, integration: IntegrationContext, now: str
) -> Plan:
    """A new record imported from a `jira:issue_created` event: everything the event's issue carries,
    its description included (there is no roadmap text it could overwrite)."""
    plan = _apply_issue(event, link, integration, now, deleted=False)
    updated = plan.updated or link
    fields = event.issue.fields if event.issue else None
    if updated.jira.summary:
        updated = updated.with_jira(name=updated.jira.summary)  # a new record is named after its issue
    if fields is not None and fields.description:
        updated = updated.with_jira(
            description=jira_description_to_html(fields.description),
            description_at=event.order[0],
            description_seq=event.order[1],
        )
    jira = updated.jira
    mapped = f" (roadmap status {jira.roadmap_status})" if jira.roadmap_status else ""
    reason = (
        f"imported as new {link.kind} {link.reference}: Jira status {jira.jira_status or '(none)'}{mapped}"
    )
    return replace(plan, outcome="imported", reason=reason, updated=updated)


def _apply_issue(
    event: JiraWebhookEvent,
    link: IssueLink,
    integration: IntegrationContext,
    now: str,
    *,
    deleted: bool,
    own_transition: bool = False,
) -> Plan:
    newer = ordering.is_newer(event.order, link)
    description = _description_change(event, link)
    if not newer and description is None:
        return unchanged(link, "stale", "an older event than the last one applied to this record")

    update: dict[str, Any] = {"jira_updated_at": now}  # fields of the record's Jira-side state
    said: list[str] = []
    warning = hint = None
    if deleted and newer:
        update |= {"detached": True, "deleted_in_jira": True}
        said.append("the issue was deleted in Jira; the roadmap record is kept and detached")
    if newer:
        update |= ordering.stamp(event.order)
        status_change, warning, hint = _status(event, link, integration, update)
        if own_transition:
            update.pop("roadmap_status", None)
            status_change, warning, hint = [], None, None
        said += status_change
        said += _resolution(event, update)
        said += _summary(event, link, integration, update, deleted=deleted)
        said += software_changes(event, link, update)
    if description is not None:
        update |= description
        said.append(_described(event, link, integration, update, deleted=deleted))
    updated = link.with_jira(**update)
    if newer:
        updated = _time_tracking(event, updated)
    if not said:
        said.append("nothing the roadmap tracks changed; the record's Jira state is up to date")
    return Plan(
        current=link,
        outcome="applied",
        reason="; ".join(said),
        updated=updated,
        warning=None if deleted else warning,
        hint=None if deleted else hint,
    )


def _status(
    event: JiraWebhookEvent, link: IssueLink, integration: IntegrationContext, update: dict[str, Any]
) -> tuple[list[str], str | None, str | None]:
    item = event.changelog.item("status") if event.changelog else None
    fields = event.issue.fields if event.issue else None
    if item is not None and (item.to_string or item.to):
        name, status_id = item.to_string, item.to
    elif fields is not None and fields.status is not None and (fields.status.name or fields.status.id):
        name, status_id = fields.status.name, fields.status.id
    else:
        return [], None, None
    update["jira_status"] = name or status_id
    update["jira_status_id"] = status_id
    mapped = roadmap_status(integration.statuses, name, status_id)
    changed = name != link.jira.jira_status
    if mapped is None:
        kept = f"stays '{link.jira.roadmap_status}'" if link.jira.roadmap_status else "is left unset"
        return (
            [f"Jira status '{name}' is not mapped; the roadmap status {kept}"],
            f"Jira status '{name}' has no roadmap status in the mapping",
            "Add it to mapping.statuses (by name or id) so the roadmap follows the issue.",
        )
    update["roadmap_status"] = mapped
    if changed or mapped != link.jira.roadmap_status:
        return [f"status {link.jira.jira_status or '(none)'} → {name} (roadmap: {mapped})"], None, None
    return [], None, None


def _resolution(event: JiraWebhookEvent, update: dict[str, Any]) -> list[str]:
    item = event.changelog.item("resolution") if event.changelog else None
    fields = event.issue.fields if event.issue else None
    if item is not None:
        update["jira_resolution"] = item.to_string or None
        return [f"resolution {item.to_string or 'cleared'}"]
    if fields is not None and fields.has("resolution"):
        update["jira_resolution"] = fields.resolution.name if fields.resolution else None
    return []


def _summary(
    event: JiraWebhookEvent,
    link: IssueLink,
    integration: IntegrationContext,
    update: dict[str, Any],
    *,
    deleted: bool,
) -> list[str]:
    item = event.changelog.item("summary") if event.changelog else None
    fields = event.issue.fields if event.issue else None
    summary = item.to_string if item is not None else (fields.summary if fields is not None else None)
    if not summary:
        return []
    update["summary"] = summary
    known = link.jira.summary or link.jira.name
    if summary == link.jira.name or (item is None and summary == known):
        return []  # the record's name, or Jira's summary as the record has it: no edit of this event's
    if two_way.carried_back("name", event, link, integration, deleted=deleted):
        update["name"] = summary
        return ["summary renamed in Jira: the roadmap record follows (mapping.two_way)"]
    if summary == known:
        return []
    return [two_way.kept_name_reason(event, integration, deleted=deleted)]


def _described(
    event: JiraWebhookEvent,
    link: IssueLink,
    integration: IntegrationContext,
    update: dict[str, Any],
    *,
    deleted: bool,
) -> str:
    if two_way.carried_back("description", event, link, integration, deleted=deleted):
        update |= {"described_at": event.order[0], "described_seq": event.order[1]}
        return "description edited in Jira: the roadmap record follows (mapping.two_way)"
    if "description" in integration.two_way and not deleted:
        return f"description edited in Jira; not carried back: {two_way.not_carried_reason('description', event, integration)}"
    return "description edited in Jira"


def _description_change(event: JiraWebhookEvent, link: IssueLink) -> dict[str, Any] | None:
    item = event.changelog.item("description") if event.changelog else None
    if item is None:
        return None
    jira = link.jira
    last = (jira.description_at, jira.description_seq) if jira.description_at is not None else None
    if last is not None and event.order <= last:
        return None
    fields = event.issue.fields if event.issue else None
    value: str | dict[str, Any] | None = item.to_string
    if fields is not None and fields.has("description"):
        value = fields.description  # the issue as this event left it; the changelog string may be cut
    return {
        "description": jira_description_to_html(value),
        "description_at": event.order[0],
        "description_seq": event.order[1],
    }


def _time_tracking(event: JiraWebhookEvent, link: IssueLink) -> IssueLink:
    fields = event.issue.fields if event.issue else None
    if fields is None or not (fields.has("timespent") or fields.has("timeestimate")):
        return link
    return time_tracking.apply_baseline(
        link, at=event.timestamp, spent=fields.timespent, remaining=fields.timeestimate
    )
