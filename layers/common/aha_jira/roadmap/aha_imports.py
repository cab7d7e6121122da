"""`record.imported` in Aha!: the issue created in Jira becomes a real Aha! record, and the reference Aha!
allocates becomes the record's reference from then on.

A feature is created in the release `import.release` names (`POST /releases/{release}/features`), a
requirement under its feature (`POST /features/{feature}/requirements`, once that feature is in Aha!: a
feature imported too is created first). Exactly once: before creating, the intent is kept (name, time);
an attempt that finds an intent (the create may have been done while its answer was lost) looks for the
record first among the release's features (or the feature's requirements): the same name, created since the
intent, not another record's, carrying no other Jira issue. Then the record is renamed in one transaction
(`ports.RecordRenamer`: its link, claim, feature record and delivery state; the old reference stays an
alias) and the new reference is written back to the Jira issue by the retry worker (the remote link made
at import is updated to point at the Aha! record).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aha_jira.aha.client import AhaClient
from aha_jira.aha.payloads import AhaFeature, AhaRequirement, RecordAttributes
from aha_jira.models.roadmap_event import RenameRefused, RenameRequest, RoadmapEvent
from aha_jira.models.send import ImportWriteBack
from aha_jira.roadmap.outcomes import Delivered, Failed, Outcome, RecordDelivery

# How far before the intent a record found by its name may have been created (clocks differ).
CLOCK_MARGIN = timedelta(minutes=5)


def deliver_imported(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    memo = record.memo
    created_as = memo.get("created_as")
    if not created_as:
        place = _where(record, event)
        if isinstance(place, Failed):
            return place
        created = _create_once(client, record, event, place)
        created_as = created.reference_num
        memo.pop("create_intent", None)
        memo["created_as"] = created_as
        memo["created_url"] = created.url
        memo["status"] = (event.data.get("record") or {}).get("status")
        record.keep()
    assert isinstance(created_as, str)
    _link_fields(client, record, event, created_as)
    return _rename(record, event, created_as)


def _where(record: RecordDelivery, event: RoadmapEvent) -> str | Failed:
    """The release a feature goes to, or the (current) reference of a requirement's feature in Aha!."""
    if event.kind == "feature":
        release = record.integration.import_settings.release
        if not release:
            record.memo["import_failed"] = True
            return Failed(
                code="roadmap_import_release_missing",
                message="Imported features are created in Aha! in import.release, which is not set",
                hint="Set import.release to the Aha! release that takes features imported from Jira (e.g. MOB-R-3).",
                transient=False,
            )
        return release
    parent = str(event.data.get("parent") or "")
    services = record.services
    current = services.renamer.renamed(record.integration_id, parent) or parent
    state = services.events.read_state(record.integration_id, current)
    if state.origin == "jira" and not state.memo.get("created_as"):
        if state.memo.get("import_failed"):
            record.memo["import_failed"] = True
            return Failed(
                code="roadmap_parent_not_in_roadmap",
                message=f"The feature {parent} could not be created in Aha!, so its requirement cannot be",
                hint="Fix what the feature's roadmap.failed entry says; then send the feature from Aha!.",
                transient=False,
            )
        return Failed(
            code="roadmap_parent_pending",
            message=f"The feature {parent} is not created in Aha! yet; its requirement waits for it",
            hint="Nothing to do: the requirement follows once the feature is created.",
            transient=True,
            retry_after=10.0,
        )
    return current


def _create_once(
    client: AhaClient, record: RecordDelivery, event: RoadmapEvent, place: str
) -> AhaFeature | AhaRequirement:
    document = event.data.get("record") or {}
    jira = document.get("jira") or {}
    name = str(document.get("name") or jira.get("key") or event.reference)
    intent = record.memo.get("create_intent")
    if intent:
        found = _created_before(client, record, event, place, intent=intent, jira_key=jira.get("key"))
        if found is not None:
            return found
    record.memo["create_intent"] = {"at": datetime.now(UTC).isoformat(), "name": name}
    record.keep()  # the create below may be done while its answer is lost: the next attempt looks first
    attributes = RecordAttributes(
        name=name, description=document.get("description"), workflow_status=document.get("status")
    )
    if event.kind == "feature":
        return client.create_feature(place, attributes)
    return client.create_requirement(place, attributes)


