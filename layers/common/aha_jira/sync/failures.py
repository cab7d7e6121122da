"""How a send stops short, and how what is left waits for a retry.

Transient failures (429, 5xx, timeouts, a send of the same feature in flight, the function's time limit) are
RetryLater: the API leaves the feature payload in the features table and a small job on the retry queue and
answers 202; the retry worker schedules its job again. Jira's refusals become JiraRefused (422). A retry whose
payload a newer send replaced stops (Superseded).
"""

from __future__ import annotations

from aha_jira.integration_log import Outcome, record_action
from aha_jira.jira.errors import JiraError
from aha_jira.jira.rate_limits import backoff_seconds
from aha_jira.models.send import RetryJob, SendQueued
from aha_jira.settings import jira_timeouts, retry_timing
from aha_jira.sync.refusals import refusal
from aha_jira.sync.send_attempt import SendAttempt

# After the last Jira call ends: its links, the feature record and the answer (a few DynamoDB writes).
FINISH_SECONDS = 1.5


class Superseded(Exception):
    """A retry found a newer send of its feature (the payload it runs is no longer the one waiting): it stops
    before its next edit instead of writing older content over the newer send's."""


class RetryLater(Exception):
    """A transient failure: the send can be repeated as it is after `delay` seconds."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        minimum_delay: float = 0.0,
        jira_status: int | None = None,
        error_code: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.minimum_delay = minimum_delay
        # What Jira answered (HTTP status; None without an answer) and why, for the integration log.
        self.jira_status = jira_status
        self.error_code = error_code


def ensure_still_current(send: SendAttempt) -> None:
    """A retry edits only while its payload is still the one waiting: a send that finished meanwhile removed
    it, a send queued meanwhile replaced it with a newer one. (A send from the API is always current.)"""
    if send.job_id is None:
        return
    waiting = send.services.features.pending_job(send.integration_id, send.feature.reference_num)
    if waiting != send.job_id:
        raise Superseded(
            f"a later send of {send.feature.reference_num} "
            + ("finished" if waiting is None else "is queued")
            + "; this retry stops before writing older content"
        )


def ensure_time_for_a_write(send: SendAttempt) -> None:
    """RetryLater when a Jira write started now could outlast the deadline (its connect and read timeouts,
    then the bookkeeping): stopping between writes leaves nothing ambiguous, a timeout mid-write would."""
    if send.deadline is None:
        return
    connect, read = jira_timeouts()
    left = send.deadline - send.now()
    if left < connect + read + FINISH_SECONDS:
        raise RetryLater(
            f"the send stopped before the function's time limit ({len(send.created)} created, "
            f"{len(send.updated)} updated so far); the retry queue continues it",
            error_code="time_limit",
        )


def transient_or_refused(send: SendAttempt, error: JiraError, reference: str) -> Exception:
    """What a Jira failure means for the send: RetryLater when it is transient, else Jira's refusal."""
    send.jira_status = error.status
    if error.transient:
        retry_after = getattr(error, "retry_after", None)
        return RetryLater(
            f"Jira: {error.message}",
            retry_after=retry_after,
            # A create that may have happened is reconciled by search: no sooner than search shows it.
            minimum_delay=retry_timing().search_consistency_seconds if error.may_have_committed else 0.0,
            jira_status=error.status,
            error_code=error.code,
        )
    return refusal(error, send.snapshot, reference)


def queue_retry(send: SendAttempt, later: RetryLater) -> SendQueued:
    """The API's answer to a transient failure: the payload waits in the features table, a job on the queue."""
    job = RetryJob(
        job_id=send.token,
        integration_id=send.integration_id,
        reference=send.feature.reference_num,
        reason=later.reason,
        retry_after=later.retry_after,
    )
    delay = retry_delay(later, attempt=1)
    send.services.features.put_pending(send.integration_id, send.feature, job.job_id, queued_at=send.now())
    send.services.retry_queue.enqueue(job, delay)
    record_action(
        "feature.send",
        Outcome.QUEUED,
        integration_id=send.integration_id,
        reference=send.feature.reference_num,
        message=f"Queued for retry in {delay:.0f} s: {later.reason}",
        hint="Nothing to do: the retry runs by itself. GET /integrations/{id}/log shows how it went.",
        jira_status=later.jira_status,
        error_code=later.error_code,
        retry_id=job.job_id,
        jira_calls=len(send.client.transport.calls),
    )
    record_action(
        "retry.queued",
        Outcome.QUEUED,
        integration_id=send.integration_id,
        reference=send.feature.reference_num,
        message=f"Retry job {job.job_id} queued: attempt 1 in {delay:.0f} s",
        retry_id=job.job_id,
        delay_seconds=round(delay, 1),
        attempt=1,
    )
    return SendQueued(reference=send.feature.reference_num, retry_id=job.job_id, reason=later.reason)


def retry_delay(later: RetryLater, *, attempt: int) -> float:
    """Exponential back-off with jitter, never sooner than Jira's Retry-After or the send's own minimum."""
    base = retry_timing().retry_base_seconds
    return max(backoff_seconds(attempt, retry_after=later.retry_after, base=base), later.minimum_delay)
