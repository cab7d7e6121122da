"""The SSRF guard (`aha_jira.outbound.site_guard`) in Jira's error types, with hints about `jira.base_url`."""

from __future__ import annotations

from aha_jira.jira.errors import JiraUnreachable, SiteNotAllowed
from aha_jira.outbound import site_guard


def check_site(base_url: str, *, allow_loopback: bool) -> None:
    try:
        site_guard.check_site(base_url, allow_loopback=allow_loopback)
    except site_guard.SiteUnresolvable as error:
        raise JiraUnreachable(
            error.message,
            code="dns_failed",
            hint="Check the spelling of jira.base_url; a Jira Cloud site looks like https://<name>.atlassian.net.",
        ) from None
    except site_guard.SiteRefused as error:
        kind = "https" if error.reason == "not_https" else "public"
        raise SiteNotAllowed(error.message, hint=f"Use the {kind} address of the Jira site.") from None
