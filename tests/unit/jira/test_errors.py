"""Which failed Jira requests may nonetheless have done their work (one judgement the sync engine acts on)."""

from __future__ import annotations

import pytest

from aha_jira.jira.errors import (
    JiraAuthFailed,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraUnavailable,
    JiraUnreachable,
    NotJira,
    SiteNotAllowed,
)


@pytest.mark.parametrize(
    "error",
    [
        # A write whose request reached Jira: the timeout came after it was sent, or the answer was cut off.
        JiraUnreachable("did not answer in time", code="timeout", ambiguous=True),
        JiraUnreachable("the answer was cut off", ambiguous=True),
        # Jira failed after receiving the request.
        JiraUnavailable("Jira answered 503", status=503),
        JiraUnavailable("Jira answered 500", status=500, retry_after=2.0),
    ],
    ids=["write-timed-out", "write-cut-off", "503", "500"],
)
def test_a_failure_after_jira_received_a_write_may_have_committed(error: JiraError) -> None:
    assert error.may_have_committed is True
    assert error.transient is True


@pytest.mark.parametrize(
    "error",
    [
        # Never reached Jira, or a read.
        JiraUnreachable("did not accept a connection in time", code="timeout"),
        JiraUnreachable("the name could not be resolved", code="dns_failed"),
        JiraUnreachable("the certificate could not be verified", code="tls_failed"),
        SiteNotAllowed("private address"),
        # Jira answered, and its answer says nothing was done.
        JiraRateLimited("Jira answered 429", retry_after=3.0),
        JiraRejected("Jira refused the content", status=400, field_errors={"summary": "required"}),
        JiraAuthFailed("401", status=401),
        JiraForbidden("403", status=403),
        JiraNotFound("404", status=404),
        NotJira("not a Jira site"),
        JiraError("anything else"),
    ],
    ids=[
        "connect-timeout",
        "dns",
        "tls",
        "site-not-allowed",
        "429",
        "400",
        "401",
        "403",
        "404",
        "not-jira",
        "base",
    ],
)
def test_a_failure_before_jira_did_anything_has_not_committed(error: JiraError) -> None:
    assert error.may_have_committed is False
