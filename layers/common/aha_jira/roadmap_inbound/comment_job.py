"""The retry worker's use case for a `RoadmapCommentJob` (queued by `comment_audits.py`): a comment made in
Aha! is read from Aha! (`GET /comments/{id}`: its newest body, whatever order the audits came in) and carried
to the Jira issue (`sync/comments.py`), or its Jira copy deleted (`destroy`, or a comment Aha! no longer has).

A comment by the API key's own user is our own (a Jira comment the connector posted): nothing goes back.
Aha! or Jira unreachable, slow or rate limiting, and another request carrying the same comment: the job is
tried again after a back-off, and dead-letters after the last attempt. Every outcome is one
`roadmap.comment_triggered` line.
"""

from __future__ import annotations

from pydantic import ValidationError

from aha_jira.aha.errors import AhaError, AhaNotFound, AhaRefused
from aha_jira.connection.roadmap_access import aha_client_for
from aha_jira.errors import AhaJiraError
from aha_jira.integration_log import Outcome, bind_log_context, record_action
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.roadmap_comment import CommentSynced, RoadmapCommentBody
from aha_jira.models.send import RetryOutcome, RoadmapCommentJob
from aha_jira.roadmap_inbound.echo import api_key_user
from aha_jira.sync.comments import (
    CommentBusy,
    CommentServices,
    JiraCommentFailed,
    carry_comment,
    remove_comment,
)
from aha_jira.sync.failures import RetryLater, retry_delay

ACTION = "roadmap.comment_triggered"


class _Later(Exception):
    def __init__(self, message: str, code: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.retry_after = message, code, retry_after


def run_roadmap_comment(
    job: RoadmapCommentJob,
    *,
    attempt: int,
    max_attempts: int,
    services: CommentServices,
    deadline: float | None = None,
) -> RetryOutcome:
    integration = services.send.integrations.get(job.integration_id)
    if integration is None or integration.roadmap.type != "aha":
        return _done(job, Outcome.SKIPPED, "the integration was removed, or is no longer an Aha! one")
    bind_log_context(integration_id=integration.integration_id, product=integration.product)
    try:
        result = _carry(job, integration, services, deadline)
    except _Later as later:
        return _later(job, later, attempt=attempt, max_attempts=max_attempts)
    except AhaJiraError as refused:
        # Not linked any more, not tested, disabled, Jira refused it: retrying cannot help.
        return _done(job, Outcome.FAILED, refused.message, hint=refused.hint, error_code=refused.code)
    if isinstance(result, str):
        return _done(job, Outcome.SKIPPED, result)
    outcome = Outcome.SUCCEEDED if result.outcome in {"created", "updated", "deleted"} else Outcome.SKIPPED
    return _done(job, outcome, f"{result.outcome}: {result.reason}", reference=result.reference)


def _carry(
    job: RoadmapCommentJob, integration: StoredIntegration, services: CommentServices, deadline: float | None
) -> CommentSynced | str:
    try:
        body = None if job.action == "destroy" else _read(job, integration, services)
        if isinstance(body, str):
            return body
        if body is None:
            return _remove(job, services, deadline)
        if job.reference is None:
            return "the comment's record is not known"
        return carry_comment(integration.integration_id, job.reference, body, services, deadline=deadline)
    except AhaRefused as error:
        # The key refused, or the comment not one Aha! shows it: retrying cannot help.
        return f"Aha! refused reading the comment: {error.message}"
    except AhaError as error:
        raise _Later(error.message, error.code, getattr(error, "retry_after", None)) from None
    except CommentBusy as busy:
        raise _Later(busy.message, busy.code, 5.0) from None
    except JiraCommentFailed as failed:
        if failed.transient:
            raise _Later(failed.message, failed.code) from None
        raise


def _read(
    job: RoadmapCommentJob, integration: StoredIntegration, services: CommentServices
) -> RoadmapCommentBody | str | None:
    """The comment as Aha! has it now; None when Aha! no longer has it (deleted since); why not, as text."""
    client = aha_client_for(integration, services.send.secret_store, budgets=services.send.rate_budgets)
    try:
        comment = client.comment(job.comment_id)
    except AhaNotFound:
        return None
    bot = api_key_user(integration)
    if bot is not None and comment.user is not None and comment.user.id == bot:
        return "a comment the integration's own Aha! API key made (a Jira comment it carried): an echo"
    try:
        return RoadmapCommentBody(
            id=job.comment_id,
            body=comment.body or "",
            author=(comment.user.name if comment.user else None) or None,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
        )
    except ValidationError:
        return "the comment in Aha! is not one Jira can take (empty, or over 256 KiB)"


def _remove(job: RoadmapCommentJob, services: CommentServices, deadline: float | None) -> CommentSynced | str:
    if job.reference is None:
        return "the deleted comment's record is not known"
    return remove_comment(job.integration_id, job.reference, job.comment_id, services, deadline=deadline)


def _later(job: RoadmapCommentJob, later: _Later, *, attempt: int, max_attempts: int) -> RetryOutcome:
    delay = retry_delay(RetryLater(later.message, retry_after=later.retry_after), attempt=attempt + 1)
    last = attempt >= max_attempts
    record_action(
        ACTION,
        Outcome.FAILED if last else Outcome.QUEUED,
        integration_id=job.integration_id,
        reference=job.reference,
        message=f"Attempt {attempt} of {max_attempts}: {later.message}"
        + ("; the job goes to the dead-letter queue" if last else f"; next attempt in {delay:.0f} s"),
        hint="Once Aha! and Jira answer again, replay the dead-letter queue: make replay-dlq."
        if last
        else "Retried.",
        error_code=later.code,
        retry_id=job.job_id,
        delivery=job.delivery,
        attempt=attempt,
    )
    return RetryOutcome(done=False, delay_seconds=delay, reason=later.message)


def _done(
    job: RoadmapCommentJob,
    outcome: Outcome,
    message: str,
    *,
    reference: str | None = None,
    hint: str | None = None,
    error_code: str | None = None,
) -> RetryOutcome:
    record_action(
        ACTION,
        outcome,
        integration_id=job.integration_id,
        reference=reference or job.reference,
        message=f"Aha! comment {job.comment_id} ({job.action}): {message}",
        hint=hint,
        error_code=error_code,
        retry_id=job.job_id,
        delivery=job.delivery,
    )
    return RetryOutcome(done=True, reason=message)
