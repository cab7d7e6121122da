"""A draft refused before any write: the mapping cannot give a field a value Jira will take."""

from __future__ import annotations

from aha_jira.errors import AhaJiraError

__all__ = ["DraftRefused"]


class DraftRefused(AhaJiraError):
    """The mapping cannot produce a value Jira will take for a field; nothing was written to Jira."""

    status = 422
    code = "field_not_accepted"

    def __init__(self, message: str, *, hint: str, field_id: str, field_name: str, issue_type: str) -> None:
        super().__init__(
            message,
            hint=hint,
            details=[{"field_id": field_id, "field_name": field_name, "issue_type": issue_type}],
        )
        self.field_id = field_id
        self.field_name = field_name
        self.issue_type = issue_type
