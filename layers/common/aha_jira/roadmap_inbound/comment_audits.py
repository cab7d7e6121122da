"""A comment made in Aha! on a linked feature or requirement, as the activity webhook tells it (an audit of a
`Comment` associated with its record; `create`, `update`, `destroy`): queued for the retry worker, which reads
the comment from Aha! and carries it to the Jira issue (`comment_job.py`, `sync/comments.py`).

Decided here without asking Aha! or Jira (the webhook answers fast): the integration is an enabled Aha! one
(comments are carried whether or not `roadmap.auto_update` re-sends changed features); an audit by the API
key's own user is our own comment (a Jira comment the connector posted) coming back: an echo; a record that is
not linked is ignored. A queued delivery is recorded like a send's (`aha:<integration>#audit:<id>`), so a
redelivery queues nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Literal, Protocol
from urllib.parse import urlsplit

from aha_jira.errors import AhaJiraError
from aha_jira.integration_log import Outcome, logger, record_action
from aha_jira.models.aha_webhook import AhaAuditEvent, AhaDelivery, AhaWebhookAnswer, AhaWebhookOutcome
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.references import is_reference
from aha_jira.models.send import RoadmapCommentJob
from aha_jira.models.webhook_delivery import Delivery
from aha_jira.ports import DeliveryStore, RecordLinks, RetryQueue
from aha_jira.roadmap_inbound.echo import api_key_user
from aha_jira.roadmap_inbound.policy import follows_its_issue

_COLLECTIONS = {"feature": "features", "requirement": "requirements"}
_ACTIONS: dict[str, Literal["create", "update", "destroy"]] = {
    "create": "create",
    "update": "update",
    "destroy": "destroy",
}


class CommentAuditServices(Protocol):
    """What the Aha! webhook's services give this module (`receive.AhaWebhookServices` has them)."""

    @property
    def links(self) -> RecordLinks: ...

    @property
    def deliveries(self) -> DeliveryStore: ...

    @property
    def queue(self) -> RetryQueue: ...

    @property
    def clock(self) -> Callable[[], float]: ...


class CommentQueueUnavailable(AhaJiraError):
    """The comment could not be queued: our failure; Aha! delivers again."""

    status = 503
    code = "queue_unavailable"


def _type(name: str | None) -> str:
    return (name or "").replace("_", "").replace(" ", "").casefold()


def is_comment_audit(delivery: AhaDelivery) -> bool:
    return isinstance(delivery, AhaAuditEvent) and _type(delivery.audit.auditable_type) == "comment"


def _reference(url: str | None, kind: str) -> str | None:
    try:
        segments = [part for part in urlsplit(url or "").path.split("/") if part]
    except ValueError:
        return None
    if len(segments) >= 2 and segments[-2] == _COLLECTIONS[kind] and is_reference(segments[-1]):
        return segments[-1]
    return None


def receive_comment_audit(
    integration: StoredIntegration,
    delivery: AhaAuditEvent,
    identifier: str,
    services: CommentAuditServices,
    *,
    source: str,
) -> AhaWebhookAnswer:
    audit = delivery.audit
    kind = _type(audit.associated_type)
    reference = _reference(audit.auditable_url, kind) if kind in _COLLECTIONS else None
    skipped = _skip_reason(integration, delivery, reference, services)
    if skipped is not None:
        outcome, reason = skipped
        return _answer(integration, delivery, outcome, reason, reference)
    recorded = Delivery(
        site_url=source, identifier=identifier, event=delivery.event, received_at=services.clock()
    )
    if not services.deliveries.record(recorded):
        return _answer(integration, delivery, "duplicate", "this delivery was received before", reference)
    job = RoadmapCommentJob(
        job_id=uuid.uuid4().hex,
        integration_id=integration.integration_id,
        reference=reference,
        comment_id=audit.auditable_id,
        action=_ACTIONS[audit.audit_action.casefold()],
        delivery=identifier,
    )
    try:
        services.queue.enqueue(job, 0)
    except Exception:
        logger.exception("queueing an Aha! comment failed")
        services.deliveries.forget(recorded)  # so that Aha!'s redelivery queues it
        raise CommentQueueUnavailable(
            "The comment could not be queued for Jira just now.",
            hint="Nothing was lost: Aha! delivers the webhook again.",
        ) from None
    reason = f"a comment {audit.audit_action} in Aha!: queued for Jira"
    return _answer(integration, delivery, "queued", reason, reference, retry_id=job.job_id)


def _skip_reason(
    integration: StoredIntegration,
    delivery: AhaAuditEvent,
    reference: str | None,
    services: CommentAuditServices,
) -> tuple[AhaWebhookOutcome, str] | None:
    audit = delivery.audit
    if integration.roadmap.type != "aha" or not integration.enabled:
        return "ignored", "comments from Aha! are carried by an enabled Aha! integration only"
    bot = api_key_user(integration)
    if bot is not None and audit.user is not None and audit.user.id == bot:
        return "echo", "a comment the integration's own Aha! API key made (a Jira comment it carried)"
    if _type(audit.associated_type) not in _COLLECTIONS or audit.audit_action.casefold() not in _ACTIONS:
        return "ignored", (
            f"a comment {audit.audit_action} on a {audit.associated_type or 'record'}: only comments created, "
            "edited or deleted on a feature or requirement are carried"
        )
    if reference is None:
        return "ignored", "the audit names no feature or requirement reference (auditable_url)"
    found = services.links.get_many(integration.integration_id, [reference]).get(reference)
    if not follows_its_issue(found):
        return "ignored", f"{reference} is not linked to a Jira issue"
    return None


def _answer(
    integration: StoredIntegration,
    delivery: AhaAuditEvent,
    outcome: AhaWebhookOutcome,
    reason: str,
    reference: str | None,
    *,
    retry_id: str | None = None,
) -> AhaWebhookAnswer:
    audit = delivery.audit
    action = {"queued": "roadmap.comment_triggered", "echo": "roadmap.echo_ignored"}.get(
        outcome, "roadmap.event_ignored"
    )
    record_action(
        action,
        Outcome.QUEUED if outcome == "queued" else Outcome.SKIPPED,
        integration_id=integration.integration_id,
        reference=reference,
        message=f"Aha! {delivery.event}: {reason}",
        aha_event=delivery.event,
        webhook_outcome=outcome,
        reason=reason,
        audit_type=audit.auditable_type,
        audit_action=audit.audit_action,
        retry_id=retry_id,
    )
    return AhaWebhookAnswer(
        outcome=outcome, event=delivery.event, reference=reference, reason=reason, retry_id=retry_id
    )
