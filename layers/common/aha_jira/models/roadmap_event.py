"""Roadmap events (DESIGN.md "The roadmap side: closing the loop"): every change the integration makes to a
roadmap record, written in the same DynamoDB transaction as the change (the outbox), paged by
`GET /integrations/{id}/events` and delivered to the configured roadmap.

The document is `{"id", "type", "occurred_at", "integration_id", "reference", "kind", "data"}`. Types are an
open set (strings): the ones written today are the constants below; `aha_jira.roadmap.event_types` says, per
type, whether it carries a state (an older one is superseded by a newer) and what the Aha! connector does with
it. docs/decisions.md "Roadmap connector" says how to add one.

A change derives its events here, from the record before and after it (`changes_between`), so every writer
(the Jira webhook, the import write-back's catch-up) emits the same events for the same change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from aha_jira.models.issue_link import IssueLink, RecordKind

LINKED = "record.linked"
STATUS_CHANGED = "record.status_changed"
TIME_TRACKED = "record.time_tracked"
IMPORTED = "record.imported"
DETACHED = "record.detached"
# A Jira comment on the record's issue, edited, deleted (`data.comment`, `data.jira`; `webhooks/comment_changes.py`).
COMMENTED = "record.commented"
COMMENT_UPDATED = "record.comment_updated"
COMMENT_DELETED = "record.comment_deleted"
COMMENT_TYPES = frozenset({COMMENTED, COMMENT_UPDATED, COMMENT_DELETED})
# `mapping.two_way`: a summary or description edited in Jira renamed or re-described the record.
RENAMED = "record.renamed"
DESCRIBED = "record.described"

# Why a record was detached (`data.reason` of `record.detached`).
DELETED_IN_JIRA = "deleted_in_jira"
INTEGRATION_REMOVED = "integration_removed"

# What became of an event's delivery. `feed_only`: the integration had no roadmap connector when it was
# written (`roadmap.type: none`): the change feed serves it, nothing delivers it.
DeliveryState = Literal["pending", "delivered", "superseded", "failed", "skipped", "dead", "feed_only"]
FINAL_STATES: frozenset[str] = frozenset({"delivered", "superseded", "failed", "skipped", "feed_only"})


def delivers(roadmap_type: str) -> bool:
    """Whether an integration's events are delivered (a roadmap connector is configured) or feed-only."""
    return roadmap_type in {"aha", "webhook"}


class RoadmapEvent(BaseModel):
    """The event as the change feed answers it and the connectors deliver it."""

    model_config = ConfigDict(extra="forbid")

    id: int
    type: str
    occurred_at: str
    integration_id: str
    reference: str
    kind: RecordKind
    data: dict[str, Any]


class RoadmapEventPage(BaseModel):
    """Answer of `GET /integrations/{id}/events`: oldest first; `next` is the last id of the page when more
    events follow it (ask again with `?after=<next>`), else null."""

    events: list[RoadmapEvent]
    next: int | None


@dataclass(frozen=True)
class NewEvent:
    """An event about to be written with its change (its id is given at commit)."""

    integration_id: str
    reference: str
    kind: RecordKind
    type: str
    data: dict[str, Any]
    # False for an integration without a roadmap connector: the event is only for the change feed.
    deliver: bool
    # Imported from Jira: the record exists in the roadmap only once the connector created it there.
    imported: bool = False

    def document(self, event_id: int, occurred_at: str) -> RoadmapEvent:
        return RoadmapEvent(
            id=event_id,
            type=self.type,
            occurred_at=occurred_at,
            integration_id=self.integration_id,
            reference=self.reference,
            kind=self.kind,
            data=self.data,
        )


@dataclass(frozen=True)
class EventRef:
    """A committed event, as its delivery message names it."""

    integration_id: str
    event_id: int


@dataclass(frozen=True)
class StoredEvent:
    """An event as the outbox keeps it: the document and where its delivery stands."""

    event: RoadmapEvent
    delivery: DeliveryState
    attempts: int = 0
    error_code: str | None = None
    imported: bool = False

    @property
    def deliverable(self) -> bool:
        """Still to deliver: pending, or dead-lettered and replayed."""
        return self.delivery in {"pending", "dead"}


@dataclass(frozen=True)
class DeliveryRecord:
    """A record's delivery state, as the worker holding its lease sees it: the ids still to deliver, the
    highest id settled, where the record comes from (`jira`: imported, in the roadmap only once the
    connector created it), the reference the roadmap gave it since, and what the connector keeps."""

    integration_id: str
    reference: str
    pending: list[int]
    cursor: int = 0
    origin: str | None = None
    renamed_to: str | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    lease_until: float = 0.0


def jira_ref(link: IssueLink) -> dict[str, Any]:
    url = f"{link.site_url}/browse/{link.issue_key}" if link.site_url and link.issue_key else None
    return {"key": link.issue_key, "id": link.issue_id, "url": url}


