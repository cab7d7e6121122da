"""`GET /integrations/{id}/release-sends/{send_id}` (the progress) and its `DELETE` (cancel what has not
started). A release send belongs to the integration it was sent to: another integration's id never finds it
(404), so one integration can neither read nor cancel another's."""

from __future__ import annotations

from aha_jira.errors import Conflict
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.models.release import ReleaseSendProgress
from aha_jira.releases.services import ReleaseServices, check_send_id, release_send_not_found, settle_status


def release_send_progress(
    integration_id: str, send_id: str, services: ReleaseServices
) -> ReleaseSendProgress:
    load_integration(integration_id, services.send.integrations)
    check_send_id(send_id)
    record = services.sends.get(integration_id, send_id)
    if record is None:
        raise release_send_not_found()
    record = settle_status(record, services)
    return record.progress(services.sends.failures(integration_id, send_id) if record.failed else [])


def cancel_release_send(integration_id: str, send_id: str, services: ReleaseServices) -> ReleaseSendProgress:
    """Cancel what has not started: features not yet sent, and those waiting for a retry, are not sent
    (counted `cancelled` at once); a feature being sent finishes. 409 once the send has finished."""
    load_integration(integration_id, services.send.integrations)
    check_send_id(send_id)
    cancelled = services.sends.cancel(integration_id, send_id, at=services.now_iso())
    if cancelled is None:
        record = services.sends.get(integration_id, send_id)
        if record is None:
            raise release_send_not_found()
        raise Conflict(
            f"The release send has finished ({record.status}): there is nothing left to cancel.",
            hint="Send the release again to send what is left; features already sent are unchanged and cost "
            "no Jira write.",
            code="release_send_finished",
        )
    record = settle_status(cancelled, services)
    record_action(
        "release.cancelled",
        Outcome.SKIPPED,
        integration_id=integration_id,
        reference=record.release,
        message=(
            f"Release send {send_id} cancelled: {record.cancelled} feature(s) will not be sent, "
            f"{record.running} being sent finish, {record.done} were sent"
        ),
        release_send_id=send_id,
    )
    return record.progress(services.sends.failures(integration_id, send_id) if record.failed else [])
