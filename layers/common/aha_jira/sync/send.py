"""Send a feature to Jira (`POST /integrations/{id}/features/{reference}/send`), exactly once.

For every roadmap record (the feature, each requirement):
- linked already: edit the issue only when the draft's content hash changed;
- not linked: reserve the link with a conditional write, stamp the create with an entity property
  carrying the reference and the reservation's token, then record the link.
A reservation whose create may have reached Jira (timeout, 5xx, dropped answer, a crashed holder) is
never created again blindly: whoever takes it over first looks for the stamp with a search, after Jira's
search has had time to catch up.

Transient failures (429, 5xx, timeouts, a send of the same feature in flight) leave the feature payload in
the features table and a small job on the retry queue; the caller gets 202. Jira's refusals are 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from aha_jira.errors import AhaJiraError, Conflict, InvalidRequest
from aha_jira.integration_log import Outcome, Timer, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.jira.client import BULK_CREATE_LIMIT
from aha_jira.jira.errors import JiraError, JiraRejected
from aha_jira.jira.payloads import BulkCreateResult
from aha_jira.models.feature import AhaFeature, AhaRequirement
from aha_jira.models.feature_record import FeatureRecord
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.send import JiraIssueRef, RequirementResult, SendQueued, SendSynced
from aha_jira.settings import retry_timing
from aha_jira.sync.drafting import IssueDraft, draft_feature, draft_requirement, stamp_property
from aha_jira.sync.failures import (
    RetryLater,
    Superseded,
    ensure_still_current,
    ensure_time_for_a_write,
    queue_retry,
    transient_or_refused,
)
from aha_jira.sync.lookups import JiraDraftLookups
from aha_jira.sync.refusals import JiraRefused, refusal_from_errors
from aha_jira.sync.reservations import Reserved, after_failed_create, give_back, link_issue, reserve
from aha_jira.sync.send_attempt import SendAttempt, SendServices, issue_summary

__all__ = ["SendServices", "send_feature"]


def send_feature(
    integration_id: str,
    reference: str,
    feature: AhaFeature,
    services: SendServices,
    *,
    job_id: str | None = None,
    queue_on_transient: bool = True,
    deadline: float | None = None,
) -> SendSynced | SendQueued:
    """Send the feature. With `queue_on_transient` (the API), a transient failure queues a retry and
    answers SendQueued; without it (the retry worker), RetryLater is raised for the worker to schedule.

    `deadline` (the function's timeout, on `services.clock`): no Jira write starts that could still be
    running then. The send stops before it, and what is left goes to the retry queue like a transient
    failure: records already written are linked, and the retry skips them (unchanged) and goes on."""
    if feature.reference_num != reference:
        raise InvalidRequest(
            f"feature.reference_num: '{feature.reference_num}' does not match the reference in the URL '{reference}'",
            hint="Send the feature to /integrations/{id}/features/<its reference_num>/send.",
            code="reference_mismatch",
            details=[{"path": "feature.reference_num", "message": "does not match the URL"}],
        )
    integration = load_integration(integration_id, services.integrations)
    snapshot = _ready_snapshot(integration, services)
    # The Jira client (requests, signers) is imported with the first send, not with the handler.
    from aha_jira.connection.jira_access import jira_client_for  # noqa: PLC0415

    client = jira_client_for(integration, services.secret_store, api_version=snapshot.api_version)
    send = SendAttempt(
        services,
        integration,
        snapshot,
        client,
        feature,
        token=job_id or uuid.uuid4().hex,
        started=services.clock(),
        deadline=deadline,
        job_id=job_id,
    )
    try:
        result = _send(send)
    except RetryLater as later:
        if not queue_on_transient:
            raise
        return queue_retry(send, later)
    except (JiraRefused, AhaJiraError) as error:
        record_action(
            "feature.send",
            Outcome.FAILED,
            integration_id=integration_id,
            reference=reference,
            jira_key=send.issues[reference].key if reference in send.issues else None,
            message=error.message,
            hint=error.hint,
            error_code=error.code,
            jira_status=send.jira_status,
            jira_calls=len(client.transport.calls),
            retry_id=job_id,
        )
        raise
    # Only what this send made obsolete: a newer payload queued while it ran waits for its own job.
    services.features.delete_pending(integration_id, reference, job_id=send.token, sent_since=send.started)
    wrote = bool(result.created or result.updated)
    record_action(
        "feature.send",
        Outcome.SUCCEEDED if wrote else Outcome.SKIPPED,
        integration_id=integration_id,
        reference=reference,
        jira_key=result.jira.key,
        message=(
            f"Sent {reference}: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.removed)} removed from the roadmap"
            if wrote
            else f"{reference} is unchanged since the last send: nothing written to Jira"
            + (f" ({len(result.removed)} removed from the roadmap)" if result.removed else "")
        ),
        created_records=result.created,
        updated_records=result.updated,
        unchanged_records=result.unchanged,
        removed_records=result.removed,
        retry_id=job_id,
        jira_calls=len(client.transport.calls),
        jira_writes=sum(1 for method, _ in client.transport.calls if method != "GET"),
    )
    return result


def _ready_snapshot(integration: StoredIntegration, services: SendServices) -> JiraSnapshot:
    if not integration.enabled:
        raise Conflict(
            f"Integration '{integration.integration_id}' is disabled.",
            hint="Enable it with PUT /integrations/{id} ('enabled': true) to send features.",
            code="disabled",
        )
    report = integration.last_test or {}
    snapshot = services.integrations.get_snapshot(integration.integration_id) if report.get("ok") else None
    if snapshot is None:
        raise Conflict(
            "The integration has no successful test connection for its current configuration.",
            hint="Run POST /integrations/{id}/test-connection and fix what it reports, then send again.",
            code="not_tested",
        )
    return snapshot


def _send(send: SendAttempt) -> SendSynced:
    services, feature = send.services, send.feature
    ensure_time_for_a_write(send)  # drafting may create a fix version
    lookups = JiraDraftLookups(send.client, send.snapshot, services.lookup_cache, send.integration_id)
    try:
        feature_draft = draft_feature(feature, send.integration, send.snapshot, lookups)
        requirement_drafts = [
            draft_requirement(requirement, feature, send.integration, send.snapshot, lookups)
            for requirement in feature.requirements
        ]
    except JiraError as error:
        raise transient_or_refused(send, error, feature.reference_num) from None

    references = [feature.reference_num] + [draft.reference for draft in requirement_drafts]
    links = services.links.get_many(send.integration_id, references)
    feature_issue = _sync_feature_issue(send, feature_draft, links.get(feature.reference_num))
    current = [draft.reference for draft in requirement_drafts]
    try:
        _sync_requirements(send, feature_issue, feature.requirements, requirement_drafts, links)
    except (RetryLater, AhaJiraError):
        # The feature issue is linked in Jira: its record must be readable (and found by `?jira_key=`)
        # while a requirement waits for a retry or for the fix Jira asked for.
        _save_record(send, current, sent=False)
        raise
    removed = _save_record(send, current, sent=True)
    return SendSynced(
        reference=feature.reference_num,
        jira=feature_issue,
        requirements=[RequirementResult(reference=ref, jira=send.issues.get(ref)) for ref in current],
        created=send.created,
        updated=send.updated,
        unchanged=send.unchanged,
        removed=removed,
    )


def _save_record(send: SendAttempt, current: list[str], *, sent: bool) -> list[str]:
    """Store the feature record; `sent` when the whole send succeeded. Answers the removed requirements."""
    services, feature = send.services, send.feature
    previous = services.features.get(send.integration_id, feature.reference_num)
    removed = sorted(
        {
            *(previous.requirement_references if previous else []),
            *(previous.removed_requirements if previous else []),
        }
        - set(current)
    )
    now = send.now_iso()
    if previous is None:
        # Features imported from Jira take the product's next number: never one the roadmap already uses.
        services.features.note_feature_reference(send.integration.product, feature.reference_num)
    services.features.save(
        FeatureRecord(
            integration_id=send.integration_id,
            reference=feature.reference_num,
            name=feature.name,
            roadmap_status=feature.workflow_status.name if feature.workflow_status else None,
            url=feature.url,
            requirement_references=current,
            removed_requirements=removed,
            created_at=previous.created_at if previous else now,
            updated_at=now,
            last_sent_at=now if sent else (previous.last_sent_at if previous else None),
            imported=previous.imported if previous else False,
        )
    )
    return removed


# --- the feature issue ----------------------------------------------------------------------------


def _live(link: IssueLink | None) -> bool:
    """Linked to an issue that still exists. A record whose issue was deleted in Jira is created again by
    the next send (the user pushed it again: they want it in Jira); its reservation replaces the link."""
    return link is not None and link.state == "linked" and not link.deleted_in_jira


def _sync_feature_issue(send: SendAttempt, draft: IssueDraft, link: IssueLink | None) -> JiraIssueRef:
    if link is not None and _live(link):
        return _update_if_changed(send, draft, link)
    body = {
        "fields": draft.create_fields,
        "properties": [stamp_property(draft.reference, send.token, send.integration_id)],
    }
    reserved = reserve(send, [draft], kind="feature", feature_reference=draft.reference)
    if draft.reference in reserved.already_linked:
        return _update_if_changed(send, draft, reserved.already_linked[draft.reference])
    if draft.reference in reserved.found:
        # Created by an earlier attempt, maybe from an older payload: bring it up to this one.
        return _update_if_changed(send, draft, reserved.found[draft.reference], counted=False)
    try:
        ensure_time_for_a_write(send)
    except RetryLater:
        give_back(send, reserved)
        raise
    try:
        created = send.client.create_issue(body)
    except JiraError as error:
        after_failed_create(send, reserved.held, error)
        raise transient_or_refused(send, error, draft.reference) from None
    link_issue(send, reserved.held[draft.reference], draft, created.id, created.key)
    return send.issues[draft.reference]


# --- requirements -------------------------------------------------------------------------------


def _sync_requirements(
    send: SendAttempt,
    feature_issue: JiraIssueRef,
    requirements: list[AhaRequirement],
    drafts: list[IssueDraft],
    links: dict[str, IssueLink],
) -> None:
    new: list[IssueDraft] = []
    for draft in drafts:
        link = links.get(draft.reference)
        if link is not None and _live(link):
            _update_if_changed(send, draft, link)
        else:
            new.append(draft)
    if not new:
        return
    reserved = reserve(send, new, kind="requirement", feature_reference=send.feature.reference_num)
    for reference, link in reserved.already_linked.items():
        _update_if_changed(send, next(d for d in new if d.reference == reference), link)
    to_create = [
        draft for draft in new if draft.reference in reserved.held and draft.reference not in reserved.found
    ]
    refused: dict[str, tuple[dict[str, str], list[str]]] = {}
    settled: set[str] = set()  # reservations linked, given back, or left uncertain by a failed create
    try:
        for reference, found in reserved.found.items():
            # Created by an earlier attempt, maybe from an older payload: bring it up to this one.
            _update_if_changed(send, next(d for d in new if d.reference == reference), found, counted=False)
        for chunk in _chunks(to_create, BULK_CREATE_LIMIT):
            bodies = [_requirement_body(send, draft, feature_issue) for draft in chunk]
            held = {draft.reference: reserved.held[draft.reference] for draft in chunk}
            ensure_time_for_a_write(send)
            result: BulkCreateResult | None
            try:
                result = send.client.create_issues(bodies)
            except JiraRejected as error:
                # Every element refused: Jira answers 400 with each element's errors.
                send.jira_status = error.status
                result = _refused_bulk(error)
                if result is None:
                    after_failed_create(send, held, error)
                    settled.update(held)
                    raise transient_or_refused(send, error, chunk[0].reference) from None
            except JiraError as error:
                after_failed_create(send, held, error)
                settled.update(held)
                raise transient_or_refused(send, error, chunk[0].reference) from None
            settled.update(held)
            refused.update(_apply_bulk_result(send, chunk, held, result))
    except (RetryLater, AhaJiraError, Superseded):
        # Later chunks were reserved but never sent: free them for the retry.
        unsent = {
            ref: link
            for ref, link in reserved.held.items()
            if ref not in settled and ref not in reserved.found
        }
        took_over = {ref: at for ref, at in reserved.took_over.items() if ref in unsent}
        give_back(send, Reserved(held=unsent, took_over=took_over))
        raise
    if refused:
        raise refusal_from_errors(refused, send.snapshot)


def _refused_bulk(error: JiraRejected) -> BulkCreateResult | None:
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return BulkCreateResult.model_validate(body)
    return None


def _apply_bulk_result(
    send: SendAttempt, chunk: list[IssueDraft], held: dict[str, IssueLink], result: BulkCreateResult
) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Link what Jira created; give back the reservations of the elements it refused (and say why).

    Jira answers the created issues in request order, without the refused elements, and names each
    refused element by its index (`failedElementNumber`).
    """
    refused: dict[str, tuple[dict[str, str], list[str]]] = {}
    failed = {item.failed_element_number: item for item in result.errors}
    succeeded = iter(result.issues)
    lost: RetryLater | None = None  # a reservation another send took over: link the others first
    for index, draft in enumerate(chunk):
        if index in failed:
            send.services.links.release(held[draft.reference])
            element = failed[index].element_errors
            refused[draft.reference] = (
                {str(k): str(v) for k, v in (element.get("errors") or {}).items()},
                [str(m) for m in element.get("errorMessages") or []],
            )
            continue
        issue = next(succeeded, None)
        if issue is None:  # Jira answered fewer issues than it accepted: unknown, reconcile later
            send.services.links.mark_uncertain(held[draft.reference], lease_until=send.now())
            raise RetryLater(
                "Jira's bulk answer was incomplete", minimum_delay=retry_timing().search_consistency_seconds
            )
        try:
            link_issue(send, held[draft.reference], draft, issue.id, issue.key)
        except RetryLater as later:
            lost = lost or later
    if lost is not None:
        raise lost
    return refused


def _requirement_body(send: SendAttempt, draft: IssueDraft, feature_issue: JiraIssueRef) -> dict[str, Any]:
    place_fields, place_update = _placement(send, feature_issue)
    body: dict[str, Any] = {
        "fields": {**draft.create_fields, **place_fields},
        "properties": [stamp_property(draft.reference, send.token, send.integration_id)],
    }
    if place_update:
        # The link travels in the create itself: no extra call per requirement.
        body["update"] = place_update
    return body


def _placement(send: SendAttempt, feature_issue: JiraIssueRef) -> tuple[dict[str, Any], dict[str, Any]]:
    """What joins a requirement's issue to its feature's issue: the (fields, update) of a create or edit."""
    mode = send.snapshot.requirement_mode
    if mode == "subtask" or (mode == "epic_child" and send.snapshot.api_version == 3):
        return {"parent": {"key": feature_issue.key}}, {}
    if mode == "epic_child":
        epic_link = _epic_link_field(send.snapshot)
        return ({epic_link: feature_issue.key} if epic_link else {}), {}
    if mode == "link" and send.snapshot.link_type is not None:
        link = {"type": {"name": send.snapshot.link_type.name}, "inwardIssue": {"key": feature_issue.key}}
        return {}, {"issuelinks": [{"add": link}]}
    return {}, {}


def _epic_link_field(snapshot: JiraSnapshot) -> str | None:
    for item in snapshot.fields:
        if item.schema_ is not None and (item.schema_.custom or "").endswith(":gh-epic-link"):
            return item.id
    return None


def _update_if_changed(
    send: SendAttempt, draft: IssueDraft, link: IssueLink, *, counted: bool = True
) -> JiraIssueRef:
    """Edit the linked issue when the draft changed since the last send, or when the requirement moved
    to this feature from another (the hash does not cover where it belongs). `counted=False` for an issue
    this send reports as created (reconciled), which is neither unchanged nor updated."""
    assert link.issue_key is not None and link.issue_id is not None
    ref = JiraIssueRef(key=link.issue_key, id=link.issue_id, url=send.browse_url(link.issue_key))
    send.issues[draft.reference] = ref
    feature_reference = send.feature.reference_num
    moved = draft.kind == "requirement" and link.feature_reference != feature_reference
    if link.content_hash == draft.content_hash and not moved:
        if counted:
            send.unchanged.append(draft.reference)
        return ref
    edit = draft.edit
    if moved:
        place_fields, place_update = _placement(send, send.issues[feature_reference])
        edit = {
            **draft.edit,
            "fields": {**draft.edit.get("fields", {}), **place_fields},
            "update": {**draft.edit.get("update", {}), **place_update},
        }
    ensure_time_for_a_write(send)
    ensure_still_current(send)
    timer = Timer()
    try:
        send.client.edit_issue(link.issue_key, edit)
    except JiraError as error:
        raise transient_or_refused(send, error, draft.reference) from None
    record_action(
        f"{draft.kind}.updated",
        Outcome.SUCCEEDED,
        integration_id=send.integration_id,
        reference=draft.reference,
        jira_key=link.issue_key,
        jira_status=204,
        duration_ms=timer.ms(),
        message=f"Updated {link.issue_key} ({draft.kind} {draft.reference} changed since the last send)"
        + (f"; moved under {feature_reference}" if moved else ""),
        feature_reference=feature_reference,
    )
    send.services.links.save_synced(
        link.model_copy(
            update={
                "content_hash": draft.content_hash,
                "synced_at": send.now_iso(),
                "name": issue_summary(draft),
                "feature_reference": feature_reference
                if draft.kind == "requirement"
                else link.feature_reference,
            }
        )
    )
    if counted:
        send.updated.append(draft.reference)
    return ref


def _chunks(items: list[IssueDraft], size: int) -> Iterator[list[IssueDraft]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
