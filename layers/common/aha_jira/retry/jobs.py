"""What the retry worker runs for one queue message: a send to retry, an import's write-back, or a send of a
feature that changed in Aha! (`roadmap.auto_update`), or a comment made in Aha! carried to Jira."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aha_jira.models.send import (
    ImportWriteBack,
    RetryOutcome,
    RoadmapCommentJob,
    RoadmapSend,
    parse_queue_message,
)
from aha_jira.retry.worker import run_retry
from aha_jira.sync.send import SendServices

if TYPE_CHECKING:
    from aha_jira.sync.comments import CommentServices
    from aha_jira.webhooks.import_writeback import WriteBackServices


def run_queue_message(
    body: str,
    *,
    attempt: int,
    max_attempts: int,
    services: SendServices,
    writeback_services: Callable[[], WriteBackServices],
    deadline: float | None = None,
    comment_services: Callable[[], CommentServices] | None = None,
) -> RetryOutcome:
    """`deadline`: when the worker's invocation ends (epoch seconds); a send stops writing before it.
    `writeback_services` is called on the first write-back: its code and adapters are not loaded before."""
    message = parse_queue_message(body)
    if isinstance(message, ImportWriteBack):
        # Imported on the first write-back (the webhook's import planning comes with it), not with the worker.
        from aha_jira.webhooks.import_writeback import write_back_import  # noqa: PLC0415

        return write_back_import(
            message, attempt=attempt, max_attempts=max_attempts, services=writeback_services()
        )
    if isinstance(message, RoadmapSend):
        # Imported on the first Aha!-triggered send (the Aha! client comes with it), not with the worker.
        from aha_jira.roadmap_inbound.resend import run_roadmap_send  # noqa: PLC0415

        return run_roadmap_send(
            message, attempt=attempt, max_attempts=max_attempts, services=services, deadline=deadline
        )
    if isinstance(message, RoadmapCommentJob):
        if comment_services is None:
            return RetryOutcome(done=False, delay_seconds=60.0, reason="this worker carries no comments")
        # Imported on the first comment from Aha! (the Aha! client and the comment sync come with it).
        from aha_jira.roadmap_inbound.comment_job import run_roadmap_comment  # noqa: PLC0415

        return run_roadmap_comment(
            message,
            attempt=attempt,
            max_attempts=max_attempts,
            services=comment_services(),
            deadline=deadline,
        )
    return run_retry(
        message, attempt=attempt, max_attempts=max_attempts, services=services, deadline=deadline
    )
