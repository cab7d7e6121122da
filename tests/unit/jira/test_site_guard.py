"""SSRF guard: production calls only public https sites; the local stack may use loopback."""

from __future__ import annotations

import pytest

from aha_jira.jira.errors import JiraUnreachable, SiteNotAllowed
from aha_jira.jira.site_guard import check_site


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1",
        "https://10.1.2.3",
        "https://192.168.0.10:8443",
        "https://172.16.5.4",
        "https://169.254.169.254",  # instance metadata
        "https://[::1]",
        "https://[fd00::1]",
        "https://0.0.0.0",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(SiteNotAllowed):
        check_site(url, allow_loopback=False)


def test_plain_http_is_refused_in_production() -> None:
    with pytest.raises(SiteNotAllowed, match="https"):
        check_site("http://8.8.8.8", allow_loopback=False)


def test_local_stack_allows_loopback_but_not_private_ranges() -> None:
    check_site("http://127.0.0.1:8081", allow_loopback=True)
    check_site("http://localhost:8081", allow_loopback=True)
    with pytest.raises(SiteNotAllowed):
        check_site("http://10.0.0.8", allow_loopback=True)


def test_public_address_passes() -> None:
    check_site("https://8.8.8.8", allow_loopback=False)


def test_unresolvable_name_is_a_dns_failure() -> None:
    with pytest.raises(JiraUnreachable) as caught:
        check_site("https://no-such-site.invalid", allow_loopback=False)
    assert caught.value.code == "dns_failed"
