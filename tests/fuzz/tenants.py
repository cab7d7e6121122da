"""Tenants over HTTP, and what one tenant's caller tries against another's records.

`set_up_tenant` configures an integration on one Jira site through the public API (PUT with a webhook secret,
test connection, one feature sent, so it is linked to a Jira issue) and installs our Connect app for that site
the way Jira does (an RS256-signed `installed` callback). It needs only URLs, so it serves the in-process
gateway of the tests and a `make run` stack in another process alike.

`isolation_attacks()`: for each webhook kind (the admin webhook's token and HMAC, the Connect JWT, the Connect
lifecycle and configure page, Aha!'s webhook and its roadmap token), what a caller holding tenant A's credentials sends to reach tenant B's records.
`run_attack` sends it and reports a breach when anything of B's changed (`WriteObserver.records_of` B's
markers) or an answer showed B's identifiers or secrets. The management routes are not among them: one API
key opens the whole management API (DESIGN.md: API Gateway's key, not a tenant's), so isolation there is not
between tenants by design; it is between the webhook and Connect callers, who each hold one site's
credentials.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from aha_jira_dev.jira_sim.connect_app import ConnectKeys
from tests.fuzz.observation import WriteObserver, record_changes
from tests.fuzz.probes import Target, Tenant, encode
from tests.fuzz.signing import (
    connect_site_token,
    hub_signature,
    installed_token,
    lifecycle_body,
    status_event,
)
from tests.fuzz.wire import Answer, HttpRequest, answer_problems, send

STATUSES = {"To Do": "Ready to develop", "In Progress": "In development", "Done": "Shipped"}


@dataclass(frozen=True)
class ConnectApp:
    """Our app as a Jira site sees it: where it is, its key, and the key Jira signs lifecycle calls with."""

    url: str
    api_key: str
    base_url: str  # the descriptor's baseUrl
    key: str
    lifecycle_keys: ConnectKeys

    def target(self, tenant: Tenant) -> Target:
        return Target(
            url=self.url,
            api_key=self.api_key,
            app_base_url=self.base_url,
            app_key=self.key,
            lifecycle_keys=self.lifecycle_keys,
            tenant=tenant,
        )


def connect_app(url: str, api_key: str, lifecycle_keys: ConnectKeys) -> ConnectApp:
    answer = requests.get(f"{url}/atlassian-connect.json", timeout=30)
    answer.raise_for_status()
    descriptor = answer.json()
    return ConnectApp(
        url, api_key, str(descriptor["baseUrl"]).rstrip("/"), str(descriptor["key"]), lifecycle_keys
    )


def install_connect(
    app: ConnectApp, site_url: str, *, client_key: str, shared_secret: str
) -> requests.Response:
    """The `installed` callback a Jira site sends (RS256, `aud` = the app's base URL)."""
    token = installed_token(app.lifecycle_keys, client_key=client_key, app_base_url=app.base_url)
    body = lifecycle_body(
        app_key=app.key, client_key=client_key, site_url=site_url, shared_secret=shared_secret
    )
    return requests.post(
        f"{app.url}/connect/installed",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"JWT {token}"},
        timeout=30,
    )


