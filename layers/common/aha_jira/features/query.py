"""Read features back (`GET /integrations/{id}/features/{reference}`, `GET .../features`)."""

from __future__ import annotations

import re

from aha_jira.errors import InvalidRequest, NotFound
from aha_jira.integrations.query import load_integration
from aha_jira.models.feature_record import FeatureRecord
from aha_jira.models.feature_view import (
    FeatureList,
    FeatureView,
    JiraState,
    RecordView,
    SprintView,
    TimeTracking,
)
from aha_jira.models.issue_link import IssueLink, JiraSide
from aha_jira.models.references import is_reference
from aha_jira.ports import FeatureReader, IntegrationRepository, LinkReader

MAX_PAGE_SIZE = 100
# A Jira issue key: the project key (a letter, then letters, digits or '_'), '-', the issue's number.
_ISSUE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,44}-[0-9]{1,18}")


def _record_view(
    reference: str, name: str | None, status: str | None, link: IssueLink | None, base_url: str
) -> RecordView:
    linked = link is not None and link.state == "linked" and link.issue_key is not None
    side = link.jira if link else JiraSide()
    return RecordView(
        reference=reference,
        name=side.name or name,
        status=side.roadmap_status or status,
        description=side.description,
        jira=JiraState(
            key=link.issue_key if linked and link else None,
            id=link.issue_id if linked and link else None,
            url=f"{base_url}/browse/{link.issue_key}" if linked and link else None,
            status=side.jira_status,
            synced_at=link.synced_at if link else None,
            summary=side.summary or side.name,  # records sent before summaries were kept apart: the name
            resolution=side.jira_resolution,
            updated_at=side.jira_updated_at,
            sprint=SprintView(**side.sprint.model_dump()) if side.sprint else None,
            rank=side.rank,
        ),
        time_tracking=TimeTracking(
            spent_seconds=side.spent_seconds, remaining_seconds=side.remaining_seconds
        ),
        detached=side.detached,
        imported=bool(link and link.imported),
    )


def _feature_view(record: FeatureRecord, links: dict[str, IssueLink], base_url: str) -> FeatureView:
    own = _record_view(
        record.reference, record.name, record.roadmap_status, links.get(record.reference), base_url
    )
    return FeatureView(
        **own.model_dump(),
        requirements=[
            _record_view(reference, None, None, links.get(reference), base_url)
            for reference in _requirement_references(record)
        ],
        removed_requirements=record.removed_requirements,
        last_sent_at=record.last_sent_at,
    )


def _requirement_references(record: FeatureRecord) -> list[str]:
    """The roadmap's requirements in their order, then those imported from Jira the roadmap has not sent."""
    sent = set(record.requirement_references)
    return record.requirement_references + [ref for ref in record.imported_requirements if ref not in sent]


def get_feature(
    integration_id: str,
    reference: str,
    *,
    integrations: IntegrationRepository,
    features: FeatureReader,
    links: LinkReader,
) -> FeatureView:
    integration = load_integration(integration_id, integrations)
    record = features.get(integration_id, reference) if is_reference(reference) else None
    if record is None and is_reference(reference):
        # A feature imported from Jira and created in Aha! since has Aha!'s reference now; the old one is
        # an alias (aha_jira.roadmap.aha_imports).
        renamed = links.renamed(integration_id, reference)
        record = features.get(integration_id, renamed) if renamed else None
    if record is None:
        raise NotFound(
            # Only a reference that can be one is echoed (models.references).
            f"Integration '{integration_id}' has no feature '{reference}'."
            if is_reference(reference)
            else f"Integration '{integration_id}' has no feature with this reference: references are "
            "1-64 letters, digits, '_', '.' or '-'.",
            hint="Send it first with POST /integrations/{id}/features/{reference}/send.",
            code="feature_not_found",
        )
    found = links.get_many(integration_id, [record.reference, *_requirement_references(record)])
    return _feature_view(record, found, integration.jira.base_url)


def list_features(
    integration_id: str,
    *,
    integrations: IntegrationRepository,
    features: FeatureReader,
    links: LinkReader,
    limit: int,
    after: str | None,
    jira_key: str | None,
) -> FeatureList:
    integration = load_integration(integration_id, integrations)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"limit: must be between 1 and {MAX_PAGE_SIZE}",
            hint="Leave it out for the default page size.",
            code="invalid_query",
            details=[{"path": "limit", "message": f"must be between 1 and {MAX_PAGE_SIZE}"}],
        )
    if jira_key and not _ISSUE_KEY.fullmatch(jira_key):
        raise InvalidRequest(
            "jira_key: not a Jira issue key",
            hint="Use an issue key such as MOB-12.",
            code="invalid_query",
            details=[{"path": "jira_key", "message": "not a Jira issue key"}],
        )
    base_url = integration.jira.base_url
    if jira_key:
        link = links.find_by_key(integration_id, jira_key.upper())
        record = features.get(integration_id, link.feature_reference) if link else None
        records = [record] if record else []
        next_token = None
    else:
        records, next_token = features.list_page(integration_id, limit, after)
    views = []
    for record in records:
        found = links.get_many(integration_id, [record.reference, *_requirement_references(record)])
        views.append(_feature_view(record, found, base_url))
    return FeatureList(features=views, next=next_token)
