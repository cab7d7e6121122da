"""Time spent and remaining on a record, from Jira's worklog and issue events, in whatever order they come.

Worklog events (`worklog_created|updated|deleted`) carry one worklog and no issue, so neither total is in
them. Two sources are combined:

- **The worklog ledger**: per Jira worklog id, the changes seen (timestamp, kind, seconds). A worklog's
  seconds now are its latest change's (0 once deleted); its seconds at any earlier moment are those of its
  latest change up to then.
- **The baseline**: the time tracking (`timespent`, `timeestimate`) of the newest issue event applied — Jira's
  own totals at that event's timestamp. Real Jira sends such an event after work is logged; any transition
  or edit carries them too.

    spent     = baseline spent     + Σ (worklog now - worklog at the baseline)
    remaining = baseline remaining - Σ (worklog now - worklog at the baseline), never below 0

(Jira's default "adjust automatically"). Without a baseline, spent is the sum of the worklogs and remaining is
unknown (null) until an issue event tells it. Both are functions of the *set* of events seen, so duplicates
and reordering cannot change the result: applying the events once, in order, gives the same totals.

A worklog's value at the baseline when the ledger only has later changes: 0 if its first known change is its
creation (it did not exist yet); for a deletion, the seconds it held; for an update whose creation has not
arrived yet, 0 until it does. Jira is never called back: a remaining estimate set by hand is learned from
the next issue event.
"""

from __future__ import annotations

from typing import Literal

from aha_jira.models.issue_link import IssueLink, WorklogChange, WorklogEntry

WorklogKind = Literal["created", "updated", "deleted"]
# Changes kept per worklog; a worklog is edited a handful of times, the bound only protects the item size.
MAX_CHANGES_PER_WORKLOG = 50
_KIND_ORDER = {"created": 0, "updated": 1, "deleted": 2}


def _sort_key(change: WorklogChange) -> tuple[int, int, int]:
    return (change.at, _KIND_ORDER[change.kind], change.seconds)


def _value(change: WorklogChange) -> int:
    return 0 if change.kind == "deleted" else change.seconds


def seconds_now(entry: WorklogEntry) -> int:
    return _value(entry.changes[-1]) if entry.changes else 0


def seconds_at(entry: WorklogEntry, moment: int) -> int:
    """What the worklog held at `moment`, as far as the changes seen tell."""
    before = [change for change in entry.changes if change.at <= moment]
    if before:
        return _value(before[-1])
    if not entry.changes:
        return 0
    first = entry.changes[0]
    return first.seconds if first.kind == "deleted" else 0


def apply_worklog(
    link: IssueLink, worklog_id: str, *, kind: WorklogKind, seconds: int, at: int
) -> IssueLink | None:
    """The record with one worklog event added to the ledger, or None when the ledger already has it."""
    change = WorklogChange(at=at, kind=kind, seconds=max(seconds, 0))
    entry = link.jira.worklogs.get(worklog_id) or WorklogEntry()
    if change in entry.changes:
        return None
    changes = sorted([*entry.changes, change], key=_sort_key)
    if len(changes) > MAX_CHANGES_PER_WORKLOG:
        changes = [changes[0], *changes[-(MAX_CHANGES_PER_WORKLOG - 1) :]]
    worklogs = {**link.jira.worklogs, worklog_id: WorklogEntry(changes=changes)}
    return with_totals(link.with_jira(worklogs=worklogs))


def is_latest_change(link: IssueLink, worklog_id: str, at: int) -> bool:
    entry = link.jira.worklogs.get(worklog_id)
    return entry is None or not entry.changes or entry.changes[-1].at <= at


def apply_baseline(link: IssueLink, *, at: int, spent: int | None, remaining: int | None) -> IssueLink:
    """The record with Jira's time tracking as of issue event `at` (the newest issue event applied)."""
    updated = link.with_jira(
        time_base_at=at,
        time_base_spent=max(spent or 0, 0),
        time_base_remaining=None if remaining is None else max(remaining, 0),
    )
    return with_totals(updated)


def with_totals(link: IssueLink) -> IssueLink:
    jira = link.jira
    entries = list(jira.worklogs.values())
    if jira.time_base_at is None:
        spent = sum(seconds_now(entry) for entry in entries)
        return link.with_jira(spent_seconds=spent, remaining_seconds=jira.remaining_seconds)
    change = sum(seconds_now(entry) - seconds_at(entry, jira.time_base_at) for entry in entries)
    spent = max((jira.time_base_spent or 0) + change, 0)
    remaining = None
    if jira.time_base_remaining is not None:
        remaining = max(jira.time_base_remaining - change, 0)
    return link.with_jira(spent_seconds=spent, remaining_seconds=remaining)
