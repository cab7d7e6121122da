"""What a send takes of a feature, as a fingerprint: how a change made in Aha! is told from our own writes to
Aha! coming back (docs/decisions.md "The roadmap connector: sends from Aha!").

The fingerprint covers what a send carries to Jira: each record's name, description, tags, original
estimate and its unit, assignee, custom fields, attachments (by name, type and size: Aha!'s event payloads
carry signed download URLs that change from one delivery to the next) and URL, the feature's release, and
its requirements in order. Each record's workflow status is kept apart (`statuses`): Jira moves statuses on
the roadmap, so a status equal to the one sent, or to the one Jira gave the record, is no change made in
Aha!. What only our own writes change is left out: integration fields, time tracking (work done, the
remaining estimate), comments.

The API's feature (`GET /features/{id}`) and the integration event's carry the same content in different
shapes; both are read into `AhaFeature` first, so equal content gives an equal fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # the feature record imports this module: reading one back never loads the feature models
    from aha_jira.models.feature import AhaFeature, AhaRecord


class RoadmapFingerprint(BaseModel):
    """A feature's content as last sent (`content`: sha256 of its canonical JSON) and each record's status.
    `frame` is the content without the records' names and descriptions, which `texts` keeps apart per
    record (sha256 of each): a name or description equal to Jira's (`mapping.two_way` wrote it to Aha!) is
    no change made in Aha!. Fingerprints kept before (no `frame`) compare by `content` alone."""

    content: str
    statuses: dict[str, str | None] = Field(default_factory=dict)
    frame: str | None = None
    texts: dict[str, list[str]] = Field(default_factory=dict)


def text_hash(value: str | None) -> str:
    return hashlib.sha256((value or "").encode("utf-8")).hexdigest()


def _record(record: AhaRecord) -> dict[str, Any]:
    user = record.assigned_to_user
    return {
        "reference": record.reference_num,
        "name": record.name,
        "description": record.description.body,
        "tags": sorted(record.tags),
        "original_estimate": record.original_estimate,
        "work_units": record.work_units,
        "assignee": (user.email or "").casefold() if user else "",
        "custom_fields": sorted(([item.key, item.value] for item in record.custom_fields), key=_by_key),
        "attachments": sorted(
            [item.file_name or "", item.content_type or "", item.file_size] for item in record.attachments
        ),
        "url": record.url,
    }


def _by_key(item: list[Any]) -> str:
    return str(item[0])


def fingerprint(feature: AhaFeature) -> RoadmapFingerprint:
    release = feature.release
    content = {
        **_record(feature),
        "release": [release.reference_num, release.name, release.release_date] if release else None,
        "requirements": [_record(requirement) for requirement in feature.requirements],
    }
    records = (feature, *feature.requirements)
    statuses = {
        record.reference_num: record.workflow_status.name if record.workflow_status else None
        for record in records
    }
    frame = {
        **content,
        "name": None,
        "description": None,
        "requirements": [{**item, "name": None, "description": None} for item in content["requirements"]],
    }
    return RoadmapFingerprint(
        content=_sha(content),
        statuses=statuses,
        frame=_sha(frame),
        texts={
            record.reference_num: [text_hash(record.name), text_hash(record.description.body)]
            for record in records
        },
    )


def _sha(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def moved_texts(current: RoadmapFingerprint, sent: RoadmapFingerprint) -> list[str] | None:
    """The records whose name or description differs from the one last sent, when nothing else of the
    feature does (None: something else changed, or `sent` has no frame to tell)."""
    if sent.frame is None or current.frame != sent.frame:
        return None
    return [reference for reference, texts in current.texts.items() if texts != sent.texts.get(reference)]


def texts_from_jira(
    current: RoadmapFingerprint, sent: RoadmapFingerprint, reference: str, jira_texts: tuple[str, str]
) -> bool:
    """Whether each of the record's name and description is the one sent or Jira's (`jira_texts`: the
    hashes of the issue's summary and of its description as read back)."""
    now = current.texts.get(reference) or ["", ""]
    before = sent.texts.get(reference) or ["", ""]
    return all(now[index] in {before[index], jira_texts[index]} for index in range(2))


def moved_statuses(current: RoadmapFingerprint, sent: RoadmapFingerprint) -> list[str]:
    """The records whose status differs from the one last sent (Jira may have moved them since)."""
    return [
        reference
        for reference, status in current.statuses.items()
        if not _same(status, sent.statuses.get(reference))
    ]


def changed_in_roadmap(
    current: RoadmapFingerprint,
    sent: RoadmapFingerprint | None,
    jira_statuses: Mapping[str, str | None],
) -> bool:
    """Whether the feature changed in the roadmap since it was last sent: other content, or a record's status
    that is neither the one sent nor the one Jira gave it (`jira_statuses`, by reference: the mapped status
    the Jira webhook stored, which the connector writes to Aha!). Nothing sent yet: changed."""
    if sent is None or current.content != sent.content:
        return True
    return any(
        not _same(current.statuses[reference], jira_statuses.get(reference))
        for reference in moved_statuses(current, sent)
    )


def _same(one: str | None, other: str | None) -> bool:
    # Aha!'s status names are matched case-insensitively, as the status mapping matches them.
    return (one or "").casefold() == (other or "").casefold()
