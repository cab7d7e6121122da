"""The retry worker's use case for a `RoadmapSend` job (queued by `receive.py`): a linked feature changed in
Aha!, so read it from Aha! and send it again.

- The integration must still follow Aha!'s changes (`policy.not_followed`) and the feature still be linked;
  an audit that named the record by id only is resolved here (`GET /features/{id}`, or the requirement's
  feature).
- What Aha! answers now is sent, not what the delivery carried: jobs may run in any order, the newest state
  wins. A feature as it was last sent is not sent again (`echo.changed_since_sent`): the other format's
  delivery of the same change, or our own write; a record imported from Jira takes the first state read
  from Aha! as its baseline.
- The send is the send route's use case: a transient Jira failure queues its own retry (`feature.send`,
  queued); Jira's refusals are logged by it. Aha! unreachable, slow or rate limiting: this job is tried
  again after a back-off (never sooner than Aha!'s Retry-After), and dead-letters after the last attempt.
Every outcome is one `roadmap.*` line in the integration log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aha_jira.aha.errors import AhaError
from aha_jira.connection.roadmap_access import aha_client_for
from aha_jira.errors import AhaJiraError
from aha_jira.integration_log import Outcome, bind_log_context, record_action
from aha_jira.models.feature import AhaFeature
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.roadmap_content import fingerprint
from aha_jira.models.send import RetryOutcome, RoadmapSend, SendQueued
from aha_jira.roadmap_inbound.audits import feature_of
from aha_jira.roadmap_inbound.echo import changed_since_sent
from aha_jira.roadmap_inbound.errors import RoadmapReadFailed, read_failure
from aha_jira.roadmap_inbound.fetch import fetch_feature
from aha_jira.roadmap_inbound.policy import follows_its_issue, not_followed
from aha_jira.sync.failures import RetryLater, retry_delay
from aha_jira.sync.send import SendServices, send_feature

if TYPE_CHECKING:
    from aha_jira.aha.client import AhaClient


class _Ignored(Exception):
    """The job ends without a send: the reason is logged."""


def run_roadmap_send(
    job: RoadmapSend,
    *,
    attempt: int,
    max_attempts: int,
    services: SendServices,
    deadline: float | None = None,
) -> RetryOutcome:
    integration = services.integrations.get(job.integration_id)
    if integration is None:
        return _ignored(job, job.reference, "the integration was removed since the change was queued")
    bind_log_context(integration_id=integration.integration_id, product=integration.product)
    reason = not_followed(integration)
    if reason is not None:
        return _ignored(job, job.reference, reason)
    reference = job.reference
    try:
        client = aha_client_for(integration, services.secret_store, budgets=services.rate_budgets)
        reference = reference or _feature_of_record(client, job)
        linked = services.links.get_many(integration.integration_id, [reference]).get(reference)
        if not follows_its_issue(linked):
            raise _Ignored(f"{reference} is not linked to a Jira issue")
        feature = fetch_feature(client, reference)
    except _Ignored as ignored:
        return _ignored(job, reference, str(ignored))
    except (AhaError, RoadmapReadFailed) as error:
        failure = error if isinstance(error, RoadmapReadFailed) else read_failure(error, reference or "")
        return _read_failed(job, reference, failure, attempt=attempt, max_attempts=max_attempts)
    return _send_if_changed(job, integration, feature, services, deadline)


def _feature_of_record(client: AhaClient, job: RoadmapSend) -> str:
    """The reference of the feature the audit's record is (or belongs to), read from Aha! by its id."""
    record_id = job.aha_record_id or ""
    if job.aha_record_type == "requirement":
        requirement = client.requirement(record_id)
        found = requirement.feature.reference_num if requirement.feature else None
        found = found or feature_of("requirement", requirement.reference_num)
    else:
        found = client.feature(record_id).reference_num
    if not found:
        raise _Ignored(f"Aha!'s {job.aha_record_type} {record_id} belongs to no feature")
    return found


