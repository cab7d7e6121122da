"""Answer of `GET /integrations/{id}/features/{reference}` and of the feature list."""

from __future__ import annotations

from pydantic import BaseModel


class SprintView(BaseModel):
    id: str
    name: str | None = None
    state: str | None = None  # active, future or closed


class JiraState(BaseModel):
    key: str | None
    id: str | None
    url: str | None
    status: str | None
    synced_at: str | None
    # Jira's summary (the record's `name` is the roadmap's, unless `mapping.two_way` lists "name")
    summary: str | None = None
    resolution: str | None = None  # Jira's resolution, from webhooks
    updated_at: str | None = None  # when a Jira webhook last changed the record
    sprint: SprintView | None = None  # Jira Software: the sprint (None: the backlog, or not known)
    rank: str | None = None  # Jira Software: the rank (orders issues like the board does)


class TimeTracking(BaseModel):
    spent_seconds: int | None
    remaining_seconds: int | None


class RecordView(BaseModel):
    reference: str
    name: str | None
    status: str | None  # the roadmap workflow status
    # HTML; set once an engineer edits the description in Jira (until then the roadmap's own is current)
    description: str | None = None
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
