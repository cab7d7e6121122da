"""Answers of the send route and the retry queue's message."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class JiraIssueRef(BaseModel):
    key: str
    id: str
    url: str


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


class SendQueued(BaseModel):
    reference: str
    status: Literal["queued"] = "queued"
    retry_id: str
    reason: str


class RetryJob(BaseModel):
    """The retry queue's message: small on purpose; the feature itself waits in the features table."""

    job_id: str
    integration_id: str
    reference: str
    reason: str
    retry_after: float | None = None
