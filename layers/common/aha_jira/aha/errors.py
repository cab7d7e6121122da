"""What can go wrong talking to Aha!, as types the roadmap connector and test connection can act on.

`code` is what the integration log and the test-connection report say; `transient` whether trying again
later may succeed; `may_have_committed` whether a failed write may nonetheless have been done in Aha! (so
a retry must not repeat what is not idempotent, such as a time tracking event, blindly).
"""

from __future__ import annotations

from aha_jira.outbound.remote_errors import RemoteError


class AhaError(RemoteError):
    code = "roadmap_error"


class AhaUnreachable(AhaError):
    """No HTTP answer. `reason`: `dns_failed`, `tls_failed`, `timeout` or `connection_failed`."""

    code = "roadmap_unreachable"
    transient = True

    def __init__(self, message: str, *, reason: str, hint: str = "", ambiguous: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason
        # True when a write's request may have reached Aha!: the read timed out after it was sent, or the
        # connection dropped before the whole answer was read.
        self.ambiguous = ambiguous

    @property
    def may_have_committed(self) -> bool:
        return self.ambiguous


class AhaSiteNotAllowed(AhaError):
    """`roadmap.base_url` is not https or resolves to an address this deployment may not call (SSRF guard):
    permanent until the configuration changes."""

    code = "roadmap_unreachable"


class AhaAuthFailed(AhaError):
    """401: the API key is wrong, revoked or missing."""

    code = "roadmap_auth_failed"


class AhaForbidden(AhaError):
    """403: the key's user may not do this (no access to the product, a read-only role)."""

    code = "roadmap_forbidden"


class AhaNotFound(AhaError):
    code = "roadmap_not_found"


class AhaRefused(AhaError):
    """Aha! refused the request's content (400, 409, 422...): permanent until the request changes.
    `aha_message` is Aha!'s own words (its `{"error": ...}`), cut to a readable length."""

    code = "roadmap_refused"

    def __init__(self, message: str, *, status: int, aha_message: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint, status=status)
        self.aha_message = aha_message


class AhaRateLimited(AhaError):
    """429: over Aha!'s 300 requests a minute. Nothing was done; `retry_after` is Aha!'s wait in seconds."""

    code = "roadmap_rate_limited"
    transient = True

    def __init__(self, message: str, *, retry_after: float | None, hint: str = "") -> None:
        super().__init__(message, hint=hint, status=429)
        self.retry_after = retry_after


class AhaUnavailable(AhaError):
    """5xx (Aha! failed, perhaps after doing the work), or 408/425 (it did not start)."""

    code = "roadmap_unavailable"
    transient = True

    def __init__(
        self, message: str, *, status: int, retry_after: float | None = None, hint: str = ""
    ) -> None:
        super().__init__(message, hint=hint, status=status)
        self.retry_after = retry_after

    @property
    def may_have_committed(self) -> bool:
        return self.status is not None and self.status >= 500


class AhaUnexpectedAnswer(AhaError):
    """An answer that is not what Aha!'s API promises: not JSON, another shape, a redirect. A write that got
    one may have been done (a 2xx was answered)."""

    code = "roadmap_unexpected_answer"

    def __init__(
        self,
        message: str,
        *,
        hint: str,
        status: int | None = None,
        transient: bool = True,
        committed: bool = False,
    ) -> None:
        super().__init__(message, hint=hint, status=status)
        # Retried by default: an event must not be lost to one garbled answer (it dead-letters in the end).
        self.transient = transient
        self._committed = committed

    @property
    def may_have_committed(self) -> bool:
        return self._committed