def set_up_tenant(
    app: ConnectApp,
    *,
    name: str,
    integration_id: str,
    jira_url: str,
    aha_url: str | None = None,
    roadmap_reference: str = "PROD-1",
) -> Tenant:
    """An integration on the Jira site at `jira_url` (a simulator) with a webhook secret, tested, with one
    feature sent (so linked to an issue), and our Connect app installed for the site. With `aha_url` (an
    Aha! simulator), a second integration on the site, `<integration_id>-aha`, whose roadmap is that Aha!
    account (`auto_update`), tested, with `roadmap_reference` sent from Aha!."""
    info = requests.get(f"{jira_url}/_sim/info", timeout=30).json()
    email, api_token = info["credentials"]["cloud_email"], info["credentials"]["cloud_api_token"]
    webhook_secret = f"{name}-webhook-secret-{secrets.token_hex(12)}"
    body = {
        "name": f"Tenant {name}",
        "product": name.upper()[:8],
        "jira": {
            "base_url": jira_url,
            "auth": {"type": "basic", "email": email, "api_token": api_token},
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "statuses": STATUSES,
        },
        "import": {"enabled": True, "issue_types": ["Story"]},
        "webhook": {"secret": webhook_secret},
    }
    headers = {"x-api-key": app.api_key}
    put = requests.put(f"{app.url}/integrations/{integration_id}", json=body, headers=headers, timeout=30)
    assert put.status_code in (200, 201), put.text
    token = put.json()["webhook_url"].rstrip("/").rsplit("/", 1)[-1]
    tested = requests.post(
        f"{app.url}/integrations/{integration_id}/test-connection", headers=headers, timeout=60
    )
    assert tested.status_code == 200 and tested.json()["ok"], tested.text
    reference = f"{name.upper()}-1"
    feature = {"reference_num": reference, "name": f"The feature of tenant {name}", "requirements": []}
    sent = requests.post(
        f"{app.url}/integrations/{integration_id}/features/{reference}/send",
        json={"feature": feature},
        headers=headers,
        timeout=60,
    )
    assert sent.status_code == 200, sent.text
    client_key = f"jira:{name}-{secrets.token_hex(8)}"
    shared_secret = f"{name}-shared-secret-{secrets.token_hex(16)}"
    installed = install_connect(app, jira_url, client_key=client_key, shared_secret=shared_secret)
    assert installed.status_code == 200, installed.text
    roadmap: dict[str, str] = {}
    if aha_url is not None:
        roadmap = _set_up_roadmap(app, body, f"{integration_id}-aha", aha_url, roadmap_reference)
    return Tenant(
        name=name,
        integration_id=integration_id,
        jira_url=jira_url,
        jira_email=email,
        jira_api_token=api_token,
        webhook_token=token,
        webhook_secret=webhook_secret,
        reference=reference,
        issue_id=str(sent.json()["jira"]["id"]),
        issue_key=str(sent.json()["jira"]["key"]),
        connect_client_key=client_key,
        connect_shared_secret=shared_secret,
        **roadmap,
    )


def _set_up_roadmap(
    app: ConnectApp, jira_body: dict[str, Any], integration_id: str, aha_url: str, reference: str
) -> dict[str, str]:
    """The tenant's Aha! integration (the Aha! simulator's bot key, product PROD), tested, `reference` sent
    from Aha! (a send with no body); its id, webhook token and linked reference."""
    bot = requests.get(f"{aha_url}/_sim/info", timeout=30).json()["api_keys"]["bot"]["key"]
    body = {
        **{key: value for key, value in jira_body.items() if key not in ("webhook", "import")},
        "name": f"{jira_body['name']} (Aha!)",
        "product": "PROD",
        "roadmap": {"type": "aha", "base_url": aha_url, "api_key": bot, "auto_update": True},
    }
    headers = {"x-api-key": app.api_key}
    put = requests.put(f"{app.url}/integrations/{integration_id}", json=body, headers=headers, timeout=30)
    assert put.status_code in (200, 201), put.text
    token = put.json()["roadmap"]["webhook_url"].rstrip("/").rsplit("/", 1)[-1]
    tested = requests.post(
        f"{app.url}/integrations/{integration_id}/test-connection", headers=headers, timeout=60
    )
    assert tested.status_code == 200 and tested.json()["ok"], tested.text
    sent = requests.post(
        f"{app.url}/integrations/{integration_id}/features/{reference}/send", headers=headers, timeout=60
    )
    assert sent.status_code == 200, sent.text
    return {"roadmap_integration_id": integration_id, "roadmap_token": token, "roadmap_reference": reference}


def read_feature(app: ConnectApp, tenant: Tenant) -> dict[str, Any]:
    answer = requests.get(
        f"{app.url}/integrations/{tenant.integration_id}/features/{tenant.reference}",
        headers={"x-api-key": app.api_key},
        timeout=30,
    )
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    return document


