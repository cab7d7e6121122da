"""What the release use cases work with: the send's services, the release sends' store and queue, and the
checks every route makes before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aha_jira.errors import AhaJiraError, NotFound
from aha_jira.integration_log import Outcome, record_action
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.release import RELEASE_SEND_ID_LENGTH, ReleaseSendRecord
from aha_jira.ports import ReleaseQueue, ReleaseSendStore
from aha_jira.sync.send import SendServices
from aha_jira.sync.send import ready_snapshot as ready_to_send

# A release send's items (its progress, its features' payloads) are kept this long after it started.
KEEP_SECONDS = 30 * 24 * 3600


@dataclass
class ReleaseServices:
    """The ports of the release use cases (`wiring.release_services` builds them)."""

    send: SendServices
    sends: ReleaseSendStore
    queue: ReleaseQueue
    clock: Callable[[], float] = time.time

    def now_iso(self) -> str:
        return iso(self.clock())


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def ready_snapshot(integration: StoredIntegration, services: SendServices) -> JiraSnapshot:
    """The integration's Jira snapshot, when it may send: enabled (409 `disabled`) and tested (409
    `not_tested`), as the single send requires."""
    return ready_to_send(integration, services, sending="releases")


def check_send_id(send_id: str) -> None:
    """404 for a release send id that cannot be one (not echoed)."""
    if len(send_id) != RELEASE_SEND_ID_LENGTH or any(c not in "0123456789abcdef" for c in send_id):
        raise release_send_not_found()


def release_send_not_found() -> NotFound:
    return NotFound(
        "This integration has no release send with this id.",
        hint="Use the release_send_id the release's send answered, with the integration it was sent to.",
        code="release_send_not_found",
    )


class RoadmapRefused(AhaJiraError):
    """Aha! refused the integration's request (its API key, its access): the roadmap settings need a fix."""

    status = 422
    code = "roadmap_refused"


class RoadmapUnavailable(AhaJiraError):
    """Aha! could not be reached or failed, and nothing was queued: the caller may try again."""

    status = 502
    code = "roadmap_unavailable"


def finish_if_settled(
    services: ReleaseServices, integration_id: str, send_id: str
) -> ReleaseSendRecord | None:
    """Read the send and mark it finished when nothing is left to run (see `settle_status`)."""
    record = services.sends.get(integration_id, send_id)
    return settle_status(record, services) if record is not None else None


def settle_status(record: ReleaseSendRecord, services: ReleaseServices) -> ReleaseSendRecord:
    """The send marked finished once nothing is left to run: done or failed when every feature settled, a
    cancelled send when its last running feature did. The worker does it after each feature; a worker that
    stopped in between leaves it to the next reader (the progress route). Answers the send as it is now."""
    if not services.sends.finish(record, at=services.now_iso()):
        return record
    finished = services.sends.get(record.integration_id, record.release_send_id) or record
    if record.status == "running":
        record_action(
            "release.finished",
            Outcome.SUCCEEDED if finished.status == "done" else Outcome.FAILED,
            integration_id=record.integration_id,
            reference=record.release,
            message=(
                f"Release send {record.release_send_id} of {record.release} finished: {finished.done} of "
                f"{finished.total} feature(s) sent, {finished.failed} failed"
            ),
            hint=(
                None
                if finished.status == "done"
                else "GET /integrations/{id}/release-sends/{release_send_id} lists each failure with its hint; "
                "send the release again once fixed."
            ),
            error_code=None if finished.status == "done" else "release_incomplete",
            release_send_id=record.release_send_id,
            jira_calls=finished.jira_calls,
        )
    return finished
