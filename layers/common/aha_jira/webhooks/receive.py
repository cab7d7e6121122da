"""Receive one Jira admin webhook delivery: authenticate, parse, route, plan, commit, log, answer.

The answer is fast by construction: no call goes back to Jira, and a status change costs three DynamoDB
calls in a warm container (the site with its integrations, the issue's links, one transaction recording the
delivery together with the record changes).

Answers (`WebhookAnswer`): `applied` (a record changed), `imported` (an issue created in Jira became a new
record, see `imports`), `duplicate` (this delivery was recorded before),
`stale` (older than what the record already has), `echo` (our own write coming back), `ignored` (not an
event we use, or an issue no record is linked to). Errors: 404 unknown token, 401 bad signature, 400 a body
that is not a Jira event, 5xx only when the delivery could not be recorded (Jira then redelivers it).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from aha_jira.errors import InvalidRequest
from aha_jira.integration_log import Outcome, record_action
from aha_jira.models import roadmap_event
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import (
    COMMENT_EVENTS,
    ISSUE_EVENTS,
    WORKLOG_EVENTS,
    JiraWebhookEvent,
    RecordOutcome,
    WebhookAnswer,
)
from aha_jira.models.jira_webhook import Outcome as WebhookOutcome
from aha_jira.models.json_input import JsonRefused, parse_json
from aha_jira.models.webhook_delivery import Delivery
from aha_jira.ports import DeliveryNotes, DeliveryStore, ImportFeatureStore, RetryQueue, WebhookLinkStore
from aha_jira.settings import configured_public_base_url
from aha_jira.webhooks.authentication import WebhookAuthenticator
from aha_jira.webhooks.comment_changes import plan_comment
from aha_jira.webhooks.deliveries import delivery_identifier, new_delivery
from aha_jira.webhooks.echo import authored_by
from aha_jira.webhooks.imports import (
    CLAIM_WRITE,
    RECORD_WRITE,
    PlannedImport,
    already_imported,
    find_candidates,
    pending_writebacks,
    plan_import,
    writeback_job,
)
from aha_jira.webhooks.issue_changes import plan_issue_deleted, plan_issue_updated
from aha_jira.webhooks.plans import Plan, unchanged
from aha_jira.webhooks.routing import IntegrationContext, SiteRouting
from aha_jira.webhooks.worklog_changes import plan_worklog

SIGNATURE_HEADER = "x-hub-signature"
# Each round re-reads only the records another write changed meanwhile; contention on one issue is brief.
MAX_COMMIT_ROUNDS = 6
_PRECEDENCE: tuple[WebhookOutcome, ...] = ("imported", "applied", "stale", "echo", "ignored")


@dataclass(frozen=True)
class WebhookServices:
    authenticator: WebhookAuthenticator
    links: WebhookLinkStore
    deliveries: DeliveryStore
    features: ImportFeatureStore
    writebacks: RetryQueue
    # When each site's webhook last reached us (`webhook.health`); None: not recorded (tools, some tests).
    health: DeliveryNotes | None = None


@dataclass(frozen=True)
class _Routed:
    plan: Plan
    integration: IntegrationContext


class ConcurrentDeliveries(RuntimeError):
    """The records kept changing under this delivery; it was not recorded, so Jira will redeliver it."""


def parse_event(body: bytes, *, received_ms: int | None = None) -> JiraWebhookEvent:
    """The delivery's event, its time clamped to `received_ms` (now by default); InvalidRequest (400) for
    anything that is not a Jira webhook event (strict JSON: at most 64 levels deep, no NaN, no repeated
    key; bounded values)."""
    try:
        document = parse_json(body)
    except JsonRefused as error:
        raise _not_an_event(str(error)) from None
    if not isinstance(document, dict):
        raise _not_an_event("the body is not a JSON object")
    try:
        event = JiraWebhookEvent.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise _not_an_event(f"{where}: {message}" if where else message) from None
    return event.clamped(int(time.time() * 1000) if received_ms is None else received_ms)


def _not_an_event(detail: str) -> InvalidRequest:
    return InvalidRequest(
        f"The body is not a Jira webhook event ({detail}).",
        hint="Jira sends a JSON object with webhookEvent and timestamp; point only Jira's webhook at this URL.",
        code="not_a_jira_event",
    )


def receive_jira_webhook(
    token: str,
    headers: Mapping[str, str],
    body: bytes,
    services: WebhookServices,
    *,
    public_base_url: str | None = None,
) -> WebhookAnswer:
    """Handle one admin-webhook delivery. `headers` are keyed in lower case."""
    routing = services.authenticator.authenticate(token, body, headers.get(SIGNATURE_HEADER))
    return handle_delivery(routing, headers, body, services, public_base_url=public_base_url)


def handle_delivery(
    routing: SiteRouting,
    headers: Mapping[str, str],
    body: bytes,
    services: WebhookServices,
    *,
    public_base_url: str | None = None,
) -> WebhookAnswer:
    """Handle one delivery already authenticated for `routing`'s site (admin webhook token and signature, or
    a Connect JWT): parse, dedupe, route, plan, commit, log. `headers` are keyed in lower case.
    `public_base_url` (this API's) makes the link an imported issue gets back to its roadmap record."""
    received = time.time()
    event = parse_event(body, received_ms=int(received * 1000))
    if services.health is not None:
        services.health.note_delivery(routing.site.site_url, received)
    delivery = new_delivery(
        routing.site.site_url, delivery_identifier(headers, body), event.webhook_event, headers, received
    )
    now = datetime.fromtimestamp(received, UTC).isoformat(timespec="milliseconds")
    public_base_url = public_base_url or configured_public_base_url()
    if event.webhook_event == "jira:issue_created":
        return _receive_creation(_Creation(event, delivery, routing, services, now, public_base_url))

    routed, whole = _plan(event, routing, services.links, now)
    if whole is not None:
        outcome, reason = whole
        if not services.deliveries.record(delivery):
            outcome, reason = "duplicate", "this delivery was received before"
        _log_delivery(event, delivery, outcome, reason)
        return WebhookAnswer(outcome=outcome, reason=reason)

    duplicate, routed = _commit(delivery, routed, services, now, event)
    if duplicate:
        reason = "this delivery was received before"
        _log_delivery(event, delivery, "duplicate", reason, integration_ids=_integration_ids(routed))
        return WebhookAnswer(outcome="duplicate", reason=reason)
    for item in routed:
        _log_record(event, delivery, item)
    return _answer(routed)


def _plan(
    event: JiraWebhookEvent, routing: SiteRouting, links: WebhookLinkStore, now: str
) -> tuple[list[_Routed], tuple[WebhookOutcome, str] | None]:
    kind = event.webhook_event
    if kind not in ISSUE_EVENTS and kind not in WORKLOG_EVENTS and kind not in COMMENT_EVENTS:
        return [], ("ignored", f"{kind} events are not used by the integration")
    issue_id = event.issue_id
    assert issue_id is not None  # the payload model requires the issue or worklog of these events
    routes = routing.routes(links.find_by_issue(routing.site.site_url, issue_id))
    if not routes:
        return [], ("ignored", "no roadmap record is linked to this issue")
    return [
        _Routed(plan_for(event, link, integration, now), integration) for link, integration in routes
    ], None


def plan_for(event: JiraWebhookEvent, link: IssueLink, integration: IntegrationContext, now: str) -> Plan:
    """What `event` does to one linked record of `integration`."""
    if not integration.enabled:
        return unchanged(link, "ignored", "the integration is disabled")
    if link.jira.detached and not link.jira.deleted_in_jira:
        return unchanged(link, "ignored", "the record is detached from Jira")
    if event.webhook_event in WORKLOG_EVENTS:
        return plan_worklog(event, link, now)
    if event.webhook_event in COMMENT_EVENTS:
        return plan_comment(event, link, integration)
    if event.webhook_event == "jira:issue_deleted":
        return plan_issue_deleted(event, link, integration, now)
    return plan_issue_updated(event, link, integration, now)


def apply_issue_state(
    event: JiraWebhookEvent,
    delivery: Delivery,
    routes: list[tuple[IssueLink, IntegrationContext]],
    services: WebhookServices,
    *,
    now: str,
) -> tuple[bool, list[tuple[Plan, IntegrationContext]]]:
    """Plan `event` for each linked record and commit it with `delivery`, exactly as a delivery of it would
    be: the same ordering, the same transaction (the reconcile's repairs of changes the webhook never
    delivered, `aha_jira.reconcile`). (whether `delivery` was recorded before, each record's plan)."""
    routed = [_Routed(plan_for(event, link, integration, now), integration) for link, integration in routes]
    duplicate, routed = _commit(delivery, routed, services, now, event)
    return duplicate, [(item.plan, item.integration) for item in routed]


def _commit(
    delivery: Delivery, routed: list[_Routed], services: WebhookServices, now: str, event: JiraWebhookEvent
) -> tuple[bool, list[_Routed]]:
    """Record the delivery with every planned write in one transaction. A write whose record changed since
    it was read (another delivery, or the index lagging) is planned again from a consistent read."""
    for round_number in range(MAX_COMMIT_ROUNDS):
        writing = [index for index, item in enumerate(routed) if item.plan.updated is not None]
        if not writing:
            return (not services.deliveries.record(delivery)), routed
        changes, events = [], []
        for index in writing:
            plan = routed[index].plan
            assert plan.updated is not None
            rev = plan.current.jira.webhook_rev
            updated = plan.updated.with_jira(webhook_rev=rev + 1)
            changes.append(services.links.webhook_write(updated, expected_rev=rev))
            # The roadmap events of the change, in the same transaction (the outbox).
            deliver = roadmap_event.delivers(routed[index].integration.roadmap_type)
            events += roadmap_event.changes_between(plan.current, updated, deliver=deliver)
            events += plan.events
        result = services.deliveries.commit(delivery, changes, events)
        if result.committed:
            return False, routed
        if result.duplicate:
            return True, routed
        if result.contended:
            time.sleep(0.02 * (round_number + 1))
        routed = list(routed)
        for conflict in result.conflicts:
            index = writing[conflict]
            current = routed[index].plan.current
            fresh = services.links.get_many(current.integration_id, [current.reference]).get(
                current.reference
            )
            renamed = None if fresh else services.links.renamed(current.integration_id, current.reference)
            if renamed:
                # Created in Aha! meanwhile, the record took Aha!'s reference (aha_jira.roadmap.aha_imports).
                fresh = services.links.get_many(current.integration_id, [renamed]).get(renamed)
            integration = routed[index].integration
            if fresh is None or fresh.state != "linked":
                routed[index] = replace(
                    routed[index], plan=unchanged(current, "ignored", "the record was removed meanwhile")
                )
            else:
                routed[index] = _Routed(plan_for(event, fresh, integration, now), integration)
    raise ConcurrentDeliveries(
        f"{event.webhook_event} for issue {event.issue_id} could not be recorded: its records kept changing"
    )


@dataclass(frozen=True)
class _Creation:
    event: JiraWebhookEvent
    delivery: Delivery
    routing: SiteRouting
    services: WebhookServices
    now: str
    public_base_url: str | None


def _receive_creation(creation: _Creation) -> WebhookAnswer:
    """`jira:issue_created`: import the issue where an integration asks for it (aha_jira.webhooks.imports)."""
    event, delivery, routing, services = (
        creation.event,
        creation.delivery,
        creation.routing,
        creation.services,
    )
    public_base_url = creation.public_base_url
    candidates: list[Any] = []
    if any(authored_by(event, account) for account in routing.account_ids()):
        outcome, reason = "echo", "an issue created by the integration itself (a send)"
    else:
        candidates, reason = find_candidates(event, routing, services.links)
        outcome = "ignored"
    if not candidates:
        recorded = services.deliveries.record(delivery)
        if not recorded:
            _requeue_writebacks(event, routing, services, public_base_url)
            outcome, reason = "duplicate", "this delivery was received before"
        _log_delivery(event, delivery, outcome, reason)
        return WebhookAnswer(outcome=outcome, reason=reason)

    planned = [
        plan_import(
            candidate, event, routing, links=services.links, features=services.features, now=creation.now
        )
        for candidate in candidates
    ]
    duplicate, planned = _commit_imports(creation, planned)
    if duplicate:
        _requeue_writebacks(event, routing, services, public_base_url)
        reason = "this delivery was received before"
        integration_ids = sorted({item.candidate.integration.integration_id for item in planned})
        _log_delivery(event, delivery, "duplicate", reason, integration_ids=integration_ids)
        return WebhookAnswer(outcome="duplicate", reason=reason)
    for item in planned:
        if item.plan.outcome == "imported":
            # Queued after the commit: should it fail, the 5xx makes Jira redeliver, and the redelivery
            # (a duplicate now) queues the write-backs still pending.
            services.writebacks.enqueue(writeback_job(item, public_base_url), 0)
        _log_record(event, delivery, _Routed(item.plan, item.candidate.integration))
    return _answer([_Routed(item.plan, item.candidate.integration) for item in planned])


def _commit_imports(creation: _Creation, planned: list[PlannedImport]) -> tuple[bool, list[PlannedImport]]:
    """Record the delivery with every import in one transaction. A reference someone took meanwhile is
    allocated again; a claim on the issue that exists means this creation was imported before."""
    event, delivery, routing, services = (
        creation.event,
        creation.delivery,
        creation.routing,
        creation.services,
    )
    for round_number in range(MAX_COMMIT_ROUNDS):
        owners: list[tuple[int, int]] = []  # per transaction item: (planned index, part)
        changes: list[dict[str, Any]] = []
        events: list[roadmap_event.NewEvent] = []
        for index, item in enumerate(planned):
            for part, write in enumerate(item.writes):
                owners.append((index, part))
                changes.append(write)
            if item.writes and item.plan.updated is not None:
                deliver = roadmap_event.delivers(item.candidate.integration.roadmap_type)
                events.append(roadmap_event.imported(item.plan.updated, deliver=deliver))
        if not changes:
            return (not services.deliveries.record(delivery)), planned
        result = services.deliveries.commit(delivery, changes, events)
        if result.committed:
            return False, planned
        if result.duplicate:
            return True, planned
        if result.contended:
            # Another transaction held one of the items (TransactionConflict): nothing was decided, not
            # even for the items listed. Reading a conflict on the claim as "imported before", or on a
            # requirement's feature as "removed", would drop the import for good (the delivery is then
            # recorded). The same writes again; a condition that really fails shows in the next round.
            time.sleep(0.02 * (round_number + 1))
            continue
        planned = list(planned)
        for conflict in result.conflicts:
            index, part = owners[conflict]
            item = planned[index]
            if part == CLAIM_WRITE:
                planned[index] = already_imported(item, routing, services.links)
            elif part == RECORD_WRITE and item.candidate.kind == "requirement":
                planned[index] = PlannedImport(
                    item.candidate, unchanged(item.plan.current, "ignored", "the feature record was removed")
                )
            elif planned[index] is item:
                planned[index] = plan_import(
                    item.candidate,
                    event,
                    routing,
                    links=services.links,
                    features=services.features,
                    now=creation.now,
                )
    raise ConcurrentDeliveries(
        f"{event.webhook_event} for issue {event.issue_id} could not be recorded: references kept colliding"
    )


def _requeue_writebacks(
    event: JiraWebhookEvent, routing: SiteRouting, services: WebhookServices, public_base_url: str | None
) -> None:
    for job in pending_writebacks(event, routing, services.links, public_base_url):
        services.writebacks.enqueue(job, 0)


def _answer(routed: list[_Routed]) -> WebhookAnswer:
    records = [
        RecordOutcome(
            integration_id=item.integration.integration_id,
            reference=item.plan.current.reference,
            outcome=item.plan.outcome,
            reason=item.plan.reason,
        )
        for item in routed
    ]
    for outcome in _PRECEDENCE:
        chosen = [record for record in records if record.outcome == outcome]
        if chosen:
            reason = chosen[0].reason if len(chosen) == 1 else f"{len(chosen)} records: {chosen[0].reason}"
            return WebhookAnswer(outcome=outcome, reason=reason, records=records)
    return WebhookAnswer(outcome="ignored", reason="nothing to do", records=records)


_LOG_OUTCOME: dict[str, Outcome] = {
    "applied": Outcome.SUCCEEDED,
    "imported": Outcome.SUCCEEDED,
    "duplicate": Outcome.SKIPPED,
    "stale": Outcome.SKIPPED,
    "echo": Outcome.SKIPPED,
    "ignored": Outcome.SKIPPED,
}


def _integration_ids(routed: list[_Routed]) -> list[str]:
    return sorted({item.integration.integration_id for item in routed})


def _log_delivery(
    event: JiraWebhookEvent,
    delivery: Delivery,
    outcome: str,
    reason: str,
    *,
    integration_ids: list[str] | None = None,
) -> None:
    """One line for a delivery that touched no record: in the log of each integration it concerns (a
    duplicate of a delivery that did), or of none (site-level, `integration_id` absent)."""
    targets: list[str | None] = list(integration_ids or []) or [None]
    for integration_id in targets:
        record_action(
            "jira.webhook",
            _LOG_OUTCOME[outcome],
            integration_id=integration_id,
            jira_key=event.issue.key if event.issue else None,
            message=f"{event.webhook_event}: {outcome}: {reason}",
            correlation_id=delivery.identifier,
            webhook_event=event.webhook_event,
            webhook_outcome=outcome,
            reason=reason,
            delivery=delivery.identifier,
            delivery_retry=delivery.retry,
            jira_site=delivery.site_url,
            jira_issue_id=event.issue_id,
        )


def _log_record(event: JiraWebhookEvent, delivery: Delivery, item: _Routed) -> None:
    plan = item.plan
    link = plan.updated or plan.current
    record_action(
        "jira.import" if plan.outcome == "imported" else "jira.webhook",
        _LOG_OUTCOME[plan.outcome],
        integration_id=item.integration.integration_id,
        reference=link.reference,
        jira_key=link.issue_key or (event.issue.key if event.issue else None),
        message=f"{event.webhook_event}: {plan.outcome}: {plan.reason}",
        hint=plan.hint,
        warn=plan.warning is not None,
        correlation_id=delivery.identifier,
        webhook_event=event.webhook_event,
        webhook_outcome=plan.outcome,
        reason=plan.reason,
        delivery=delivery.identifier,
        delivery_retry=delivery.retry,
        jira_issue_status=link.jira.jira_status,
        roadmap_status=link.jira.roadmap_status,
        warning=plan.warning,
    )
