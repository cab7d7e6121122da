"""Answers of the send route, the retry queue's messages, and what became of one message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field


class JiraIssueRef(BaseModel):
    key: str
    id: str
    url: str


class SendWarning(BaseModel):
    """Something the send could not carry to Jira (an assignee Jira does not know, an attachment over Jira's
    size limit...): reported, never dropped silently; the rest of the send went through."""

    code: str
    message: str
    hint: str


class RequirementResult(BaseModel):
    reference: str
    jira: JiraIssueRef | None


class SendSynced(BaseModel):
    reference: str
    status: Literal["synced"] = "synced"
    jira: JiraIssueRef
    requirements: list[RequirementResult]
    created: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    warnings: list[SendWarning] = Field(default_factory=list)
    # The Jira epic of the feature's Aha! epic (or initiative), when `mapping.epics` sends it.
    epic: RequirementResult | None = None


class SendQueued(BaseModel):
    reference: str
    status: Literal["queued"] = "queued"
    retry_id: str
    reason: str


class RetryJob(BaseModel):
    """The retry queue's message: small on purpose; the feature itself waits in the features table."""

    kind: Literal["send"] = "send"
    job_id: str
    integration_id: str
    reference: str
    reason: str
    retry_after: float | None = None


class ImportWriteBack(BaseModel):
    """A queue message asking the retry worker to write an imported record's reference back to its Jira
    issue (entity property and remote link): a call to Jira the webhook must not wait for."""

    kind: Literal["import_writeback"] = "import_writeback"
    job_id: str
    integration_id: str
    reference: str
    issue_id: str
    issue_key: str | None = None
    record_url: str | None = None  # the roadmap record's URL for the remote link
    # The reference whose remote link this one replaces (`globalId` kept): a record imported from Jira and
    # then created in Aha! under Aha!'s reference (aha_jira.roadmap.aha_imports).
    remote_link_reference: str | None = None


class RoadmapSend(BaseModel):
    """A queue message asking the retry worker to send a linked feature again because it changed in Aha!
    (`roadmap.auto_update`; `roadmap_inbound/receive.py` queues it). The feature is read from Aha! when the
    job runs, so the newest state is sent whatever order Aha!'s deliveries came in. An activity webhook's
    audit that names no reference leaves `reference` None: the job finds it from the Aha! record."""

    kind: Literal["roadmap_send"] = "roadmap_send"
    job_id: str
    integration_id: str
    reference: str | None  # the feature's
    aha_record_type: Literal["feature", "requirement"] | None = None
    aha_record_id: str | None = None
    trigger: str  # the Aha! event: "update_feature", "audit"...
    delivery: str  # the delivery's identifier (its dedupe key)


class RoadmapCommentJob(BaseModel):
    """A queue message asking the retry worker to carry a comment made in Aha! to Jira (issue 17;
    `roadmap_inbound/comments.py` queues it from an activity webhook's Comment audit). The comment is read
    from Aha! when the job runs (its newest body), or its Jira copy deleted for a `destroy`."""

    kind: Literal["roadmap_comment"] = "roadmap_comment"
    job_id: str
    integration_id: str
    reference: str | None  # the record's, when the audit names it
    comment_id: str
    action: Literal["create", "update", "destroy"]
    delivery: str


QueueMessage = RetryJob | ImportWriteBack | RoadmapSend | RoadmapCommentJob


def parse_queue_message(body: str | bytes) -> QueueMessage:
    """A retry-queue message; messages without `kind` are send retries (the first format)."""
    document = json.loads(body)
    kind = document.get("kind") if isinstance(document, dict) else None
    if kind == "import_writeback":
        return ImportWriteBack.model_validate(document)
    if kind == "roadmap_send":
        return RoadmapSend.model_validate(document)
    if kind == "roadmap_comment":
        return RoadmapCommentJob.model_validate(document)
    return RetryJob.model_validate(document)


@dataclass(frozen=True)
class RetryOutcome:
    """What the retry worker does with a queue message it ran: done (deleted), or seen again after
    `delay_seconds` (its visibility is set to the back-off)."""

    done: bool
    delay_seconds: float = 0.0
    reason: str = ""
