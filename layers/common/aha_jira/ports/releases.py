"""Release sends: the send's summary and each feature's state (`storage/release_sends.py`), and the queue its
features wait in (`storage/release_queue.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from aha_jira.models.feature import AhaFeature
    from aha_jira.models.release import (
        FeatureState,
        ReleaseFailure,
        ReleaseFanOut,
        ReleaseFeatureItem,
        ReleaseFeatureJob,
        ReleaseSendRecord,
    )


class ReleaseSendStore(Protocol):
    """A release send's summary, each feature's state and payload, the failures. A feature's state changes by
    a conditional write on its own item (the state it leaves, the worker's token); the summary then moves its
    reference into the set of that state, idempotently, which whoever meets the feature next repeats: a
    feature is counted once whatever its messages do."""

    def create(
        self, record: ReleaseSendRecord, features: Sequence[tuple[str, bytes | None]], *, expires_at: int
    ) -> None: ...

    def get(self, integration_id: str, send_id: str) -> ReleaseSendRecord | None: ...

    def failures(self, integration_id: str, send_id: str) -> list[ReleaseFailure]: ...

    def feature(self, integration_id: str, send_id: str, reference: str) -> ReleaseFeatureItem | None: ...

    def keep_payload(
        self, integration_id: str, send_id: str, reference: str, feature: AhaFeature
    ) -> None: ...

    def begin(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        from_state: Literal["pending", "waiting"],
        token: str,
        lease_until: float,
    ) -> bool: ...

    def take_over(
        self, integration_id: str, send_id: str, reference: str, *, token: str, lease_until: float, now: float
    ) -> bool: ...

    def leave(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        token: str,
        to: Literal["done", "failed", "waiting", "cancelled"],
        failure: ReleaseFailure | None = None,
    ) -> bool: ...

    def drop(self, integration_id: str, send_id: str, reference: str) -> bool: ...

    def count(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        state: FeatureState,
        *,
        jira_calls: int = 0,
        throttled_ms: int = 0,
        failure: ReleaseFailure | None = None,
        while_running: bool = False,
    ) -> bool: ...

    def cancel(self, integration_id: str, send_id: str, *, at: str) -> ReleaseSendRecord | None: ...

    def finish(self, record: ReleaseSendRecord, *, at: str) -> bool: ...


class ReleaseQueue(Protocol):
    """Where a release send's features wait for the release worker, one message each."""

    def fan_out(self, message: ReleaseFanOut) -> None: ...

    def enqueue(self, jobs: list[ReleaseFeatureJob]) -> None: ...

    def requeue(self, job: ReleaseFeatureJob, delay_seconds: float) -> None: ...
