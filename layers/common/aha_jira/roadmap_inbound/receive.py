"""Receive one of Aha!'s webhook deliveries (`POST /webhooks/aha/{roadmap_token}`): authenticate, parse,
decide, queue, log, answer.

Fast by construction: nothing is asked of Aha! or Jira here. A change to a linked feature (or to one of its
requirements) on an integration with `roadmap.auto_update` queues a `RoadmapSend` job on the retry queue;
the retry worker reads the feature from Aha! and sends it (`resend.py`). Everything else is answered 2xx and
logged: `ignored` (not a change a send carries, an unlinked record, auto_update off, an event we do not use),
`echo` (our own write to Aha!, `echo.py`), `duplicate` (queued before).

- The token is the secret part of `roadmap.webhook_url`: one of an impossible shape is refused before any
  read, a known one is compared with the integration's own in constant time; unknown is 404
  `unknown_webhook`, whatever the reason, and nothing is written.
- A queued delivery is recorded for a week in the webhook deliveries table (`aha:<integration id>#<audit
  id or body hash>`), so Aha!'s redeliveries queue nothing more; the others are not recorded (repeating an
  ignored delivery ignores it again). When the job cannot be queued, the record is taken back and the answer
  is 503: Aha! delivers again and nothing is lost.
"""

from __future__ import annotations

import hmac
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aha_jira.errors import AhaJiraError, InvalidRequest, NotFound
from aha_jira.integration_log import Outcome, bind_log_context, logger, record_action, register_secret
from aha_jira.models.aha_webhook import (
    AhaAuditEvent,
    AhaDelivery,
    AhaFeatureEvent,
    AhaWebhookAnswer,
    AhaWebhookOutcome,
)
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.send import RoadmapSend
from aha_jira.models.webhook_delivery import Delivery
from aha_jira.ports import (
    DeliveryStore,
    FeatureReader,
    IntegrationRepository,
    RecordLinks,
    RetryQueue,
    RoadmapTokenDirectory,
)
from aha_jira.roadmap_inbound.audits import RecordKind, audit_subject
from aha_jira.roadmap_inbound.comment_audits import is_comment_audit, receive_comment_audit
from aha_jira.roadmap_inbound.deliveries import delivery_identifier, parse_delivery
from aha_jira.roadmap_inbound.echo import api_key_user, changed_since_sent
from aha_jira.roadmap_inbound.policy import follows_its_issue, not_followed

# What `secrets.token_urlsafe(24)` makes (integrations/roadmap_settings.py), with room for other lengths.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
# Where Aha!'s deliveries are recorded in the webhook deliveries table (beside Jira sites' URLs).
DELIVERY_SOURCE = "aha:"


@dataclass
class AhaWebhookServices:
    """The ports the Aha! webhook uses (`wiring.aha_webhook_services` builds them)."""

    directory: RoadmapTokenDirectory
    integrations: IntegrationRepository
    links: RecordLinks
    features: FeatureReader
    deliveries: DeliveryStore
    queue: RetryQueue
    clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class _Skip:
    outcome: AhaWebhookOutcome  # ignored or echo
    reason: str
    reference: str | None = None


@dataclass(frozen=True)
class _Trigger:
    """A send to queue: the feature's reference, or (an audit naming none) the Aha! record to find it from."""

    reference: str | None
    record_type: RecordKind | None = None
    record_id: str | None = None


class QueueUnavailable(AhaJiraError):
    """The send could not be queued: our failure; Aha! delivers again."""

    status = 503
    code = "queue_unavailable"


def unknown_roadmap_token() -> NotFound:
    return NotFound(
        "No Aha! integration is registered for this webhook URL.",
        hint="Copy roadmap.webhook_url from GET /integrations/{id} into Aha!'s webhook (integration or "
        "activity webhook).",
        code="unknown_webhook",
    )


def authenticate(token: str, services: AhaWebhookServices) -> StoredIntegration:
    """The integration whose `roadmap.webhook_url` carries `token`; 404 `unknown_webhook` otherwise."""
    if not _TOKEN_SHAPE.fullmatch(token):
        raise unknown_roadmap_token()
    integration_id = services.directory.integration_for_roadmap_token(token)
    integration = services.integrations.get(integration_id) if integration_id else None
    own = integration.roadmap_token if integration is not None else None
    # The integration's own token, not only the directory's item: compared in constant time.
    if integration is None or not own or not hmac.compare_digest(own.encode(), token.encode()):
        raise unknown_roadmap_token()
    # The secret part of the URL: never in a log line (registered once known, so random tokens cannot grow
    # the redaction list).
    register_secret(token)
    bind_log_context(integration_id=integration.integration_id, product=integration.product)
    return integration


def receive_aha_webhook(token: str, body: bytes, services: AhaWebhookServices) -> AhaWebhookAnswer:
    integration = authenticate(token, services)
    try:
        delivery = parse_delivery(body)
    except InvalidRequest as refused:
        # The sender holds the integration's token: Aha! itself, whose payload we could not read. The owner
        # must see it (a change to a linked feature is then not sent); nothing else is written.
        record_action(
            "roadmap.event_ignored",
            Outcome.FAILED,
            integration_id=integration.integration_id,
            message=refused.message,
            hint=refused.hint,
            error_code=refused.code,
            webhook_outcome="refused",
        )
        raise
    identifier = delivery_identifier(delivery, body)
    bind_log_context(correlation_id=identifier)
    if isinstance(delivery, AhaAuditEvent) and is_comment_audit(delivery):
        # Comments cross on their own (issue 17), not as a send of the feature.
        source = f"{DELIVERY_SOURCE}{integration.integration_id}"
        return receive_comment_audit(integration, delivery, identifier, services, source=source)
    decided = _decide(integration, delivery, services)
    if isinstance(decided, _Skip):
        action = "roadmap.echo_ignored" if decided.outcome == "echo" else "roadmap.event_ignored"
        _log(
            action,
            Outcome.SKIPPED,
            integration,
            delivery,
            reference=decided.reference,
            reason=decided.reason,
            webhook_outcome=decided.outcome,
        )
        return AhaWebhookAnswer(
            outcome=decided.outcome, event=delivery.event, reference=decided.reference, reason=decided.reason
        )
    return _queue(integration, delivery, identifier, decided, services)


