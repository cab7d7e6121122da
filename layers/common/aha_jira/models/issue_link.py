"""An issue link: which Jira issue one roadmap record (feature or requirement) is linked to.

The link is also the exactly-once guard of a create: it is reserved with a conditional write before
Jira is called (state `reserved`, a token and a lease), and becomes `linked` once Jira answered with
the issue. A reservation whose outcome is unknown (Jira may have created the issue and the answer was
lost) is `uncertain`; whoever takes it over reconciles through the issue's stamp before creating.

Three writers share the record, each with its own part:
- the send: the reservation, the issue, the content hash and sync time, and what it last told Jira of the
  record: its roadmap URL, its roadmap status, the attachments it uploaded (`IssueLink`'s own fields);
- the Jira webhook: what the record knows of its issue (`IssueLink.jira`, a `JiraSide`), and nothing else;
- an import's write-back: `writeback_at`.
One item holds them all, flat (`storage/issue_link_items.py`); the webhook's write is derived from `JiraSide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

# An epic is the Jira epic of an Aha! epic or initiative its features are children of (`sync/epics.py`).
RecordKind = Literal["feature", "requirement", "epic"]
LinkState = Literal["reserved", "linked"]


class WorklogChange(BaseModel):
    """One worklog event: when (Jira's timestamp, epoch ms), what it did, and the seconds the worklog held
    after it (for a deletion: the seconds it held when it was deleted)."""

    at: int
    kind: Literal["created", "updated", "deleted"]
    seconds: int


class WorklogEntry(BaseModel):
    """The changes to one Jira worklog the webhook has seen, oldest first (worklog events carry only their
    own worklog, and arrive in any order)."""

    changes: list[WorklogChange] = Field(default_factory=list)


class UploadedAttachment(BaseModel):
    """A roadmap attachment on the Jira issue: uploaded once (recognised by its Aha! id and size)."""

    size: int | None = None
    jira_id: str
    file_name: str
    content_url: str  # where Jira serves it: inline images are shown from there
    source_url: str | None = None  # the roadmap's download URL (an `<img>` showing it is matched by it)


class Sprint(BaseModel):
    """The issue's open sprint (Jira Software), from the Sprint changelog items webhooks carry."""

    id: str
    name: str | None = None
    state: str | None = None


class JiraSide(BaseModel):
    """What the record knows of its Jira issue: the Jira webhook writes all of it, in one conditional update
    (`webhook_rev`), and nothing else of the record. Two other writers touch it: a send sets `name` and
    `summary` (the summary it gave the issue) and removing the integration sets `detached`. docs/architecture.md
    "Storage" lists the attributes."""

    # The record's name as the integration knows it: the summary the last send gave the issue, the summary of
    # an issue imported from Jira, or (`mapping.two_way` "name") a summary edited in Jira that renamed it.
    name: str | None = None
    summary: str | None = None  # the issue's summary as Jira has it (the send's, or the last webhook's)
    jira_status: str | None = None
    jira_status_id: str | None = None
    roadmap_status: str | None = None  # the mapped status (kept when Jira's is not mapped)
    jira_resolution: str | None = None
    description: str | None = None  # HTML, from Jira's description once an engineer edits it there
    description_at: int | None = None  # the description edit's event (epoch ms, changelog id)
    description_seq: int = 0
    # The description edit (event epoch ms, changelog id) that went back to the roadmap (`two_way`).
    described_at: int | None = None
    described_seq: int = 0
    detached: bool = False  # the record no longer follows its issue
    deleted_in_jira: bool = False
    last_event_at: int | None = None  # Jira's timestamp (epoch ms) of the last issue event applied
    last_event_seq: int = 0  # its changelog id: orders events of the same millisecond
    worklogs: dict[str, WorklogEntry] = Field(default_factory=dict)  # by Jira worklog id
    time_base_at: int | None = None  # the issue event whose time tracking is the baseline (epoch ms)
    time_base_spent: int | None = None
    time_base_remaining: int | None = None
    spent_seconds: int | None = None
    remaining_seconds: int | None = None
    webhook_rev: int = 0  # bumped by every webhook write: optimistic concurrency between deliveries
    jira_updated_at: str | None = None  # when a webhook last changed the record (ISO 8601)
    sprint: Sprint | None = None  # Jira Software: the issue's sprint (None: backlog, or never seen)
    rank: str | None = None  # Jira Software: the issue's rank (LexoRank), from the issue in the event


class IssueLink(BaseModel):
    integration_id: str
    reference: str
    kind: RecordKind
    feature_reference: str  # the record's own reference for a feature
    state: LinkState
    token: str
    lease_until: float = 0.0  # epoch seconds; a reservation past its lease may be taken over
    reserved_at: float = 0.0
    uncertain: bool = False
    # A reservation taken over: the summaries its earlier holders drafted ("" when one is unknown). An issue
    # they may have created carries one of them: the reconcile search looks for those, not this send's.
    reconcile_summaries: list[str] = Field(default_factory=list)
    site_url: str = ""
    issue_id: str | None = None
    issue_key: str | None = None
    content_hash: str | None = None
    synced_at: str | None = None
    imported: bool = False
    # Imported records: when the roadmap reference was written back to the Jira issue (None: pending).
    writeback_at: str | None = None
    # What the send last told Jira of the record (each written by the send only, `storage/issue_link_sends.py`):
    record_url: str | None = None  # the roadmap record's URL (a payload without `url` keeps the link back)
    sent_status: str | None = None  # the roadmap status the last send carried (a change moves the issue)
    # Jira statuses the latest status pushes moved the issue to (the last few): their webhooks are our echo.
    pushed_statuses: list[str] = Field(default_factory=list)
    attachments: dict[str, UploadedAttachment] = Field(default_factory=dict)  # by Aha! attachment key
    upload_token: str | None = None  # the send uploading attachments now, until its lease ends
    upload_lease_until: float = 0.0
    jira: JiraSide = Field(default_factory=JiraSide)

    def with_jira(self, **changes: Any) -> IssueLink:
        """The link with these fields of its Jira-side state changed."""
        return self.model_copy(update={"jira": self.jira.model_copy(update=changes)})


@dataclass(frozen=True)
class Reservation:
    """The outcome of reserving a record: taken or not, and the reservation this one replaced (its lease had
    run out: its create may have reached Jira)."""

    taken: bool
    previous: IssueLink | None