def _send_if_changed(
    job: RoadmapSend,
    integration: StoredIntegration,
    feature: AhaFeature,
    services: SendServices,
    deadline: float | None,
) -> RetryOutcome:
    integration_id, reference = integration.integration_id, feature.reference_num
    record = services.features.get(integration_id, reference)
    if (
        record is not None
        and record.roadmap_fingerprint is None
        and record.imported
        and not record.last_sent_at
    ):
        services.features.save(record.model_copy(update={"roadmap_fingerprint": fingerprint(feature)}))
        return _echo(
            job,
            reference,
            "the record was imported from Jira and created in Aha! by the integration: its first state in "
            "Aha! is kept as what was sent",
        )
    if not changed_since_sent(feature, record, services.links, integration_id):
        return _echo(
            job,
            reference,
            "Aha! has it as it was last sent: the same change delivered twice, our own write, or a change a "
            "send does not carry",
        )
    try:
        result = send_feature(integration_id, reference, feature, services, deadline=deadline)
    except AhaJiraError as error:
        # The send logged what Jira (or the integration's state) refused; this line ties it to the trigger.
        _log(
            job,
            "roadmap.send_triggered",
            Outcome.FAILED,
            reference,
            f"The send of the change in Aha! failed: {error.message}",
            hint=error.hint,
            error_code=error.code,
        )
        return RetryOutcome(done=True, reason=error.message)
    queued = isinstance(result, SendQueued)
    _log(
        job,
        "roadmap.send_triggered",
        Outcome.QUEUED if queued else Outcome.OK,
        reference,
        f"The change in Aha! was sent to Jira ({result.status}"
        + (f": {result.reason})" if isinstance(result, SendQueued) else ")"),
        jira_key=None if isinstance(result, SendQueued) else result.jira.key,
    )
    return RetryOutcome(done=True)


def _read_failed(
    job: RoadmapSend,
    reference: str | None,
    failure: RoadmapReadFailed,
    *,
    attempt: int,
    max_attempts: int,
) -> RetryOutcome:
    if not failure.transient:
        _log(
            job,
            "roadmap.send_triggered",
            Outcome.FAILED,
            reference,
            failure.message,
            hint=failure.hint,
            error_code=failure.code,
        )
        return RetryOutcome(done=True, reason=failure.message)
    delay = retry_delay(RetryLater(failure.message, retry_after=failure.retry_after), attempt=attempt + 1)
    if attempt >= max_attempts:
        # SQS moves the message to the dead-letter queue when this receive ends.
        _log(
            job,
            "roadmap.send_triggered",
            Outcome.FAILED,
            reference,
            f"Attempt {attempt} of {max_attempts}: {failure.message}; the job goes to the dead-letter queue",
            hint="Once Aha! answers again, replay the dead-letter queue: make replay-dlq (docs/operations.md).",
            error_code=failure.code,
            attempt=attempt,
        )
    else:
        _log(
            job,
            "roadmap.send_triggered",
            Outcome.QUEUED,
            reference,
            f"Attempt {attempt} of {max_attempts}: {failure.message}; next attempt in {delay:.0f} s",
            hint=failure.hint,
            error_code=failure.code,
            attempt=attempt + 1,
            delay_seconds=round(delay, 1),
        )
    return RetryOutcome(done=False, delay_seconds=delay, reason=failure.message)


def _ignored(job: RoadmapSend, reference: str | None, reason: str) -> RetryOutcome:
    _log(job, "roadmap.event_ignored", Outcome.SKIPPED, reference, f"Nothing sent: {reason}")
    return RetryOutcome(done=True)


def _echo(job: RoadmapSend, reference: str, reason: str) -> RetryOutcome:
    _log(job, "roadmap.echo_ignored", Outcome.SKIPPED, reference, f"Nothing sent: {reason}")
    return RetryOutcome(done=True)


def _log(
    job: RoadmapSend,
    action: str,
    outcome: Outcome,
    reference: str | None,
    message: str,
    **fields: Any,
) -> None:
    record_action(
        action,
        outcome,
        integration_id=job.integration_id,
        reference=reference,
        message=message,
        retry_id=job.job_id,
        aha_event=job.trigger,
        delivery=job.delivery,
        **fields,
    )
