"""`jira.rate_limit.requests_per_second`: strictly validated, answered back, and kept on the Jira site's record
beside the site's other integrations' caps (the lowest wins), through the real handler and moto."""

from __future__ import annotations

from typing import Any

import pytest

from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.integrations.refusals import assert_refused, stored_state
from tests.integration.integrations.test_bad_input import config

SITE = "https://acme.atlassian.net"


def capped(cap: Any, **overrides: Any) -> dict[str, Any]:
    body = config(**overrides)
    body["jira"]["rate_limit"] = cap
    return body


def site_caps() -> dict[str, float]:
    site = DynamoIntegrationRepository().get_site(SITE)
    assert site is not None
    return site.rate_caps


@pytest.mark.parametrize(
    ("cap", "key"),
    [
        ({"requests_per_second": 0}, "jira.rate_limit.requests_per_second"),
        ({"requests_per_second": -2}, "jira.rate_limit.requests_per_second"),
        ({"requests_per_second": 100.5}, "jira.rate_limit.requests_per_second"),
        ({"requests_per_second": 10**6}, "jira.rate_limit.requests_per_second"),
        ({"requests_per_second": "5"}, "jira.rate_limit.requests_per_second"),
        ({"requests_per_second": True}, "jira.rate_limit.requests_per_second"),
        ({"requests_per_second": None}, "jira.rate_limit.requests_per_second"),
        ({}, "jira.rate_limit.requests_per_second"),
        ({"requests_per_second": 5, "burst": 10}, "jira.rate_limit.burst"),
        (5, "jira.rate_limit"),
        ("fast", "jira.rate_limit"),
    ],
)
def test_a_bad_cap_is_400_naming_the_key_and_writes_nothing(
    call_api: Call, aws: LocalResources, cap: Any, key: str
) -> None:
    before = stored_state(aws)
    status, body = call_api("PUT", "/integrations/mobile", capped(cap))
    assert_refused(status, body, expected=400, code="invalid_body", key=key)
    assert stored_state(aws) == before


@pytest.mark.parametrize("cap", [0.5, 1, 100])
def test_a_cap_within_bounds_is_kept_and_answered(call_api: Call, aws: LocalResources, cap: float) -> None:
    status, answer = call_api("PUT", "/integrations/mobile", capped({"requests_per_second": cap}))
    assert status == 201, answer
    assert answer["jira"]["rate_limit"] == {"requests_per_second": cap}
    assert call_api("GET", "/integrations/mobile")[1]["jira"]["rate_limit"] == {"requests_per_second": cap}
    assert site_caps() == {"mobile": cap}


def test_the_site_keeps_each_integration_s_cap_and_the_lowest_wins(
    call_api: Call, aws: LocalResources
) -> None:
    call_api("PUT", "/integrations/mobile", capped({"requests_per_second": 8}))
    call_api("PUT", "/integrations/web", capped({"requests_per_second": 3}, name="Web", product="WEB"))
    call_api("PUT", "/integrations/ops", config(name="Ops", product="OPS"))  # no cap of its own
    site = DynamoIntegrationRepository().get_site(SITE)
    assert site is not None and site.rate_caps == {"mobile": 8, "web": 3} and site.rate_cap == 3

    # Each integration answers its own setting; removing one's cap, deleting another, or moving it to
    # another site takes its cap off the site.
    assert call_api("GET", "/integrations/ops")[1]["jira"]["rate_limit"] is None
    call_api("PUT", "/integrations/web", config(name="Web", product="WEB"))
    assert site_caps() == {"mobile": 8}
    call_api("PUT", "/integrations/web", capped({"requests_per_second": 2}, name="Web", product="WEB"))
    assert site_caps() == {"mobile": 8, "web": 2}
    assert call_api("DELETE", "/integrations/web")[0] in (200, 204)
    assert site_caps() == {"mobile": 8}
    call_api(
        "PUT",
        "/integrations/mobile",
        capped({"requests_per_second": 8}, jira__base_url="https://new.atlassian.net"),
    )
    assert site_caps() == {}
    moved = DynamoIntegrationRepository().get_site("https://new.atlassian.net")
    assert moved is not None and moved.rate_cap == 8
