"""Our own writes to Aha! coming back must never become a send (no echo loop between Aha! and Jira).

Two checks, one per webhook format, and the job repeats the second on what it reads from Aha!:
- an audit made by the API key's own user (its id, which test connection read with `GET /me` and keeps in
  the report's `roadmap.user`) is our write: the connector's status, time, integration field or comment;
- a feature whose content is what was last sent (`models.roadmap_content`: statuses aside, each record's
  status the one sent or the one Jira gave it; each record's name and description the one sent or Jira's,
  which `mapping.two_way` writes to Aha!; and without what only the connector writes: time tracking,
  integration fields, comments) is no change a send would carry, whoever made it.
An imported record (created in Jira, then in Aha! by the connector) has never been sent: the first state
read from Aha! is its baseline (the job keeps it) instead of a change.
"""

from __future__ import annotations

from aha_jira.models.feature import AhaFeature
from aha_jira.models.feature_record import FeatureRecord
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.roadmap_content import (
    changed_in_roadmap,
    fingerprint,
    moved_statuses,
    moved_texts,
    text_hash,
    texts_from_jira,
)
from aha_jira.ports import RecordLinks


def api_key_user(integration: StoredIntegration) -> str | None:
    """The Aha! user id of the integration's API key, as its last test connection read it (None: not tested
    since the roadmap was last configured)."""
    report = integration.last_test or {}
    roadmap = report.get("roadmap")
    if not isinstance(roadmap, dict) or roadmap.get("base_url") != integration.roadmap.base_url:
        return None
    user = roadmap.get("user")
    found = user.get("id") if isinstance(user, dict) else None
    return str(found) if found not in (None, "") else None


def changed_since_sent(
    feature: AhaFeature, record: FeatureRecord | None, links: RecordLinks, integration_id: str
) -> bool:
    """Whether `feature`, as Aha! has it, differs from what was last sent in a way a send carries. Reads the
    links of the records whose status moved only (the statuses Jira gave them)."""
    current = fingerprint(feature)
    sent = record.roadmap_fingerprint if record is not None else None
    if sent is None:
        return True
    texts: list[str] = []
    if current.content != sent.content:
        moved_text = moved_texts(current, sent)
        if not moved_text:
            return True
        texts = moved_text
    moved = moved_statuses(current, sent)
    if not moved and not texts:
        return False
    found = links.get_many(integration_id, [*moved, *texts])
    for reference in texts:
        link = found.get(reference)
        if link is None:
            return True
        jira = link.jira
        if not texts_from_jira(
            current, sent, reference, (text_hash(jira.summary or jira.name), text_hash(jira.description))
        ):
            return True
    statuses = {reference: link.jira.roadmap_status for reference, link in found.items()}
    return changed_in_roadmap(current, sent.model_copy(update={"content": current.content}), statuses)
