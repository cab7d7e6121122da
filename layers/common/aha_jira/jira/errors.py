"""What can go wrong talking to Jira, as types the sync engine and the reports can act on.

`code` values are the stable problem codes of the API contract (DESIGN.md), so a test-connection report
and a send failure describe the same cause the same way.
"""

from __future__ import annotations

from typing import Any

from aha_jira.outbound.remote_errors import RemoteError


class JiraError(RemoteError):
    """`may_have_committed`: a create that failed this way may have created the issue, so it is reconciled
    (searched for by its stamp) rather than sent again blindly, and only once Jira's search can show it."""

    code = "jira_error"


class JiraUnreachable(JiraError):
    """The request never got an HTTP answer. `code` says why: DNS, TLS, connect, or timeout."""

    code = "site_unreachable"
    transient = True

    def __init__(
        self, message: str, *, code: str = "site_unreachable", hint: str = "", ambiguous: bool = False
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        # True when a write's request may have reached Jira: the timeout came after it was sent, or the
        # connection dropped before the whole answer was read.
        self.ambiguous = ambiguous

    @property
    def may_have_committed(self) -> bool:
        return self.ambiguous


class SiteNotAllowed(JiraError):
    """The base URL resolves to an address this deployment may not call (SSRF guard)."""

    code = "site_unreachable"


class NotJira(JiraError):
    code = "not_jira"


class JiraAuthFailed(JiraError):
    code = "auth_failed"


class JiraForbidden(JiraError):
    code = "permission_missing"


class JiraNotFound(JiraError):
    code = "not_found"


class JiraRejected(JiraError):
    """Jira refused the request's content (400/422): permanent until the request changes."""

    code = "jira_rejected"

    def __init__(
        self,
        message: str,
        *,
        field_errors: dict[str, str] | None = None,
        error_messages: list[str] | None = None,
        status: int | None = None,
        hint: str = "",
        body: Any = None,
    ) -> None:
        super().__init__(message, hint=hint, status=status)
        self.field_errors = field_errors or {}
        self.error_messages = error_messages or []
        # Jira's answer as it came: a bulk create's refusal lists its elements' errors there.
        self.body = body


class JiraRateLimited(JiraError):
    """Jira answered 429, or the site's request budget (`jira/rate_budget.py`) holds the request longer than
    the caller can wait (`status` None: no request was sent). `reason`: Jira's `RateLimit-Reason` or the
    budget's."""

    code = "rate_limited"
    transient = True

    def __init__(
        self, message: str, *, retry_after: float | None, status: int | None = 429, reason: str | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.reason = reason


class JiraUnavailable(JiraError):
    """5xx: Jira failed. For a write the outcome is ambiguous (it may have been committed)."""

    code = "jira_unavailable"
    transient = True

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after

    @property
    def may_have_committed(self) -> bool:
        # Jira failed after receiving the request: its work may have been done before the failure.
        return True
