"""The Connect routes' refusals. 401s say what failed in general terms only: never a token or secret."""

from __future__ import annotations

from aha_jira.errors import AhaJiraError, Unauthorized


def connect_unauthorized(reason: str) -> Unauthorized:
    return Unauthorized(
        f"The Connect request could not be authenticated: {reason}.",
        hint="Only Jira sends these requests; reinstall the app from Jira's Manage apps page if this persists.",
        code="connect_unauthorized",
    )


class InstallKeysUnavailable(AhaJiraError):
    """The public key of a lifecycle callback could not be fetched: our failure, Jira should retry."""

    status = 503
    code = "install_keys_unavailable"