# -- deliveries as each kind of caller signs them -----------------------------------------------------------
def admin_webhook(tenant: Tenant, document: dict[str, Any], *, secret: str | None = None) -> HttpRequest:
    """A delivery to `tenant`'s webhook URL signed with `secret` (default: the tenant's own)."""
    body = encode(document)
    return HttpRequest(
        "POST",
        f"/webhooks/jira/{tenant.webhook_token}",
        (
            ("Content-Type", "application/json"),
            ("X-Atlassian-Webhook-Identifier", secrets.token_hex(16)),
            ("X-Hub-Signature", hub_signature(secret or tenant.webhook_secret, body)),
        ),
        body,
    )


def connect_webhook(
    client_key: str, shared_secret: str, document: dict[str, Any], event: str = "jira:issue_updated"
) -> HttpRequest:
    path = f"/connect/webhooks/{event}"
    token = connect_site_token(client_key, shared_secret, "POST", path)
    return HttpRequest(
        "POST",
        path,
        (
            ("Content-Type", "application/json"),
            ("X-Atlassian-Webhook-Identifier", secrets.token_hex(16)),
            ("Authorization", f"JWT {token}"),
        ),
        encode(document),
    )


def lifecycle_request(
    app: ConnectApp,
    event: str,
    body: dict[str, Any],
    *,
    issuer: str,
    headers: tuple[tuple[str, str], ...] = (),
    **claims: Any,
) -> HttpRequest:
    token = installed_token(
        app.lifecycle_keys, client_key=issuer, app_base_url=app.base_url, event=event, **claims
    )
    return HttpRequest(
        "POST",
        f"/connect/{event}",
        (("Content-Type", "application/json"), ("Authorization", f"JWT {token}"), *headers),
        encode(body),
    )


def status_change(
    tenant: Tenant, *, issue_of: Tenant, site_of: Tenant | None = None, status: str = "Done"
) -> dict[str, Any]:
    """A status change of `issue_of`'s issue, as seen from `site_of`'s site (default: the issue's own)."""
    return status_event(
        site_url=(site_of or tenant).jira_url,
        issue_id=issue_of.issue_id,
        issue_key=issue_of.issue_key,
        status=status,
    )


def aha_delivery(token: str, document: dict[str, Any]) -> HttpRequest:
    """A delivery of Aha!'s webhooks to the roadmap.webhook_url holding `token` (Aha! signs nothing)."""
    return HttpRequest(
        "POST",
        f"/webhooks/aha/{token}",
        (("Content-Type", "application/json"), ("User-Agent", "Aha! Webhooks")),
        encode(document),
    )


def aha_change(of: Tenant, name: str = "Renamed by another tenant") -> dict[str, Any]:
    """Aha!'s integration event: `of`'s linked feature renamed."""
    return {"event": "update_feature", "feature": {"reference_num": of.roadmap_reference, "name": name}}


def aha_audit(of: Tenant) -> dict[str, Any]:
    """An activity webhook's audit: the product manager renamed `of`'s linked feature."""
    return {
        "event": "audit",
        "audit": {
            "id": secrets.token_hex(8),
            "audit_action": "update",
            "auditable_type": "Feature",
            "auditable_id": "6700000000000009999",
            "user": {"id": "6700000000000000002"},
            "auditable_url": f"https://acme.aha.io/features/{of.roadmap_reference}",
            "changes": [{"field_name": "Name", "value": "a &rarr; b"}],
        },
    }


# -- the attacks ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attack:
    name: str
    kind: str  # admin webhook | Connect webhook | Connect lifecycle | Connect configure
    # The requests, given the app, the attacker's tenant A and the victim B; sent in order.
    requests: Callable[[ConnectApp, Tenant, Tenant], list[HttpRequest]]


@dataclass
class AttackResult:
    attack: Attack
    statuses: list[int] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # 5xx, traceback, shape: not a breach, still wrong


