"""The local gateway's own log lines (access log, http.server's request lines, failures) show no webhook
token: the token is the credential of its URL, and the docs promise no token in any log line."""

from __future__ import annotations

import http.client
import logging

import pytest
import requests

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from tests.builders import integration_body
from tests.leak_scan import leaks


def test_no_webhook_token_in_the_gateway_log(
    gateway: LocalApiGateway, jira_sim: JiraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aha_jira_dev.local_stack")
    headers = {"x-api-key": gateway.api_key}
    created = requests.put(
        f"{gateway.url}/integrations/mob", json=integration_body(jira_sim), headers=headers, timeout=30
    )
    assert created.status_code == 201, created.text
    token = created.json()["webhook_url"].rsplit("/", 1)[-1]
    assert len(token) >= 16

    for path in (f"/webhooks/jira/{token}", f"/v1/webhooks/jira/{token}"):
        answered = requests.post(f"{gateway.url}{path}", json={"not": "jira"}, timeout=10)
        assert answered.status_code == 400, answered.text
    # No route: the token is in the path all the same.
    assert requests.post(f"{gateway.url}/webhooks/jira/{token}/extra", timeout=10).status_code == 404
    # A request the server cannot read: http.server logs its request line.
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        connection.putrequest("POST", f"/webhooks/jira/{token}?x=1")
        connection.putheader("Content-Length", "-")
        connection.endheaders()
        assert connection.getresponse().status == 400
    finally:
        connection.close()

    logged = caplog.text
    assert logged.count("/webhooks/jira/[REDACTED]") >= 4, logged
    assert leaks(logged, {"webhook token": token}) == []
