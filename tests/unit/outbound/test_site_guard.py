"""The SSRF guard every outbound client passes through (Jira, Aha!, the roadmap webhook), and the Jira
client's translation of it into its own errors."""

from __future__ import annotations

import pytest

from aha_jira.jira import site_guard as jira_guard
from aha_jira.jira.errors import JiraUnreachable, SiteNotAllowed
from aha_jira.outbound.site_guard import SiteRefused, SiteUnresolvable, check_site


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest",  # instance metadata
        "https://[fd00::1]",
        "https://0.0.0.0",
        "https://224.0.0.1",  # multicast
        "http://10.0.0.8",
    ],
)
def test_private_reserved_and_multicast_addresses_are_refused_even_locally(url: str) -> None:
    with pytest.raises(SiteRefused) as caught:
        check_site(url, allow_loopback=True)
    assert caught.value.reason == "private_address"


def test_loopback_only_where_the_local_stack_allows_it() -> None:
    check_site("http://127.0.0.1:8082", allow_loopback=True)
    check_site("https://localhost:8443/hooks?x=1", allow_loopback=True)
    with pytest.raises(SiteRefused) as caught:
        check_site("https://127.0.0.1", allow_loopback=False)
    assert caught.value.reason == "private_address"


def test_plain_http_is_refused_in_production() -> None:
    with pytest.raises(SiteRefused) as caught:
        check_site("http://8.8.8.8/hook", allow_loopback=False)
    assert caught.value.reason == "not_https"


@pytest.mark.parametrize(
    "url",
    ["https://no-such-site.invalid", f"https://{'a' * 64}.example.com", "https://[::1", "https://x:99999"],
)
def test_what_cannot_resolve_is_unresolvable(url: str) -> None:
    with pytest.raises(SiteUnresolvable):
        check_site(url, allow_loopback=False)


def test_the_jira_client_sees_its_own_errors_with_its_own_hints() -> None:
    with pytest.raises(SiteNotAllowed) as refused:
        jira_guard.check_site("https://10.0.0.1", allow_loopback=False)
    assert "public address of the Jira site" in refused.value.hint
    with pytest.raises(SiteNotAllowed, match="https") as plain:
        jira_guard.check_site("http://8.8.8.8", allow_loopback=False)
    assert "https address" in plain.value.hint
    with pytest.raises(JiraUnreachable) as unresolved:
        jira_guard.check_site(f"https://{'a' * 64}.example.com", allow_loopback=False)
    assert unresolved.value.code == "dns_failed" and "jira.base_url" in unresolved.value.hint
