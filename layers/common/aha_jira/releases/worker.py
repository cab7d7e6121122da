"""The release worker's use case: one message of the release queue.

A fan-out message queues one message per feature. A feature's message sends that feature with the send use
case (`sync/send.py`: reservations, stamps, reconcile, exactly once), as the retry worker does, and moves the
feature's state and the send's counters together (`ports.ReleaseSendStore`):

- a feature already finished is left alone (a redelivered or duplicated message); one being sent by a worker
  whose lease holds is looked at again when the lease ends (a duplicate: it then finds the feature finished,
  or takes it over when that worker died); a running feature whose worker's lease ran out is taken over;
- a send that was cancelled drops the features that had not started;
- Jira's refusals (and Aha!'s, for a release read from Aha!) fail the feature with their code and hint;
- a transient failure queues the feature again (a new message, delayed by the back-off or Jira's wait) and
  counts as an attempt; a wait on Jira's limits (the site's budget, a 429), the function's time limit or
  another send of the same feature in flight does not: they say nothing about the feature. After
  `RELEASE_MAX_ATTEMPTS` attempts (or `MAX_ROUNDS` queuings of any kind) the feature fails, with the last
  cause's code and a hint: sending the release again sends what is left.

A message the worker fails to handle (a crash, a container killed) comes back after the queue's visibility
timeout and, after five, goes to the dead-letter queue (replayed with the retry queue's command).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from aha_jira.aha.errors import AhaError, AhaRateLimited
from aha_jira.connection.roadmap_access import aha_client_for
from aha_jira.errors import AhaJiraError
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.jira.errors import JiraError
from aha_jira.models.feature import AhaFeature
from aha_jira.models.release import (
    FINAL_FEATURE_STATES,
    ReleaseFailure,
    ReleaseFanOut,
    ReleaseFeatureItem,
    ReleaseFeatureJob,
    parse_release_message,
)
from aha_jira.releases.services import ReleaseServices, finish_if_settled
from aha_jira.settings import release_lease_seconds, release_settings
from aha_jira.sync.failures import RetryLater, retry_delay
from aha_jira.sync.send import send_feature

if TYPE_CHECKING:
    from aha_jira.jira.client import JiraClient

# A worker holds a running feature until its function's deadline and this much more; the queue's visibility
# timeout is longer, so a message that comes back after a crash finds the lease run out.
LEASE_MARGIN_SECONDS = 30.0
NO_DEADLINE_LEASE_SECONDS = 900.0
# Queuings of one feature of any kind (waits included) before it is reported failed: with SQS's longest
# delay (15 minutes), about a day.
MAX_ROUNDS = 100
# RetryLater codes that say nothing about the feature: not counted as attempts.
_NOT_AN_ATTEMPT = frozenset({"rate_limited", "time_limit", None})


@dataclass(frozen=True)
class _Sent:
    pass


@dataclass(frozen=True)
class _Failed:
    failure: ReleaseFailure
    logged: bool = False  # the send use case logged it already (feature.send, failed)


@dataclass(frozen=True)
class _Later:
    reason: str
    code: str | None
    delay: float
    attempt: bool  # counts as an attempt


_Outcome = _Sent | _Failed | _Later


def run_release_message(body: str, *, services: ReleaseServices, deadline: float | None = None) -> None:
    """`deadline`: when the worker's invocation ends (epoch seconds); the send stops writing before it."""
    message = parse_release_message(body)
    if isinstance(message, ReleaseFanOut):
        fan_out(message, services)
    else:
        run_feature(message, services, deadline=deadline)


def fan_out(message: ReleaseFanOut, services: ReleaseServices) -> None:
    """One message per feature. A redelivered fan-out sends them all again: each feature's state makes the
    extra messages harmless (a finished or running feature is left alone)."""
    if services.sends.get(message.integration_id, message.release_send_id) is None:
        return  # expired, or never stored
    services.queue.enqueue(
        [
            ReleaseFeatureJob(
                integration_id=message.integration_id,
                release_send_id=message.release_send_id,
                reference=reference,
            )
            for reference in message.references
        ]
    )