def _decide(
    integration: StoredIntegration, delivery: AhaDelivery, services: AhaWebhookServices
) -> _Trigger | _Skip:
    reason = not_followed(integration)
    if reason is not None:
        return _Skip("ignored", reason)
    if isinstance(delivery, AhaFeatureEvent):
        return _decide_feature_event(integration, delivery, services)
    if isinstance(delivery, AhaAuditEvent):
        return _decide_audit(integration, delivery, services)
    return _Skip("ignored", f"Aha!'s {delivery.event} event is not one a send acts on")


def _linked(integration: StoredIntegration, reference: str, services: AhaWebhookServices) -> bool:
    found = services.links.get_many(integration.integration_id, [reference])
    return follows_its_issue(found.get(reference))


def _decide_feature_event(
    integration: StoredIntegration, delivery: AhaFeatureEvent, services: AhaWebhookServices
) -> _Trigger | _Skip:
    feature = delivery.feature
    reference = feature.reference_num
    if not _linked(integration, reference, services):
        return _Skip("ignored", f"{reference} is not linked to a Jira issue", reference)
    record = services.features.get(integration.integration_id, reference)
    sent = record is not None and record.roadmap_fingerprint is not None
    if sent and not changed_since_sent(feature, record, services.links, integration.integration_id):
        return _Skip(
            "echo",
            f"{reference} is as it was last sent: our own write to Aha! coming back, or a change a send "
            "does not carry",
            reference,
        )
    return _Trigger(reference)


def _decide_audit(
    integration: StoredIntegration, delivery: AhaAuditEvent, services: AhaWebhookServices
) -> _Trigger | _Skip:
    audit = delivery.audit
    subject = audit_subject(audit)
    reference = None if isinstance(subject, str) else subject.feature_reference
    bot = api_key_user(integration)
    if bot is not None and audit.user is not None and audit.user.id == bot:
        return _Skip("echo", "made by the integration's own Aha! API key", reference)
    if isinstance(subject, str):
        return _Skip("ignored", subject)
    if reference is None:
        # The audit names the record by id only: the job finds its feature in Aha!.
        return _Trigger(None, subject.kind, subject.aha_id)
    if not _linked(integration, reference, services):
        return _Skip("ignored", f"{reference} is not linked to a Jira issue", reference)
    return _Trigger(reference, subject.kind, subject.aha_id)


def _queue(
    integration: StoredIntegration,
    delivery: AhaDelivery,
    identifier: str,
    trigger: _Trigger,
    services: AhaWebhookServices,
) -> AhaWebhookAnswer:
    recorded = Delivery(
        site_url=f"{DELIVERY_SOURCE}{integration.integration_id}",
        identifier=identifier,
        event=delivery.event,
        received_at=services.clock(),
    )
    if not services.deliveries.record(recorded):
        reason = "this delivery was received before"
        _log(
            "roadmap.event_ignored",
            Outcome.SKIPPED,
            integration,
            delivery,
            reference=trigger.reference,
            reason=reason,
            webhook_outcome="duplicate",
        )
        return AhaWebhookAnswer(
            outcome="duplicate", event=delivery.event, reference=trigger.reference, reason=reason
        )
    job = RoadmapSend(
        job_id=uuid.uuid4().hex,
        integration_id=integration.integration_id,
        reference=trigger.reference,
        aha_record_type=trigger.record_type,
        aha_record_id=trigger.record_id,
        trigger=delivery.event,
        delivery=identifier,
    )
    try:
        services.queue.enqueue(job, 0)
    except Exception:
        logger.exception("queueing the send of an Aha! change failed")
        # Taken back, so that Aha!'s redelivery is not a duplicate and queues the send.
        services.deliveries.forget(recorded)
        raise QueueUnavailable(
            "The change could not be queued for sending just now.",
            hint="Nothing was lost: Aha! delivers the webhook again.",
        ) from None
    what = trigger.reference or f"the Aha! {trigger.record_type} {trigger.record_id}"
    reason = f"a change in Aha! to {what}: a send is queued"
    _log(
        "roadmap.send_triggered",
        Outcome.QUEUED,
        integration,
        delivery,
        reference=trigger.reference,
        reason=reason,
        webhook_outcome="queued",
        retry_id=job.job_id,
    )
    return AhaWebhookAnswer(
        outcome="queued",
        event=delivery.event,
        reference=trigger.reference,
        reason=reason,
        retry_id=job.job_id,
    )


def _log(
    action: str,
    outcome: Outcome,
    integration: StoredIntegration,
    delivery: AhaDelivery,
    *,
    reference: str | None,
    reason: str,
    webhook_outcome: str,
    **fields: Any,
) -> None:
    extra: dict[str, Any] = {}
    if isinstance(delivery, AhaAuditEvent):
        audit = delivery.audit
        extra = {"audit_type": audit.auditable_type, "audit_action": audit.audit_action}
    record_action(
        action,
        outcome,
        integration_id=integration.integration_id,
        reference=reference,
        message=f"Aha! {delivery.event}: {reason}",
        aha_event=delivery.event,
        webhook_outcome=webhook_outcome,
        reason=reason,
        **extra,
        **fields,
    )
