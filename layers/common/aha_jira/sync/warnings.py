"""What a send could not carry to Jira: a warning in the answer (`SendSynced.warnings`) and a line in the
integration log (`send.warning`, at warning level), never dropped silently (DESIGN.md "The feature body")."""

from __future__ import annotations

from aha_jira.integration_log import Outcome, record_action
from aha_jira.models.send import SendWarning
from aha_jira.sync.send_attempt import SendAttempt

__all__ = ["warn", "warn_all"]


def warn(send: SendAttempt, code: str, message: str, hint: str, *, reference: str) -> None:
    _note(send, SendWarning(code=code, message=message, hint=hint), reference)


def warn_all(send: SendAttempt, warnings: tuple[SendWarning, ...], *, reference: str) -> None:
    """A draft's warnings (an assignee Jira does not know), each once per send."""
    for warning in warnings:
        if warning not in send.warnings:
            _note(send, warning, reference)


def _note(send: SendAttempt, warning: SendWarning, reference: str) -> None:
    send.warnings.append(warning)
    record_action(
        "send.warning",
        Outcome.SUCCEEDED,
        integration_id=send.integration_id,
        reference=reference,
        message=warning.message,
        hint=warning.hint,
        warning=warning.code,
        feature_reference=send.feature.reference_num,
        warn=True,
    )