def _new(link: IssueLink, event_type: str, data: dict[str, Any], *, deliver: bool) -> NewEvent:
    return NewEvent(
        integration_id=link.integration_id,
        reference=link.reference,
        kind=link.kind,
        type=event_type,
        data=data,
        deliver=deliver,
        imported=link.imported,
    )


def linked(link: IssueLink, *, deliver: bool) -> NewEvent:
    """A send linked the record to the Jira issue it created (or found by its stamp)."""
    return _new(link, LINKED, {"jira": jira_ref(link)}, deliver=deliver)


def detached(link: IssueLink, reason: str, *, deliver: bool) -> NewEvent:
    return _new(link, DETACHED, {"reason": reason, "jira": jira_ref(link)}, deliver=deliver)


def commented(link: IssueLink, event_type: str, comment: dict[str, Any], *, deliver: bool) -> NewEvent:
    """A comment written, edited or deleted in Jira on the record's issue: `comment` is `{"id", "body"
    (HTML; absent when deleted), "author": {"name", "account_id"}, "created_at", "updated_at", "version"}`."""
    return _new(link, event_type, {"comment": comment, "jira": jira_ref(link)}, deliver=deliver)


def record_document(link: IssueLink) -> dict[str, Any]:
    """The record in the read-back's shape (`RecordView`), for `record.imported`."""
    side = link.jira
    return {
        "reference": link.reference,
        "name": side.name,
        "status": side.roadmap_status,
        "description": side.description,
        "jira": {
            **jira_ref(link),
            "status": side.jira_status,
            "synced_at": link.synced_at,
            "summary": side.summary or side.name,
            "resolution": side.jira_resolution,
            "updated_at": side.jira_updated_at,
        },
        "time_tracking": {"spent_seconds": side.spent_seconds, "remaining_seconds": side.remaining_seconds},
        "detached": side.detached,
        "imported": link.imported,
    }


def imported(link: IssueLink, *, deliver: bool) -> NewEvent:
    """An issue created in Jira became a new record (a requirement names its feature in `data.parent`)."""
    data: dict[str, Any] = {"record": record_document(link)}
    if link.kind == "requirement":
        data["parent"] = link.feature_reference
    return _new(link, IMPORTED, data, deliver=deliver)


def _status_data(link: IssueLink) -> dict[str, Any]:
    return {"status": link.jira.roadmap_status, "jira_status": link.jira.jira_status}


def _time_data(link: IssueLink) -> dict[str, Any]:
    side = link.jira
    return {
        "time_tracking": {"spent_seconds": side.spent_seconds, "remaining_seconds": side.remaining_seconds}
    }


def changes_between(before: IssueLink, after: IssueLink, *, deliver: bool) -> list[NewEvent]:
    """The events of a change a Jira event made to a linked record: its status (the roadmap status, or only
    Jira's when it is not mapped), its time tracking, its detachment when the issue was deleted, and with
    `mapping.two_way` its name and description (only a two-way edit changes `name` or `described_at` on
    the webhook's side, `webhooks/two_way.py`)."""
    events: list[NewEvent] = []
    old, new = before.jira, after.jira
    if new.name and new.name != old.name:
        events.append(_new(after, RENAMED, {"name": new.name, "jira": jira_ref(after)}, deliver=deliver))
    if new.described_at is not None and (new.described_at, new.described_seq) != (
        old.described_at,
        old.described_seq,
    ):
        data = {"description": new.description or "", "jira": jira_ref(after)}
        events.append(_new(after, DESCRIBED, data, deliver=deliver))
    if (new.roadmap_status, new.jira_status) != (old.roadmap_status, old.jira_status):
        events.append(_new(after, STATUS_CHANGED, _status_data(after), deliver=deliver))
    if (new.spent_seconds, new.remaining_seconds) != (old.spent_seconds, old.remaining_seconds):
        events.append(_new(after, TIME_TRACKED, _time_data(after), deliver=deliver))
    if new.detached and not old.detached:
        reason = DELETED_IN_JIRA if new.deleted_in_jira else "detached"
        events.append(detached(after, reason, deliver=deliver))
    return events


@dataclass(frozen=True)
class RenameRequest:
    integration_id: str
    old: str
    new: str
    kind: RecordKind
    # The event settled by the rename (`record.imported`), the lease that holds the record, and the delivery
    # state to carry over.
    event_id: int
    token: str
    lease_until: float
    pending: list[int]
    cursor: int
    memo: dict[str, Any]


@dataclass(frozen=True)
class RenamedRecord:
    """The record under its new reference: what its write-back to Jira needs."""

    reference: str
    issue_id: str | None
    issue_key: str | None
    feature_reference: str


class RenameRefused(Exception):
    """The rename's transaction was cancelled: the new reference is taken, the lease passed on, or a record
    changed under it (`codes`: the cancellation reasons, in the transaction's order)."""

    def __init__(self, old: str, new: str, codes: list[str]) -> None:
        super().__init__(f"{old} could not become {new}: {codes}")
        self.codes = codes
        self.contended = "TransactionConflict" in codes


class LeaseLost(RuntimeError):
    """The record's delivery lease passed to another worker (this one ran past it)."""