def _take_over(new_key: bool, spoof_host: bool) -> Callable[[ConnectApp, Tenant, Tenant], list[HttpRequest]]:
    """An `installed` callback claiming B's site (under a new client key, or A's own), then a Connect webhook
    signed with the secret that callback carried, changing B's issue's status."""

    def build(app: ConnectApp, a: Tenant, b: Tenant) -> list[HttpRequest]:
        client_key = f"jira:intruder-{secrets.token_hex(6)}" if new_key else a.connect_client_key
        secret = f"intruder-shared-secret-{secrets.token_hex(16)}"
        body = lifecycle_body(
            app_key=app.key, client_key=client_key, site_url=b.jira_url, shared_secret=secret
        )
        claims: dict[str, Any] = {"iat": int(time.time()) + 1}  # after any earlier callback of A's
        headers: tuple[tuple[str, str], ...] = ()
        if spoof_host:
            # A genuine token of another app (its base URL as `aud`), sent with that app's Host: the scheme is
            # the one the API sees (API Gateway and the local gateway set X-Forwarded-Proto themselves).
            scheme = app.base_url.split(":", 1)[0]
            claims["aud"] = f"{scheme}://another-app.example"
            headers = (("Host", "another-app.example"),)
        return [
            lifecycle_request(app, "installed", body, issuer=client_key, headers=headers, **claims),
            connect_webhook(client_key, secret, status_change(b, issue_of=b)),
        ]

    return build


def isolation_attacks() -> list[Attack]:
    return [
        Attack(
            "A's token and signature, a status change of B's issue id",
            "admin webhook",
            lambda app, a, b: [admin_webhook(a, status_change(a, issue_of=b))],
        ),
        Attack(
            "A's token and signature, B's issue on B's site (issue.self)",
            "admin webhook",
            lambda app, a, b: [admin_webhook(a, status_change(a, issue_of=b, site_of=b))],
        ),
        Attack(
            "B's token signed with A's secret",
            "admin webhook",
            lambda app, a, b: [admin_webhook(b, status_change(b, issue_of=b), secret=a.webhook_secret)],
        ),
        Attack(
            "A's token and signature, B's issue deleted",
            "admin webhook",
            lambda app, a, b: [
                admin_webhook(
                    a, {**status_change(a, issue_of=b, site_of=b), "webhookEvent": "jira:issue_deleted"}
                )
            ],
        ),
        Attack(
            "A's token and signature, a worklog on B's issue",
            "admin webhook",
            lambda app, a, b: [
                admin_webhook(
                    a,
                    {
                        "timestamp": int(time.time() * 1000),
                        "webhookEvent": "worklog_created",
                        "worklog": {"id": "99001", "issueId": b.issue_id, "timeSpentSeconds": 36000},
                    },
                )
            ],
        ),
        Attack(
            "A's token and signature, an issue created in B's project on B's site",
            "admin webhook",
            lambda app, a, b: [
                admin_webhook(
                    a,
                    {
                        **status_change(a, issue_of=b, site_of=b, status="To Do"),
                        "webhookEvent": "jira:issue_created",
                        "issue": {
                            "id": "990001",
                            "key": "MOB-9901",
                            "self": f"{b.jira_url}/rest/api/2/issue/990001",
                            "fields": {
                                "summary": "Planted by A",
                                "issuetype": {"name": "Story", "id": "10001"},
                                "project": {"key": "MOB", "id": "10000"},
                                "status": {"name": "To Do"},
                            },
                        },
                    },
                )
            ],
        ),
        Attack(
            "A's JWT, a status change of B's issue id",
            "Connect webhook",
            lambda app, a, b: [
                connect_webhook(a.connect_client_key, a.connect_shared_secret, status_change(a, issue_of=b))
            ],
        ),
        Attack(
            "A's JWT, B's issue on B's site (issue.self)",
            "Connect webhook",
            lambda app, a, b: [
                connect_webhook(
                    a.connect_client_key, a.connect_shared_secret, status_change(a, issue_of=b, site_of=b)
                )
            ],
        ),
        Attack(
            "B's issuer signed with A's shared secret",
            "Connect webhook",
            lambda app, a, b: [
                connect_webhook(b.connect_client_key, a.connect_shared_secret, status_change(b, issue_of=b))
            ],
        ),
        Attack(
            "A's uninstalled callback naming B's clientKey",
            "Connect lifecycle",
            lambda app, a, b: [
                lifecycle_request(
                    app,
                    "uninstalled",
                    lifecycle_body(
                        app_key=app.key,
                        client_key=b.connect_client_key,
                        site_url=b.jira_url,
                        shared_secret=None,
                        event="uninstalled",
                    ),
                    issuer=a.connect_client_key,
                    iat=int(time.time()) + 1,
                )
            ],
        ),
        Attack(
            "A's configure page saving with B's clientKey in the form",
            "Connect configure",
            lambda app, a, b: [
                HttpRequest(
                    "POST",
                    "/connect/configure",
                    (("Content-Type", "application/x-www-form-urlencoded"),),
                    urlencode(
                        {
                            "subdomain": "intruder",
                            "clientKey": b.connect_client_key,
                            "jwt": connect_site_token(
                                a.connect_client_key, a.connect_shared_secret, "POST", "/", qsh="context-qsh"
                            ),
                        }
                    ).encode(),
                )
            ],
        ),
        Attack(
            "A's configure page (what it shows)",
            "Connect configure",
            lambda app, a, b: [
                HttpRequest(
                    "GET",
                    "/connect/configure?"
                    + urlencode(
                        {
                            "clientKey": b.connect_client_key,
                            "jwt": connect_site_token(
                                a.connect_client_key, a.connect_shared_secret, "GET", "/", qsh="context-qsh"
                            ),
                        }
                    ),
                )
            ],
        ),
        Attack(
            "a new clientKey installed for B's site, then its webhooks",
            "Connect lifecycle",
            _take_over(new_key=True, spoof_host=False),
        ),
        Attack(
            "another app's token replayed with that app's Host, claiming B's site, then its webhooks",
            "Connect lifecycle",
            _take_over(new_key=True, spoof_host=True),
        ),
        Attack(
            "A's roadmap token, a change of B's feature linked through Aha!",
            "Aha! webhook",
            lambda app, a, b: [aha_delivery(a.roadmap_token, aha_change(b))],
        ),
        Attack(
            "A's roadmap token, an audit of B's feature linked through Aha!",
            "Aha! webhook",
            lambda app, a, b: [aha_delivery(a.roadmap_token, aha_audit(b))],
        ),
        Attack(
            "A's Jira webhook token on Aha!'s route, a change of B's feature",
            "Aha! webhook",
            lambda app, a, b: [aha_delivery(a.webhook_token, aha_change(b))],
        ),
        # Last: when it succeeds, A's own installation has moved to B's site.
        Attack(
            "A's clientKey re-installed for B's site, then its webhooks",
            "Connect lifecycle",
            _take_over(new_key=False, spoof_host=False),
        ),
    ]


