"""Jira Software's sprint and rank of a linked issue, from its webhooks (the read-back's `jira.sprint` and
`jira.rank`).

Their field ids differ per site, so the event's issue is read by shape (`models.jira_webhook`: a Rank is a
LexoRank string, a Sprint field a list of sprints); a Sprint changelog item (`Sprint`, moved to `""`: the
backlog) says what changed when the issue in the event does not carry the field. Of several sprints (closed
ones stay listed) the open one is shown: the active one, else the next one planned, else the last.
"""

from __future__ import annotations

from typing import Any

from aha_jira.models.issue_link import IssueLink, Sprint
from aha_jira.models.jira_webhook import ChangelogItem, JiraWebhookEvent, SprintValue

__all__ = ["software_changes"]

_STATE_ORDER = {"active": 0, "future": 1}


def software_changes(event: JiraWebhookEvent, link: IssueLink, update: dict[str, Any]) -> list[str]:
    """Fill `update` with the issue's sprint and rank as this event leaves them; what changed, said."""
    fields = event.issue.fields if event.issue else None
    sprint_item = _item(event, "sprint")
    rank_item = _item(event, "rank")
    said: list[str] = []
    sprints = fields.sprints if fields else {}
    if sprints:
        field_id = (
            sprint_item.field_id if sprint_item and sprint_item.field_id in sprints else next(iter(sprints))
        )
        update["sprint"] = _open_sprint(sprints[field_id])
    elif sprint_item is not None:
        update["sprint"] = _from_item(sprint_item)
    if "sprint" in update and update["sprint"] != link.jira.sprint:
        sprint: Sprint | None = update["sprint"]
        said.append(f"sprint {sprint.name or sprint.id}" if sprint else "moved to the backlog")
    ranks = fields.ranks if fields else {}
    if ranks:
        field_id = rank_item.field_id if rank_item and rank_item.field_id in ranks else next(iter(ranks))
        update["rank"] = ranks[field_id]
        if ranks[field_id] != link.jira.rank:
            said.append((rank_item.to_string or "ranked").lower() if rank_item else "rank changed")
    return said


def _item(event: JiraWebhookEvent, name: str) -> ChangelogItem | None:
    items = event.changelog.items if event.changelog else []
    return next((item for item in items if item.field.strip().casefold() == name), None)


def _open_sprint(sprints: list[SprintValue]) -> Sprint:
    chosen = min(
        enumerate(sprints), key=lambda pair: (_STATE_ORDER.get((pair[1].state or "").lower(), 2), -pair[0])
    )[1]
    return Sprint(id=chosen.id, name=chosen.name, state=(chosen.state or "").lower() or None)


def _from_item(item: ChangelogItem) -> Sprint | None:
    ids = [part.strip() for part in (item.to or "").split(",") if part.strip()]
    if not ids:
        return None
    names = [part.strip() for part in (item.to_string or "").split(",") if part.strip()]
    return Sprint(id=ids[-1], name=names[-1] if len(names) == len(ids) else None)
