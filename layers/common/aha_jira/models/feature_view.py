"""Answer of `GET /integrations/{id}/features/{reference}` and of the feature list."""

from __future__ import annotations

from pydantic import BaseModel


class JiraState(BaseModel):
    key: str | None
    id: str | None
    url: str | None
    status: str | None
    synced_at: str | None


class TimeTracking(BaseModel):
    spent_seconds: int | None
    remaining_seconds: int | None


class RecordView(BaseModel):
    reference: str
    name: str | None
    status: str | None  # the roadmap workflow status
    jira: JiraState
    time_tracking: TimeTracking
    detached: bool
    imported: bool


class FeatureView(RecordView):
    requirements: list[RecordView]
    removed_requirements: list[str]
    last_sent_at: str | None


class FeatureList(BaseModel):
    features: list[FeatureView]
    next: str | None
