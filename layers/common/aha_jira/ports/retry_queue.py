"""The retry queue (`storage/retry_queue.py`): a send's retry and an import's write-back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aha_jira.models.send import QueueMessage


class RetryQueue(Protocol):
    """Where a send's retry and an import's write-back wait for the retry worker."""

    def enqueue(self, job: QueueMessage, delay_seconds: float) -> None: ...
