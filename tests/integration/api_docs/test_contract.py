"""What the routes really answer matches the served description (openapi-core): one sample flow through
`make run`'s gateway calls every documented operation at least once, with its success answers (created,
replaced, synced, queued, the test report, the feature read back, the log page, a webhook's outcome, the
Connect lifecycle, configure page and webhook) and errors (400, 401, 403, 404, 409, 413, 415, 422). Every
answer is validated against its operation's documented status and schema; every request that should be
accepted is validated against the documented request (its body included) too."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.exceptions import OpenAPIError

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.integration_bodies import integration_body
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.jira_sim.connect_app import lifecycle_payload, lifecycle_token
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.integration.api_docs.conftest import operations
from tests.integration.connect.conftest import ConnectApp, Installed
from tests.integration.webhooks.conftest import aha_feature, reference_delivery, token_of

IFRAME_QUERY = [("xdm_e", "http://jira.example"), ("xdm_c", "channel-configure"), ("cp", ""), ("lic", "none")]


class Contract:
    """Sends requests to the gateway and checks each exchange against the served description."""

    def __init__(self, gateway: LocalApiGateway, described: dict[str, Any], template: Template) -> None:
        self.gateway = gateway
        self.openapi = OpenAPI.from_dict(described)
        self.routes = template.routes
        self.session = requests.Session()
        self.called: dict[tuple[str, str], set[int]] = {}

    def call(
        self,
        method: str,
        path: str,
        expect: int,
        *,
        valid_request: bool = True,
        keyed: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        headers = {**({"x-api-key": self.gateway.api_key} if keyed else {}), **kwargs.pop("headers", {})}
        prepared = self.session.prepare_request(
            requests.Request(method, f"{self.gateway.url}{path}", headers=headers, **kwargs)
        )
        response = self.session.send(prepared, timeout=60)
        assert response.status_code == expect, (method, path, response.status_code, response.text[:400])
        request = RequestsOpenAPIRequest(prepared)
        if valid_request:
            self.openapi.validate_request(request)
        self.openapi.validate_response(request, RequestsOpenAPIResponse(response))
        route = next(r for r in self.routes if r.match(method, path.split("?", 1)[0]) is not None)
        self.called.setdefault((route.method, route.path), set()).add(expect)
        return response


def lifecycle(connect: ConnectApp, event: str, client_key: str, shared_secret: str) -> dict[str, Any]:
    """A lifecycle callback as Jira signs it (keyword arguments of `Contract.call`)."""
    payload = lifecycle_payload(connect.sim.core, connect.descriptor(), event, client_key, shared_secret)
    token = lifecycle_token(
        connect.sim.connect_keys, client_key=client_key, app_base_url=connect.url, path=f"/connect/{event}"
    )
    return {"json": payload, "headers": {"Authorization": f"JWT {token}"}, "keyed": False}


@pytest.fixture
def contract(
    gateway: LocalApiGateway,
    described: dict[str, Any],
    repo_template: Template,
    monkeypatch: pytest.MonkeyPatch,
) -> Contract:
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "0.5")
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "0")
    return Contract(gateway, described, repo_template)


@pytest.fixture
def connect(
    gateway: LocalApiGateway, jira_sim: JiraSimulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ConnectApp]:
    monkeypatch.setenv("CONNECT_INSTALL_KEYS_URL", jira_sim.install_keys_url)
    yield ConnectApp(gateway=gateway, sim=jira_sim)


def test_a_failed_check_is_caught(contract: Contract, jira_sim: JiraSimulator) -> None:
    """The checks can fail: an answer that is not what its operation describes, a request body that is not
    the documented one."""
    url = f"{contract.gateway.url}/integrations"
    key = {"x-api-key": contract.gateway.api_key}
    listed = contract.session.send(
        contract.session.prepare_request(requests.Request("GET", url, headers=key))
    )
    request = RequestsOpenAPIRequest(listed.request)
    contract.openapi.validate_response(request, RequestsOpenAPIResponse(listed))
    listed._content = b'{"integrations": "not a list", "next": null}'
    with pytest.raises(OpenAPIError):
        contract.openapi.validate_response(request, RequestsOpenAPIResponse(listed))
    listed.status_code = 418  # a status the operation does not describe
    with pytest.raises(OpenAPIError):
        contract.openapi.validate_response(request, RequestsOpenAPIResponse(listed))

    body = integration_body(jira_sim)
    put = requests.Request("PUT", f"{url}/docs", headers=key, json=body).prepare()
    contract.openapi.validate_request(RequestsOpenAPIRequest(put))
    body["jira"]["auth"]["type"] = "carrier-pigeon"
    with pytest.raises(OpenAPIError):
        contract.openapi.validate_request(
            RequestsOpenAPIRequest(requests.Request("PUT", f"{url}/docs", headers=key, json=body).prepare())
        )
    feature = {"feature": aha_feature("PROD-2")}
    send = f"{url}/docs/features/PROD-2/send"
    contract.openapi.validate_request(
        RequestsOpenAPIRequest(requests.Request("POST", send, headers=key, json=feature).prepare())
    )
    with pytest.raises(OpenAPIError):
        contract.openapi.validate_request(
            RequestsOpenAPIRequest(
                requests.Request("POST", send, headers=key, json={"feature": "PROD-2"}).prepare()
            )
        )


def test_every_operation_answers_as_described(  # noqa: PLR0917 (fixtures)
    contract: Contract,
    connect: ConnectApp,
    described: dict[str, Any],
    aws: LocalResources,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
) -> None:
    c = contract
    # -- the description itself, and Swagger UI
    c.call("GET", "/openapi.json", 200, keyed=False)
    c.call("GET", "/swagger", 200, keyed=False)
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-initializer.js"):
        c.call("GET", f"/swagger/{asset}", 200, keyed=False)
    c.call("GET", "/swagger/nothing.js", 404, keyed=False)
    c.call("GET", "/admin", 200, keyed=False)
    c.call("GET", "/admin/console.css", 200, keyed=False)
    c.call("GET", "/admin/nothing.js", 404, keyed=False)

    # -- configuration
    body = integration_body(jira_sim)
    c.call("PUT", "/integrations/docs", 201, json=body)
    c.call("PUT", "/integrations/docs", 200, json=body)
    c.call("PUT", "/integrations/docs", 400, json={**body, "surprise": 1}, valid_request=False)
    c.call(
        "PUT",
        "/integrations/docs",
        415,
        data="x",
        headers={"content-type": "text/plain"},
        valid_request=False,
    )
    too_big = json.dumps({**body, "name": "x" * (5 * 1024 * 1024)})
    c.call("PUT", "/integrations/docs", 413, data=too_big, valid_request=False)
    c.call("GET", "/integrations/docs", 200)
    c.call("GET", "/integrations/nope", 404)
    c.call("GET", "/integrations?limit=1", 200)
    c.call("GET", "/integrations?limit=0", 400, valid_request=False)
    c.call("GET", "/integrations", 403, keyed=False, valid_request=False)  # API Gateway's own answer

    # -- send before a test connection, test connection, sends
    feature = aha_feature("PROD-2")
    send = "/integrations/docs/features/PROD-2/send"
    c.call("POST", send, 409, json={"feature": feature})
    c.call("POST", "/integrations/docs/test-connection", 200)
    c.call("POST", "/integrations/nope/test-connection", 404)
    c.call("POST", send, 200, json={"feature": feature})
    c.call("POST", send, 400, json={"feature": {"name": "no reference"}}, valid_request=False)
    queued = aha_feature("PROD-3")
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    c.call("POST", "/integrations/docs/features/PROD-3/send", 202, json={"feature": queued})
    refused = aha_feature("PROD-4", requirements=False)
    jira_sim.add_fault(
        method="POST",
        path=r"/rest/api/3/issue$",
        status=400,
        body={"errorMessages": [], "errors": {"customfield_10004": "Number value expected."}},
        times=1,
    )
    c.call("POST", "/integrations/docs/features/PROD-4/send", 422, json={"feature": refused})

    # -- roadmap comments carried to Jira (issue 17)
    comments = "/integrations/docs/features/PROD-2/comments"
    comment = {"id": "c-1", "body": "<p>Ship it</p>", "author": "Pat Manager"}
    c.call("POST", comments, 200, json=comment)
    c.call("POST", comments, 400, json={"id": "c-1"}, valid_request=False)
    c.call("POST", "/integrations/docs/features/NOPE-1/comments", 409, json=comment)
    c.call("POST", "/integrations/nope/features/PROD-2/comments", 404, json=comment)
    c.call("DELETE", f"{comments}/c-1", 200)
    c.call("DELETE", f"{comments}/a~b", 404)

    # -- reading back
    c.call("GET", "/integrations/docs/features/PROD-2", 200)
    c.call("GET", "/integrations/docs/features/NOPE-1", 404)
    c.call("GET", "/integrations/docs/features", 200)
    c.call("GET", "/integrations/docs/features?jira_key=not%20a%20key", 400, valid_request=False)
    c.call("GET", "/integrations/docs/log", 200)
    c.call("GET", "/integrations/docs/log?outcome=maybe", 400, valid_request=False)
    # -- the roadmap change feed (the send above linked records: record.linked events)
    c.call("GET", "/integrations/docs/events", 200)
    c.call("GET", "/integrations/docs/events?after=1&limit=1", 200)
    c.call("GET", "/integrations/docs/events?after=-1", 400, valid_request=False)
    c.call("GET", "/integrations/nope/events", 404)

    # -- Jira's admin webhook
    token = token_of(c.call("GET", "/integrations/docs", 200).json()["webhook_url"])
    delivery = reference_delivery("webhook-issue-updated-edited.json")
    json_type = {"content-type": "application/json"}
    c.call("POST", f"/webhooks/jira/{token}", 200, data=delivery, headers=json_type, keyed=False)
    c.call("POST", "/webhooks/jira/not-a-token", 404, data=delivery, headers=json_type, keyed=False)
    c.call(
        "POST",
        f"/webhooks/jira/{token}",
        400,
        data=b"[1, 2",
        headers=json_type,
        keyed=False,
        valid_request=False,
    )

    # -- Jira via Connect: descriptor, lifecycle, configure page, webhooks
    c.call("GET", "/atlassian-connect.json", 200, keyed=False)
    client_key, shared_secret = "jira:docs-contract", "a-shared-secret-for-the-contract-0123456789"
    site = Installed(connect, client_key, shared_secret)
    c.call("POST", "/connect/installed", 200, **lifecycle(connect, "installed", client_key, shared_secret))
    unsigned = lifecycle(connect, "installed", client_key, shared_secret)["json"]
    c.call("POST", "/connect/installed", 401, json=unsigned, keyed=False, valid_request=False)
    query = urlencode(IFRAME_QUERY)
    page = f"/connect/configure?{urlencode([*IFRAME_QUERY, ('jwt', site.site_token('GET', '/connect/configure', query))])}"
    c.call("GET", page, 200, keyed=False)
    c.call("GET", "/connect/configure", 401, keyed=False, valid_request=False)
    context = site.site_token("POST", "/", qsh="context-qsh")
    c.call("POST", "/connect/configure", 200, data={"subdomain": "acme", "jwt": context}, keyed=False)
    c.call("POST", "/connect/configure", 401, data={"subdomain": "acme"}, keyed=False)
    hook = "/connect/webhooks/jira:issue_updated"
    event = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": int(time.time() * 1000),
        "issue": {"id": "99999", "key": "MOB-999", "fields": {"status": {"id": "3", "name": "In Progress"}}},
        "changelog": {"id": "1", "items": []},
    }
    signed = {
        **json_type,
        "Authorization": f"JWT {site.site_token('POST', hook)}",
        "X-Atlassian-Webhook-Identifier": secrets.token_hex(8),
    }
    c.call("POST", hook, 200, json=event, headers=signed, keyed=False)
    c.call("POST", hook, 401, json=event, keyed=False)
    c.call(
        "POST", "/connect/uninstalled", 200, **lifecycle(connect, "uninstalled", client_key, shared_secret)
    )

    # -- an Aha! integration: a send with no body (read from Aha!), Aha!'s webhooks
    roadmap = {"type": "aha", "base_url": aha_sim.base_url, "api_key": aha_sim.bot_key, "auto_update": True}
    aha_body = {**integration_body(jira_sim), "product": "PROD", "roadmap": roadmap}
    aha_token = token_of(
        c.call("PUT", "/integrations/docs-aha", 201, json=aha_body).json()["roadmap"]["webhook_url"]
    )
    c.call("POST", "/integrations/docs-aha/test-connection", 200)
    c.call("POST", "/integrations/docs-aha/features/PROD-1/send", 200)
    aha_sim.add_fault(method="GET", path=r"^/api/v1/features/PROD-2$", status=503)
    c.call("POST", "/integrations/docs-aha/features/PROD-2/send", 502)
    changed = {"event": "update_feature", "feature": {**aha_sim.feature("PROD-1"), "name": "Renamed in Aha!"}}
    c.call("POST", f"/webhooks/aha/{aha_token}", 200, json=changed, keyed=False)
    c.call("POST", "/webhooks/aha/not-a-token-0123456789", 404, json=changed, keyed=False)
    c.call(
        "POST", f"/webhooks/aha/{aha_token}", 400, json={"event": "audit"}, keyed=False, valid_request=False
    )
    # -- release sends: the plan, a send, its progress, its cancel (no worker runs here: it stays running)
    release = {
        "release": {"reference_num": "PROD-R-1", "name": "Release 1"},
        "features": [aha_feature("PROD-5"), aha_feature("PROD-6")],
    }
    releases = "/integrations/docs/releases/PROD-R-1/send"
    c.call("POST", f"{releases}?dry_run=true", 200, json=release)
    started = c.call("POST", releases, 202, json=release).json()
    release_send = f"/integrations/docs/release-sends/{started['release_send_id']}"
    c.call("GET", release_send, 200)
    c.call("DELETE", release_send, 200)
    c.call("DELETE", release_send, 409)
    c.call("GET", f"/integrations/docs/release-sends/{'0' * 32}", 404)
    c.call("POST", "/integrations/nope/releases/PROD-R-1/send", 404, json=release)
    repeated = {**release, "features": [aha_feature("PROD-5"), aha_feature("PROD-5")]}
    c.call("POST", releases, 400, json=repeated)
    many = {**release, "features": [{"reference_num": f"PROD-{n}", "name": "F"} for n in range(7, 1008)]}
    c.call("POST", releases, 413, json=many)

    # -- removal
    c.call("DELETE", "/integrations/docs", 204)
    c.call("DELETE", "/integrations/docs", 404)

    assert set(c.called) == set(operations(described)), "an operation had no sample call"
    assert {status for statuses in c.called.values() for status in statuses} >= {
        200, 201, 202, 204, 400, 401, 403, 404, 409, 413, 415, 422,
    }  # fmt: skip