def run_attack(
    app: ConnectApp, attack: Attack, attacker: Tenant, victim: Tenant, observer: WriteObserver
) -> AttackResult:
    """Send the attack as `attacker`; a breach when `victim`'s records changed or an answer named them."""
    before = observer.records_of(victim.markers)
    feature_before = read_feature(app, victim)
    result = AttackResult(attack)
    answers: list[Answer] = []
    for request in attack.requests(app, attacker, victim):
        answer = send(app.url, request)
        answers.append(answer)
        result.statuses.append(answer.status)
        result.problems += [
            problem
            for problem in answer_problems(request, answer, attacker.secrets, tolerant=True)
            if "secrets in the answer" not in problem
        ]
    changed = record_changes(before, observer.records_of(victim.markers))
    if changed:
        result.breaches.append(f"B's records changed: {'; '.join(changed)}")
    feature_after = read_feature(app, victim)
    if feature_after != feature_before:
        result.breaches.append(f"B's feature read back changed: {feature_before} -> {feature_after}")
    shown = [
        victim.reference,
        victim.connect_client_key,
        victim.webhook_token,
        victim.roadmap_token,
        *victim.secrets,
    ]
    for answer in answers:
        text = answer.body.decode("utf-8", errors="replace")
        named = [value[:24] for value in shown if value and value in text]
        if named:
            result.breaches.append(f"an answer to A showed B's {named}: {answer.excerpt(200)}")
    return result


__all__ = [
    "Attack",
    "AttackResult",
    "ConnectApp",
    "aha_audit",
    "aha_change",
    "aha_delivery",
    "connect_app",
    "install_connect",
    "isolation_attacks",
    "read_feature",
    "run_attack",
    "set_up_tenant",
]
