"""The roadmap change feed (`GET /integrations/{id}/events?after=&limit=`): every change the integration made
to a roadmap record, oldest first, the same events the connector delivers. Ids increase in commit order, so
a client that remembers the last id it read and asks `?after=<it>` never misses one. The handler validates
the parameters (`after` a non-negative integer, `limit` 1 to 100)."""

from __future__ import annotations

from aha_jira.integrations.query import load_integration
from aha_jira.models.roadmap_event import RoadmapEventPage
from aha_jira.ports import IntegrationRepository, RoadmapFeed

MAX_PAGE_SIZE = 100
MAX_EVENT_ID = 10**20 - 1  # ids are stored on 20 digits


def read_events(
    integration_id: str, *, integrations: IntegrationRepository, feed: RoadmapFeed, after: int, limit: int
) -> RoadmapEventPage:
    load_integration(integration_id, integrations)  # 404 for an unknown integration
    if after >= MAX_EVENT_ID:
        return RoadmapEventPage(events=[], next=None)
    events, next_id = feed.page(integration_id, after, limit)
    return RoadmapEventPage(events=events, next=next_id)