def run_feature(job: ReleaseFeatureJob, services: ReleaseServices, *, deadline: float | None) -> None:
    ids = (job.integration_id, job.release_send_id)
    item = services.sends.feature(*ids, job.reference)
    if item is None:
        return  # expired, or never stored
    if item.state in FINAL_FEATURE_STATES:
        # A message of a finished feature (delivered again): its worker may have died before the summary
        # counted it, so count it again (idempotent), and finish the send if it was the last.
        services.sends.count(*ids, job.reference, item.state, failure=item.failure)
        finish_if_settled(services, *ids)
        return
    now = services.clock()
    token = uuid.uuid4().hex
    lease = release_lease_seconds()
    if lease is not None:
        lease_until = now + lease
    else:
        lease_until = (
            deadline if deadline is not None else now + NO_DEADLINE_LEASE_SECONDS
        ) + LEASE_MARGIN_SECONDS
    if item.state == "running":
        if item.lease_until > now:
            # Another worker is sending it (this message is a duplicate): look again once its lease ends. If
            # that worker dies, this message takes the feature over; if it finishes, this one finds it done.
            services.queue.requeue(job, item.lease_until - now + 1)
            return
        if not services.sends.take_over(*ids, job.reference, token=token, lease_until=lease_until, now=now):
            return
    elif item.state in ("pending", "waiting") and not services.sends.begin(
        *ids, job.reference, from_state=item.state, token=token, lease_until=lease_until
    ):
        return  # another message of the feature got there first
    if not services.sends.count(*ids, job.reference, "running", while_running=True):
        # The send was cancelled: what had not started is not sent.
        services.sends.leave(*ids, job.reference, token=token, to="cancelled")
        services.sends.count(*ids, job.reference, "cancelled")
        finish_if_settled(services, *ids)
        return
    clients: list[JiraClient] = []
    outcome = _send(job, item, services, deadline, clients)
    calls = sum(len(client.transport.calls) for client in clients)
    throttled_ms = round(sum(client.transport.throttle.waited_seconds for client in clients) * 1000)
    _settle(job, outcome, token, services, calls=calls, throttled_ms=throttled_ms)


def _send(
    job: ReleaseFeatureJob,
    item: ReleaseFeatureItem,
    services: ReleaseServices,
    deadline: float | None,
    clients: list[JiraClient],
) -> _Outcome:
    feature = item.feature
    if feature is None:
        read = _read_from_aha(job, services)
        if not isinstance(read, AhaFeature):
            return read
        feature = read
    try:
        send_feature(
            job.integration_id,
            job.reference,
            feature,
            services.send,
            queue_on_transient=False,
            deadline=deadline,
            on_client=clients.append,
        )
    except RetryLater as later:
        counts = later.error_code not in _NOT_AN_ATTEMPT
        delay = retry_delay(later, attempt=job.attempt + 1 if counts else 1)
        return _Later(later.reason, later.error_code, delay, counts)
    except AhaJiraError as error:  # Jira's refusals (422), the integration disabled or removed meanwhile
        return _Failed(_failure(job, error), logged=True)
    except JiraError as error:  # before the first call: the integration's credentials
        if error.transient:
            retry = RetryLater(f"Jira: {error.message}")
            return _Later(retry.reason, error.code, retry_delay(retry, attempt=job.attempt + 1), True)
        return _Failed(_failure(job, error))
    return _Sent()


def _failure(job: ReleaseFeatureJob, error: AhaJiraError | JiraError) -> ReleaseFailure:
    return ReleaseFailure(reference=job.reference, code=error.code, message=error.message, hint=error.hint)


