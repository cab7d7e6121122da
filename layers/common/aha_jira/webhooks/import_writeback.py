"""Write an imported record's roadmap reference back to its Jira issue (queued by the webhook).

Two idempotent writes: the `aha-jira` entity property (the same stamp a send puts on the issues it creates,
so a reconcile or a later import recognises the issue) and a remote link to the roadmap record, keyed by a
`globalId` so a repeated job updates the link instead of adding a second one. A transient failure comes
back after a back-off (the queue's redrive policy ends in the dead-letter queue); a refusal ends the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aha_jira.integration_log import Outcome, record_action
from aha_jira.jira.errors import JiraError
from aha_jira.jira.rate_limits import backoff_seconds
from aha_jira.models import roadmap_event
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.models.send import ImportWriteBack, RetryOutcome
from aha_jira.ports import InstallationReader, IntegrationRepository, SecretStore, WriteBackLinkStore
from aha_jira.settings import retry_timing
from aha_jira.sync.drafting import STAMP_PROPERTY, stamp_property
from aha_jira.webhooks.imports import CATCH_UP_FIELDS, catch_up_event
from aha_jira.webhooks.issue_changes import plan_issue_updated
from aha_jira.webhooks.routing import IntegrationContext

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets

ACTION = "import.writeback"
CATCH_UP_ROUNDS = 5


@dataclass(frozen=True)
class WriteBackServices:
    """The ports a write-back uses (`wiring.writeback_services` builds them)."""

    integrations: IntegrationRepository
    secret_store: SecretStore
    installations: InstallationReader
    links: WriteBackLinkStore
    rate_budgets: SiteBudgets | None = None  # every Jira site's request budget (None: unmetered, in tests)


def remote_link_id(integration_id: str, reference: str) -> str:
    return f"aha-jira:{integration_id}:{reference}"


def write_back_import(
    job: ImportWriteBack, *, attempt: int, max_attempts: int, services: WriteBackServices
) -> RetryOutcome:
    integration = services.integrations.get(job.integration_id)
    link = services.links.get_many(job.integration_id, [job.reference]).get(job.reference)
    if integration is None or link is None or link.state != "linked" or link.issue_id != job.issue_id:
        _log(job, Outcome.SKIPPED, "The imported record is gone or linked elsewhere; nothing to write back")
        return RetryOutcome(done=True)
    if link.writeback_at is not None:
        _log(job, Outcome.SKIPPED, f"The reference was written back at {link.writeback_at}")
        return RetryOutcome(done=True)
    snapshot = services.integrations.get_snapshot(job.integration_id)
    # The Jira client (requests, signers) is imported when first needed, not with the retry worker.
    from aha_jira.connection.jira_access import jira_client_for  # noqa: PLC0415

    try:
        client = jira_client_for(
            integration,
            services.secret_store,
            installations=services.installations,
            api_version=snapshot.api_version if snapshot else 3,
            budgets=services.rate_budgets,
            sites=services.integrations,
        )
        stamp = stamp_property(job.reference, link.token, job.integration_id)
        client.set_issue_property(job.issue_id, STAMP_PROPERTY, stamp["value"])
        if job.record_url:
            client.put_remote_link(
                job.issue_id,
                global_id=remote_link_id(job.integration_id, job.remote_link_reference or job.reference),
                url=job.record_url,
                title=f"Roadmap {link.kind} {job.reference}",
                summary=link.jira.name or "",
            )
        issue_now = catch_up_event(client.get_issue(job.issue_id, CATCH_UP_FIELDS))
    except JiraError as error:
        return _failed(job, error, attempt=attempt, max_attempts=max_attempts)
    services.links.mark_written_back(link, datetime.now(UTC).isoformat(timespec="milliseconds"))
    if issue_now is not None:
        _catch_up(services, job, issue_now, IntegrationContext.of(integration))
    _log(
        job,
        Outcome.OK,
        f"Reference {job.reference} written back to {job.issue_key or job.issue_id}"
        + ("" if job.record_url else " (entity property only: no public URL for a remote link)"),
    )
    return RetryOutcome(done=True)


def _catch_up(
    services: WriteBackServices, job: ImportWriteBack, event: JiraWebhookEvent, context: IntegrationContext
) -> None:
    """Apply the issue's current state to the record, planned again from a fresh read whenever a webhook
    wrote the record meanwhile (the record read before the calls to Jira is stale by then): ordering keeps
    whichever of the two is newer, and the newer one is never dropped."""
    for _ in range(CATCH_UP_ROUNDS):
        link = services.links.get_many(job.integration_id, [job.reference]).get(job.reference)
        if link is None or link.state != "linked" or link.issue_id != job.issue_id:
            return
        plan = plan_issue_updated(event, link, context, datetime.now(UTC).isoformat(timespec="milliseconds"))
        if plan.outcome != "applied" or plan.updated is None:
            return
        updated = plan.updated.with_jira(webhook_rev=link.jira.webhook_rev + 1)
        events = roadmap_event.changes_between(
            link, updated, deliver=roadmap_event.delivers(context.roadmap_type)
        )
        if services.links.write_webhook_change(updated, expected_rev=link.jira.webhook_rev, events=events):
            _log(job, Outcome.OK, f"Caught up with the issue as Jira has it now: {plan.reason}")
            return
    _log(job, Outcome.FAILED, "Could not catch up with the issue: its record kept changing")


def _failed(job: ImportWriteBack, error: JiraError, *, attempt: int, max_attempts: int) -> RetryOutcome:
    last = attempt >= max_attempts
    if error.transient and not last:
        delay = backoff_seconds(
            attempt + 1,
            retry_after=getattr(error, "retry_after", None),
            base=retry_timing().retry_base_seconds,
        )
        _log(
            job,
            Outcome.QUEUED,
            f"Attempt {attempt} of {max_attempts} failed: {error.message}; next attempt in {delay:.0f} s",
            jira_status=error.status,
            error_code=error.code,
        )
        return RetryOutcome(done=False, delay_seconds=delay, reason=error.message)
    _log(
        job,
        Outcome.FAILED,
        f"The reference could not be written back to {job.issue_key or job.issue_id}: {error.message}",
        hint=error.hint or "The record stays imported; the Jira issue just lacks the link to it.",
        jira_status=error.status,
        error_code=error.code,
    )
    # Transient on the last attempt: keep the message failing so the redrive policy dead-letters it.
    return RetryOutcome(done=not error.transient, reason=error.message)


def _log(
    job: ImportWriteBack,
    outcome: Outcome,
    message: str,
    *,
    hint: str | None = None,
    jira_status: int | None = None,
    error_code: str | None = None,
) -> None:
    record_action(
        ACTION,
        outcome,
        integration_id=job.integration_id,
        reference=job.reference,
        jira_key=job.issue_key,
        message=message,
        hint=hint,
        jira_status=jira_status,
        error_code=error_code,
        retry_id=job.job_id,
    )
