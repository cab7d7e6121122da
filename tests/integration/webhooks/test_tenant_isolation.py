"""An admin webhook URL speaks for its Jira site only: a delivery on site A's token, signed with A's secret,
never changes a record of site B (whatever issue it names), and B's secret does not open A's URL."""

from __future__ import annotations

import time
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.webhooks.conftest import SECRET, Deliver, Site, aha_feature, token_of

OTHER_SECRET = "the-other-sites-webhook-secret-0123456789"


def status_change(issue_id: str, key: str, changelog_id: str) -> dict[str, Any]:
    return {
        "webhookEvent": "jira:issue_updated",
        "timestamp": int(time.time() * 1000),
        "issue": {"id": issue_id, "key": key, "fields": {"status": {"id": "10002", "name": "Done"}}},
        "changelog": {"id": changelog_id, "items": [{"field": "status", "to": "10002", "toString": "Done"}]},
    }


def test_site_a_s_webhook_cannot_change_site_b_s_records(
    site: Site, call_api: Call, deliver: Deliver, jira_sim_dc: JiraSimulator, gateway: LocalApiGateway
) -> None:
    ours = site.send(aha_feature("PROD-2", requirements=False))
    body = integration_body(jira_sim_dc, name="Tenant B")
    body["jira"]["auth"] = {"type": "bearer", "token": jira_sim_dc.credentials["dc_pat"]}
    body["webhook"] = {"secret": OTHER_SECRET}
    status, view = call_api("PUT", "/integrations/tenant-b", body)
    assert status == 201, view
    other_token = token_of(view["webhook_url"])
    assert other_token != site.token
    status, report = call_api("POST", "/integrations/tenant-b/test-connection")
    assert status == 200 and report["ok"], report
    tenant_b = Site(call_api, jira_sim_dc, other_token, OTHER_SECRET, ["tenant-b"])
    theirs = tenant_b.send(aha_feature("PROD-9", requirements=False), integration="tenant-b")
    before = tenant_b.read("PROD-9", integration="tenant-b")

    # Site B's issue named on site A's URL, signed with A's secret: only site A's records are candidates.
    status, answer = deliver(
        site.token, status_change(theirs["jira"]["id"], theirs["jira"]["key"], "900001"), secret=SECRET
    )
    assert status == 200, answer
    assert all(record["integration_id"] == "mob" for record in answer["records"]), answer
    assert tenant_b.read("PROD-9", integration="tenant-b") == before

    # B's secret does not open A's URL, nor A's B's.
    event = status_change(ours["jira"]["id"], ours["jira"]["key"], "900002")
    assert deliver(site.token, event, secret=OTHER_SECRET)[0] == 401
    assert deliver(other_token, event, secret=SECRET)[0] == 401
    assert tenant_b.read("PROD-9", integration="tenant-b") == before