def _read_from_aha(job: ReleaseFeatureJob, services: ReleaseServices) -> AhaFeature | _Outcome:
    """The feature as Aha! has it now (a release send with an empty body), kept for its retries."""
    try:
        integration = load_integration(job.integration_id, services.send.integrations)
        document = (
            aha_client_for(integration, services.send.secret_store, budgets=services.send.rate_budgets)
            .feature(job.reference)
            .document
        )
    except AhaJiraError as error:
        return _Failed(_failure(job, error))
    except AhaError as error:
        if isinstance(error, AhaRateLimited):
            later = RetryLater(f"Aha!: {error.message}", retry_after=error.retry_after)
            return _Later(later.reason, "roadmap_rate_limited", retry_delay(later, attempt=1), False)
        if error.transient:
            later = RetryLater(f"Aha!: {error.message}")
            return _Later(later.reason, error.code, retry_delay(later, attempt=job.attempt + 1), True)
        return _Failed(
            ReleaseFailure(
                reference=job.reference,
                code=error.code,
                message=f"Aha! could not give {job.reference}: {error.message}",
                hint=error.hint or "Check the feature in Aha! and the integration's roadmap.api_key.",
            )
        )
    try:
        feature = AhaFeature.model_validate(document)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem.get("loc", ()))
        return _Failed(
            ReleaseFailure(
                reference=job.reference,
                code="invalid_feature",
                message=f"Aha!'s {job.reference} cannot be sent: {where}: {problem.get('msg')}",
                hint="Fix the feature in Aha!, then send the release (or the feature) again.",
            )
        )
    services.sends.keep_payload(job.integration_id, job.release_send_id, job.reference, feature)
    return feature


def _settle(
    job: ReleaseFeatureJob,
    outcome: _Outcome,
    token: str,
    services: ReleaseServices,
    *,
    calls: int,
    throttled_ms: int,
) -> None:
    ids = (job.integration_id, job.release_send_id)
    attempts = job.attempt + (1 if isinstance(outcome, _Later) and outcome.attempt else 0)
    if isinstance(outcome, _Later) and (
        attempts >= release_settings().max_attempts or job.rounds + 1 >= MAX_ROUNDS
    ):
        outcome = _Failed(
            ReleaseFailure(
                reference=job.reference,
                code=outcome.code or "retries_exhausted",
                message=f"{job.reference} was not sent after {attempts} attempt(s): {outcome.reason}",
                hint="Fix the cause (Jira down, its limits, credentials), then send the release again: what "
                "was sent is unchanged and costs no Jira write.",
            )
        )
    if isinstance(outcome, _Later):
        # Queued before the state changes: a crash in between leaves a duplicate message, never none.
        services.queue.requeue(
            job.model_copy(update={"attempt": attempts, "rounds": job.rounds + 1}), outcome.delay
        )
        if not services.sends.leave(*ids, job.reference, token=token, to="waiting"):
            return  # another worker took the feature over meanwhile: its outcome counts
        if not services.sends.count(
            *ids, job.reference, "waiting", while_running=True, jira_calls=calls, throttled_ms=throttled_ms
        ):
            # Cancelled meanwhile: it will not be sent.
            services.sends.drop(*ids, job.reference)
            services.sends.count(
                *ids, job.reference, "cancelled", jira_calls=calls, throttled_ms=throttled_ms
            )
            finish_if_settled(services, *ids)
            return
        record_action(
            "release.feature",
            Outcome.QUEUED,
            integration_id=job.integration_id,
            reference=job.reference,
            message=f"Queued again in {outcome.delay:.0f} s: {outcome.reason}",
            error_code=outcome.code,
            release_send_id=job.release_send_id,
            attempt=attempts,
            delay_seconds=round(outcome.delay, 1),
        )
        return
    failure = outcome.failure if isinstance(outcome, _Failed) else None
    logged = isinstance(outcome, _Failed) and outcome.logged
    state: Literal["done", "failed"] = "failed" if failure else "done"
    if not services.sends.leave(*ids, job.reference, token=token, to=state, failure=failure):
        return  # another worker took the feature over meanwhile: its outcome counts
    services.sends.count(
        *ids, job.reference, state, jira_calls=calls, throttled_ms=throttled_ms, failure=failure
    )
    if failure is not None and not logged:
        record_action(
            "release.feature",
            Outcome.FAILED,
            integration_id=job.integration_id,
            reference=job.reference,
            message=failure.message,
            hint=failure.hint,
            error_code=failure.code,
            release_send_id=job.release_send_id,
        )
    finish_if_settled(services, *ids)
