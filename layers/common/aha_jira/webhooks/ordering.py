"""Per-issue order of Jira events: deliveries are unordered, so an event is applied to a record only when
it is newer than the last issue event applied to it.

An event's place is (timestamp, changelog id): Jira stamps events in milliseconds and allocates changelog
ids in increasing order, so the id settles two events of the same millisecond. An event that is not newer
(the same one again, or an older one) changes nothing.
"""

from __future__ import annotations

from aha_jira.models.issue_link import IssueLink

EventOrder = tuple[int, int]


def last_applied(link: IssueLink) -> EventOrder | None:
    if link.jira.last_event_at is None:
        return None
    return (link.jira.last_event_at, link.jira.last_event_seq)


def is_newer(order: EventOrder, link: IssueLink) -> bool:
    last = last_applied(link)
    return last is None or order > last


def stamp(order: EventOrder) -> dict[str, int]:
    """The Jira-side fields that record `order` as the last applied event."""
    return {"last_event_at": order[0], "last_event_seq": order[1]}
