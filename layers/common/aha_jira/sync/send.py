"""Send a feature to Jira (`POST /integrations/{id}/features/{reference}/send`), exactly once: the use case.

It sends the feature's epic first when the mapping asks (`epics.py`), drafts the feature and its
requirements, syncs the feature's issue and then its requirements' issues (`creates.py`: reserved and created
when not linked yet; `edits.py`: edited only when their content changed), then what follows once they exist
(`follow_ups.py`: status changes, attachments, the link back), and keeps the feature record. What it could
not carry is in the answer's `warnings` (`warnings.py`). A create that may have reached Jira is never made again blindly: the next
attempt reconciles it (`reservations.py`). Transient failures (429, 5xx, timeouts, a send of the same feature
in flight) leave the feature payload and a retry job queued, and the caller gets 202; Jira's refusals are 422
(`failures.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aha_jira.errors import AhaJiraError, Conflict, InvalidRequest
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.jira.errors import JiraError
from aha_jira.models.feature import AhaFeature, AhaRecord, AhaRequirement
from aha_jira.models.feature_record import FeatureRecord
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.roadmap_content import fingerprint
from aha_jira.models.send import RequirementResult, SendQueued, SendSynced
from aha_jira.sync.attachments import hosted_images
from aha_jira.sync.creates import sync_feature_issue, sync_requirements
from aha_jira.sync.drafting import IssueDraft, RecordContext, draft_feature, draft_requirement
from aha_jira.sync.epics import feature_epic, sync_epic
from aha_jira.sync.failures import RetryLater, ensure_time_for_a_write, queue_retry, transient_or_refused
from aha_jira.sync.follow_ups import RecordSent, follow_up
from aha_jira.sync.lookups import JiraDraftLookups
from aha_jira.sync.refusals import JiraRefused, refusal
from aha_jira.sync.send_attempt import SendAttempt, SendServices
from aha_jira.sync.warnings import warn_all

if TYPE_CHECKING:
    from aha_jira.jira.client import JiraClient

# The use case: `send_feature`, the adapters it takes and its readiness check (callers import them from here).
__all__ = ["SendServices", "ready_snapshot", "send_feature"]


def send_feature(
    integration_id: str,
    reference: str,
    feature: AhaFeature,
    services: SendServices,
    *,
    job_id: str | None = None,
    queue_on_transient: bool = True,
    deadline: float | None = None,
    on_client: Callable[[JiraClient], None] | None = None,
) -> SendSynced | SendQueued:
    """Send the feature. With `queue_on_transient` (the API), a transient failure queues a retry and
    answers SendQueued; without it (the retry worker), RetryLater is raised for the worker to schedule.

    `deadline` (the function's timeout, on `services.clock`): no Jira write starts that could still be
    running then. The send stops before it, and what is left goes to the retry queue like a transient
    failure: records already written are linked, and the retry skips them (unchanged) and goes on.

    `on_client` is handed the send's Jira client before its first call (a release send counts its calls and
    the time it waited on Jira's limits from the client's transport, whatever the outcome)."""
    if feature.reference_num != reference:
        raise InvalidRequest(
            f"feature.reference_num: '{feature.reference_num}' does not match the reference in the URL '{reference}'",
            hint="Send the feature to /integrations/{id}/features/<its reference_num>/send.",
            code="reference_mismatch",
            details=[{"path": "feature.reference_num", "message": "does not match the URL"}],
        )
    integration = load_integration(integration_id, services.integrations)
    snapshot = ready_snapshot(integration, services)
    # The Jira client (requests, signers) is imported with the first send, not with the handler.
    from aha_jira.connection.jira_access import jira_client_for  # noqa: PLC0415

    try:
        client = jira_client_for(
            integration,
            services.secret_store,
            installations=services.installations,
            api_version=snapshot.api_version,
            deadline=deadline,
            budgets=services.rate_budgets,
            sites=services.integrations,
        )
    except JiraError as error:
        # No usable credentials since the test (a secret deleted, the Connect app uninstalled): Jira would
        # refuse the integration, so the send is refused the same way, before any call.
        refused = refusal(error, snapshot, reference)
        record_action(
            "feature.send",
            Outcome.FAILED,
            integration_id=integration_id,
            reference=reference,
            message=refused.message,
            hint=refused.hint,
            error_code=refused.code,
            retry_id=job_id,
        )
        raise refused from None
    if on_client is not None:
        on_client(client)
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
        warnings=[warning.code for warning in result.warnings],
        retry_id=job_id,
        jira_calls=len(client.transport.calls),
        jira_writes=sum(1 for method, _ in client.transport.calls if method != "GET"),
    )
    return result


def ready_snapshot(
    integration: StoredIntegration, services: SendServices, *, sending: str = "features"
) -> JiraSnapshot:
    """The Jira snapshot a send works from: Conflict (409) while the integration is disabled or has no
    successful test connection for its current configuration. `sending`: what the hint says is sent."""
    if not integration.enabled:
        raise Conflict(
            f"Integration '{integration.integration_id}' is disabled.",
            hint=f"Enable it with PUT /integrations/{{id}} ('enabled': true) to send {sending}.",
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
    epic = feature_epic(send)
    references = [feature.reference_num, *(r.reference_num for r in feature.requirements)]
    links = services.links.get_many(send.integration_id, references + ([epic.reference_num] if epic else []))
    previous = services.features.get(send.integration_id, feature.reference_num)
    try:
        parent = sync_epic(send, epic, links.get(epic.reference_num), lookups) if epic else {}
        feature_context = _context(
            links.get(feature.reference_num), previous.url if previous else None, parent
        )
        feature_draft = draft_feature(
            feature, send.integration, send.snapshot, lookups, context=feature_context
        )
        sent = [
            _record_sent(
                send, feature, draft=feature_draft, links=links, context=feature_context, lookups=lookups
            )
        ]
        for requirement in feature.requirements:
            context = _context(links.get(requirement.reference_num), None, {})
            draft = draft_requirement(
                requirement, feature, send.integration, send.snapshot, lookups, context=context
            )
            sent.append(
                _record_sent(send, requirement, draft=draft, links=links, context=context, lookups=lookups)
            )
    except JiraError as error:
        raise transient_or_refused(send, error, feature.reference_num) from None
    requirement_drafts = [item.draft for item in sent[1:]]
    for item in sent:
        warn_all(send, item.draft.warnings, reference=item.draft.reference)

    feature_issue = sync_feature_issue(send, feature_draft, links.get(feature.reference_num))
    current = [draft.reference for draft in requirement_drafts]
    try:
        sync_requirements(send, feature_issue, feature.requirements, requirement_drafts, links)
        follow_up(send, sent)
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
        warnings=send.warnings,
        epic=RequirementResult(reference=epic.reference_num, jira=send.issues.get(epic.reference_num))
        if epic and epic.reference_num in send.issues
        else None,
    )


def _context(link: IssueLink | None, fallback_url: str | None, parent: dict[str, Any]) -> RecordContext:
    """What the send knows of a record beyond its payload: its last roadmap URL, the images already on
    its issue, the epic it is a child of."""
    live = link if link is not None and link.state == "linked" and not link.jira.deleted_in_jira else None
    return RecordContext(
        known_url=(live.record_url if live else None) or fallback_url,
        images=hosted_images(live),
        parent_fields=parent,
    )


def _record_sent(
    send: SendAttempt,
    record: AhaRecord,
    *,
    draft: IssueDraft,
    links: dict[str, IssueLink],
    context: RecordContext,
    lookups: JiraDraftLookups,
) -> RecordSent:
    link = links.get(draft.reference)
    before = link if link is not None and link.state == "linked" and not link.jira.deleted_in_jira else None
    feature = send.feature

    def redraft(other: RecordContext) -> IssueDraft:
        if isinstance(record, AhaFeature):
            return draft_feature(record, send.integration, send.snapshot, lookups, context=other)
        assert isinstance(record, AhaRequirement)
        return draft_requirement(record, feature, send.integration, send.snapshot, lookups, context=other)

    return RecordSent(record=record, draft=draft, before=before, redraft=redraft, context=context)


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
            # A payload without `url` keeps the link back the last one had.
            url=feature.url or (previous.url if previous else None),
            requirement_references=current,
            removed_requirements=removed,
            created_at=previous.created_at if previous else now,
            updated_at=now,
            last_sent_at=now if sent else (previous.last_sent_at if previous else None),
            imported=previous.imported if previous else False,
            # Only a complete send: a requirement still waiting must be sent again on the next Aha! change.
            roadmap_fingerprint=fingerprint(feature)
            if sent
            else (previous.roadmap_fingerprint if previous else None),
        )
    )
    return removed
