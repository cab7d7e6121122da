"""What the Jira and Aha! clients' errors have in common, and how a failed connection is told apart.

`code` is what the integration log and the reports say; `transient` whether trying again later may succeed;
`may_have_committed` whether the failed request may nonetheless have done its work on the other side.
"""

from __future__ import annotations

from typing import Literal


class RemoteError(Exception):
    code = "remote_error"
    transient = False

    def __init__(self, message: str, *, hint: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status

    @property
    def may_have_committed(self) -> bool:
        """Whether the failed request may nonetheless have done its work: a create that failed this way
        may have created the record, so it is reconciled (searched for) rather than sent again blindly."""
        return False


ConnectionFailure = Literal["unresolvable", "refused", "lost"]


def connection_failure(error: Exception) -> ConnectionFailure:
    """What a `requests` ConnectionError means: the host name did not resolve, nothing accepted the
    connection (nothing was sent), or the connection broke after the request went (a write may be done)."""
    text = repr(error)
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return "unresolvable"
    if "NewConnectionError" in text or "Connection refused" in text:
        return "refused"
    return "lost"
