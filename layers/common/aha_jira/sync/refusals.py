"""Jira's refusals of a create or edit, rewritten in the user's words: which field, its name, what to change."""

from __future__ import annotations

from typing import Any

from aha_jira.errors import AhaJiraError
from aha_jira.jira.errors import JiraAuthFailed, JiraError, JiraForbidden, JiraRejected
from aha_jira.models.jira_snapshot import JiraSnapshot


class JiraRefused(AhaJiraError):
    """Jira refused what a send asked for; permanent until the mapping or the feature changes."""

    status = 422
    code = "jira_refused"


def _field_name(snapshot: JiraSnapshot, field_id: str) -> str:
    return next((field.name for field in snapshot.fields if field.id == field_id), field_id)


def refusal(error: JiraError, snapshot: JiraSnapshot, reference: str) -> JiraRefused:
    if isinstance(error, JiraAuthFailed):
        return JiraRefused(
            f"Jira did not accept the integration's credentials while sending {reference}.",
            hint="Update the credentials with PUT /integrations/{id}, then test the connection again.",
            code="jira_auth_failed",
        )
    if isinstance(error, JiraForbidden):
        return JiraRefused(
            f"Jira refused to let the integration's account write {reference}: {error.message}",
            hint="Grant the account Create, Edit and Link issues in the project, then test the connection again.",
            code="jira_permission_missing",
        )
    field_errors = error.field_errors if isinstance(error, JiraRejected) else {}
    messages = error.error_messages if isinstance(error, JiraRejected) else [error.message]
    return refusal_from_errors({reference: (field_errors, messages)}, snapshot)


def refusal_from_errors(
    errors: dict[str, tuple[dict[str, str], list[str]]], snapshot: JiraSnapshot
) -> JiraRefused:
    """One 422 for every record Jira refused in a send (a bulk create refuses elements one by one)."""
    details: list[dict[str, Any]] = []
    for reference, (field_errors, messages) in errors.items():
        details.extend(
            {
                "reference": reference,
                "field_id": field_id,
                "field_name": _field_name(snapshot, field_id),
                "message": text,
            }
            for field_id, text in sorted(field_errors.items())
        )
        details.extend({"reference": reference, "message": text} for text in messages)
    first = details[0] if details else {"reference": "", "message": "no reason given"}
    if "field_id" in first:
        message = f"Jira did not accept {first['reference']}: field '{first['field_name']}' ({first['field_id']}): {first['message']}"
        hint = (
            f"Set mapping.fields.{first['field_id']} to a value Jira accepts, or change the feature, then send "
            "again; records Jira accepted are kept and not created twice."
        )
    else:
        message = f"Jira did not accept {first['reference']}: {first['message']}"
        hint = "Change the mapping or the feature as Jira's message says, then send again."
    return JiraRefused(message, hint=hint, details=details)
