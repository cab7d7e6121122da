"""The retry worker's use case: run a queued send again.

Each job names a feature whose payload waits in the features table. A transient failure again answers the
delay before the next attempt (the handler makes the message visible again then); the queue's redrive
policy moves it to the dead-letter queue after the last attempt. A permanent failure (Jira refused the
content, the integration was disabled or removed) ends the job: retrying cannot help, the log says why.
"""

from __future__ import annotations

from aha_jira.errors import AhaJiraError
from aha_jira.integration_log import Outcome, record_action
from aha_jira.models.send import RetryJob, RetryOutcome, SendSynced
from aha_jira.sync.failures import RetryLater, Superseded, retry_delay
from aha_jira.sync.send import SendServices, send_feature


def run_retry(
    job: RetryJob,
    *,
    attempt: int,
    max_attempts: int,
    services: SendServices,
    deadline: float | None = None,
) -> RetryOutcome:
    pending = services.features.get_pending(job.integration_id, job.reference)
    if pending is None:
        return _skipped(job, attempt, "Nothing left to retry: the feature was sent since")
    feature, pending_job = pending
    if pending_job != job.job_id:
        # A later send of the same feature queued its own job with the newer payload.
        return _skipped(job, attempt, "Superseded by a later send of the same feature")
    try:
        result = send_feature(
            job.integration_id,
            job.reference,
            feature,
            services,
            job_id=job.job_id,
            queue_on_transient=False,
            deadline=deadline,
        )
    except RetryLater as later:
        delay = retry_delay(later, attempt=attempt + 1)
        if attempt >= max_attempts:
            # SQS moves the message to the DLQ when this receive ends (maxReceiveCount = max_attempts).
            record_action(
                "retry.dead_lettered",
                Outcome.FAILED,
                integration_id=job.integration_id,
                reference=job.reference,
                message=(
                    f"Attempt {attempt} of {max_attempts} failed: {later.reason}; "
                    "the job goes to the dead-letter queue"
                ),
                hint=(
                    "Fix the cause (Jira down, rate limit, credentials), then replay the dead-letter "
                    "queue: make replay-dlq, or see docs/operations.md."
                ),
                error_code=later.error_code or "retries_exhausted",
                jira_status=later.jira_status,
                retry_id=job.job_id,
                attempt=attempt,
                max_attempts=max_attempts,
            )
        else:
            record_action(
                "retry.queued",
                Outcome.QUEUED,
                integration_id=job.integration_id,
                reference=job.reference,
                message=(
                    f"Attempt {attempt} of {max_attempts} failed: {later.reason}; "
                    f"next attempt in {delay:.0f} s"
                ),
                error_code=later.error_code,
                jira_status=later.jira_status,
                retry_id=job.job_id,
                attempt=attempt + 1,
                delay_seconds=round(delay, 1),
            )
        return RetryOutcome(done=False, delay_seconds=delay, reason=later.reason)
    except Superseded as superseded:
        return _skipped(job, attempt, f"Retry stopped: {superseded}")
    except AhaJiraError as error:
        # A payload a later send queued meanwhile is not this job's to drop.
        services.features.delete_pending(job.integration_id, job.reference, job_id=job.job_id)
        record_action(
            "retry.failed",
            Outcome.FAILED,
            integration_id=job.integration_id,
            reference=job.reference,
            message=f"Retry stopped: {error.message}",
            hint=error.hint,
            error_code=error.code,
            retry_id=job.job_id,
            attempt=attempt,
        )
        return RetryOutcome(done=True, reason=error.message)
    record_action(
        "retry.retried",
        Outcome.SUCCEEDED,
        integration_id=job.integration_id,
        reference=job.reference,
        jira_key=result.jira.key if isinstance(result, SendSynced) else None,
        message=f"Attempt {attempt} of {max_attempts} succeeded",
        retry_id=job.job_id,
        attempt=attempt,
    )
    return RetryOutcome(done=True)


def _skipped(job: RetryJob, attempt: int, message: str) -> RetryOutcome:
    """The job ends without sending: nothing is left to send, or a newer send owns the feature now."""
    record_action(
        "retry.skipped",
        Outcome.SKIPPED,
        integration_id=job.integration_id,
        reference=job.reference,
        message=message,
        retry_id=job.job_id,
        attempt=attempt,
    )
    return RetryOutcome(done=True)
