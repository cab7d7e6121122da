"""`jira-quota-*`: a 429 from the site's points quota pauses the whole site, for every integration on it, until
the window resets; a send that cannot wait that long answers 202 and its retry waits as long."""

from __future__ import annotations

import io
import json

import pytest

from aha_jira.jira.errors import JiraRateLimited
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.send.conftest import aha_feature

from .conftest import LimitedSite

QUOTA = "jira-quota-tenant-based"


def _configure(call_api: Call, sim: JiraSimulator, integration_id: str, product: str) -> None:
    status, _ = call_api("PUT", f"/integrations/{integration_id}", integration_body(sim, product=product))
    assert status == 201
    status, report = call_api("POST", f"/integrations/{integration_id}/test-connection")
    assert status == 200 and report["ok"], report


def _send(call_api: Call, integration_id: str) -> tuple[int, dict[str, object]]:
    feature = aha_feature()
    status, answer = call_api(
        "POST",
        f"/integrations/{integration_id}/features/{feature['reference_num']}/send",
        {"feature": feature},
    )
    return status, answer


def test_a_quota_429_pauses_the_site_for_every_integration_on_it(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, log_output: io.StringIO
) -> None:
    _configure(call_api, jira_sim, "mob", "MOB")
    _configure(call_api, jira_sim, "web", "WEB")  # the same Jira site
    jira_sim.set_rate_limits(quota={"points": 1, "window_seconds": 3600})

    status, answer = _send(call_api, "mob")  # its second request meets the quota
    assert status == 202, answer
    counters = jira_sim.rate_limits()["counters"]
    assert counters["throttled"][QUOTA] == 1 and counters["allowed"] == 1, counters

    status, answer = _send(call_api, "web")  # the other integration waits too, without asking Jira
    assert status == 202, answer
    assert jira_sim.rate_limits()["counters"]["calls"] == counters["calls"]

    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    queued = [line for line in lines if line.get("action") == "retry.queued"]
    assert [line["integration_id"] for line in queued] == ["mob", "web"]
    # Each retry waits for the window (SQS delays at most 15 minutes; the retry finds the pause again).
    assert all(line["delay_seconds"] == 900 for line in queued), queued
    sends = [line for line in lines if line.get("action") == "feature.send"]
    assert [(line.get("jira_status"), line["error_code"]) for line in sends] == [
        (429, "rate_limited"),
        (None, "rate_limited"),
    ]


def test_the_pause_holds_every_integration_until_the_window_resets(stepped_site: LimitedSite) -> None:
    """With `Beta-Retry-After` only, on the test's clock: paused together, resumed together."""
    site, clock = stepped_site, stepped_site.clock
    site.configure("mob")
    site.configure("web", product="WEB")
    site.sim.set_rate_limits(quota={"points": 2, "window_seconds": 60, "retry_header": "Beta-Retry-After"})
    mob = site.client("mob", site.container())
    web = site.client("web", site.container())
    mob.myself()
    web.myself()

    with pytest.raises(JiraRateLimited) as paused:
        mob.myself()
    assert paused.value.reason == QUOTA and paused.value.status == 429
    assert paused.value.retry_after == pytest.approx(60, abs=1)
    # The other container reads the site's state again within a second (a free site's refresh) and waits
    # without asking Jira.
    clock.sleep(1.0)
    with pytest.raises(JiraRateLimited) as waiting:
        web.myself()
    assert waiting.value.status is None and waiting.value.reason == QUOTA
    assert site.counters()["calls"] == 3 and clock.slept == 1.0

    clock.sleep(59)
    mob.myself()
    web.myself()
    assert site.counters()["throttled"][QUOTA] == 1