def _created_before(
    client: AhaClient,
    record: RecordDelivery,
    event: RoadmapEvent,
    place: str,
    *,
    intent: dict[str, Any],
    jira_key: str | None,
) -> AhaFeature | AhaRequirement | None:
    """The record an earlier attempt created, if it did: newest first among those of the intent's name."""
    since = datetime.fromisoformat(str(intent["at"])) - CLOCK_MARGIN
    name = str(intent["name"])
    if event.kind == "feature":
        candidates = [f.reference_num for f in client.release_features(place) if f.name == name]
    else:
        candidates = [r.reference_num for r in client.feature_requirements(place) if r.name == name]
    for reference in sorted(candidates, key=_number, reverse=True):
        found: AhaFeature | AhaRequirement = (
            client.feature(reference) if event.kind == "feature" else client.requirement(reference)
        )
        created_at = _time(found.created_at)
        if created_at is not None and created_at < since:
            continue
        if record.services.events.read_state(record.integration_id, reference).origin == "roadmap":
            continue  # another record this connector created
        keys = {str(f.value) for f in found.integration_fields or [] if f.name == "key" and f.value}
        if keys and keys != {str(jira_key)}:
            continue
        return found
    return None


def _number(reference: str) -> tuple[int, str]:
    tail = reference.rsplit("-", 1)[-1]
    return (int(tail) if tail.isdigit() else -1, reference)


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _link_fields(client: AhaClient, record: RecordDelivery, event: RoadmapEvent, reference: str) -> None:
    """The Jira link on a created feature (as `record.linked` puts it on a sent one); repeating it is harmless."""
    integration_ref = record.integration.roadmap.integration_ref
    jira = (event.data.get("record") or {}).get("jira") or {}
    fields = {name: str(jira[name]) for name in ("key", "id", "url") if jira.get(name)}
    if event.kind == "feature" and integration_ref and fields:
        client.set_integration_fields(reference, integration_ref, fields)


def _rename(record: RecordDelivery, event: RoadmapEvent, new: str) -> Outcome:
    services = record.services
    old = record.reference
    memo = {key: value for key, value in record.memo.items() if key != "created_url"}
    memo["created"] = True
    request = RenameRequest(
        integration_id=record.integration_id,
        old=old,
        new=new,
        kind=event.kind,
        event_id=event.id,
        token=record.token,
        lease_until=record.lease_until,
        pending=record.pending_after,
        cursor=max(record.cursor, event.id),
        memo=memo,
    )
    try:
        renamed = services.renamer.rename_imported(request, now=record.now())
    except RenameRefused as refused:
        return Failed(
            code="roadmap_rename_failed",
            message=f"Created in Aha! as {new}, but the record could not take that reference ({refused.codes})",
            hint="Retried; if it persists, the reference is held by another record of the integration.",
            transient=True,
        )
    if renamed is None:
        return Delivered(f"created in Aha! as {new}; the record was removed meanwhile", settled=False)
    url = record.memo.get("created_url")
    record.memo = memo
    record.reference = new
    job = ImportWriteBack(
        job_id=uuid.uuid4().hex,
        integration_id=record.integration_id,
        reference=new,
        issue_id=str(renamed.issue_id),
        issue_key=renamed.issue_key,
        record_url=url if isinstance(url, str) else None,
        remote_link_reference=old,
    )
    try:
        services.writebacks.enqueue(job, 0)
    except Exception as error:  # the record is renamed and settled: only the Jira side lags
        return Delivered(
            f"created in Aha! as {new} (was {old}); its write-back to Jira could not be queued "
            f"({type(error).__name__}): the issue keeps the old reference until the record is sent again",
            settled=True,
            renamed_to=new,
        )
    return Delivered(f"created in Aha! as {new} (was {old})", settled=True, renamed_to=new)
