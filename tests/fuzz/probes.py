"""What a hostile case is made of and how it is judged (the table itself is `tests/fuzz/hostile_cases.py`).

- `Tenant`, `Target`: the running API and the credentials one tenant's caller holds.
- `Probe`, `HostileCase`: one or more requests, each with the statuses the contract allows, and the secrets
  they carry; `run_case` sends them, judges every answer (`wire.answer_problems`) and, with a
  `WriteObserver`, says what was written.
- Builders of valid requests for every route (`valid_*`, `*_document`) and of their signed forms
  (`webhook`, `connect_webhook`, `lifecycle`), which the cases change one thing in.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt

from aha_jira_dev.jira_sim.connect_app import ConnectKeys
from tests.fuzz.observation import StoreState, WriteObserver
from tests.fuzz.signing import (
    connect_site_token,
    hub_signature,
    installed_token,
    lifecycle_body,
    status_event,
)
from tests.fuzz.wire import HttpRequest, answer_problems, segment, send

MB = 1024 * 1024
# A placeholder string in a document whose JSON text is then replaced by raw text (NaN, a repeated key...).
RAW = "@@raw@@"
REFUSED = frozenset[int]()  # any 4xx
NOT_FOUND = frozenset({404})
BAD_BODY = frozenset({400})
BAD_TYPE = frozenset({400, 415})
UNAUTHORIZED = frozenset({401})
TOO_LARGE = frozenset({413})
UNKNOWN_ROUTE = frozenset({403, 404, 405})


@dataclass(frozen=True)
class Tenant:
    """What one tenant's caller holds, and what names its records."""

    name: str
    integration_id: str
    jira_url: str
    jira_email: str
    jira_api_token: str
    webhook_token: str
    webhook_secret: str
    reference: str  # a feature sent through the integration: linked to a Jira issue
    issue_id: str
    issue_key: str
    connect_client_key: str
    connect_shared_secret: str
    # An Aha! integration on the tenant's site (`<integration_id>-aha`, roadmap.type aha with auto_update) and
    # its feature linked by a send from Aha!; empty when the tenant was set up without the Aha! simulator.
    roadmap_integration_id: str = ""
    roadmap_token: str = ""  # the secret part of its roadmap.webhook_url
    roadmap_reference: str = ""

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.jira_api_token, self.webhook_secret, self.connect_shared_secret)

    @property
    def markers(self) -> tuple[str, ...]:
        """Text found in every stored item and secret name of this tenant, and in no other tenant's: its
        integration's keys, its Jira site (as a whole value or a key prefix), its Connect client key, its
        webhook token, and the hashed site and client key that name its secrets."""
        site = self.jira_url
        return (
            f'INTEGRATION#{self.integration_id}"',
            f"INTEGRATION#{self.integration_id}/",
            f"INTEGRATION#{self.integration_id}#",  # a release send's items (its pk names the integration)
            f"integrations/{self.integration_id}/",
            f'{site}"',
            f"{site}#",
            self.connect_client_key,
            self.webhook_token,
            hashlib.sha256(site.encode()).hexdigest()[:32],
            hashlib.sha256(self.connect_client_key.encode()).hexdigest()[:32],
            *(
                (
                    f'INTEGRATION#{self.roadmap_integration_id}"',
                    f"integrations/{self.roadmap_integration_id}/",
                    f"aha:{self.roadmap_integration_id}#",
                    self.roadmap_token,
                )
                if self.roadmap_integration_id
                else ()
            ),
        )


@dataclass(frozen=True)
class Target:
    url: str  # the API's base URL (the local gateway)
    api_key: str
    app_base_url: str  # our Connect app's base URL as its descriptor gives it (`aud` of lifecycle tokens)
    app_key: str
    # The key Jira signs lifecycle callbacks with (CONNECT_INSTALL_KEYS_URL serves its public half).
    lifecycle_keys: ConnectKeys
    tenant: Tenant

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.tenant.secrets


@dataclass(frozen=True)
class Probe:
    requests: tuple[HttpRequest, ...]
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostileCase:
    name: str
    route: str  # the template's route it aims at ("METHOD /path/{param}"), or "gateway"
    build: Callable[[Target], Probe]
    tolerant: bool = False
    # An extra check of the answers (e.g. the descriptor must not echo a spoofed Host).
    check: Callable[[Target, list[bytes]], list[str]] | None = None


# -- building blocks -------------------------------------------------------------------------------------------
def name_token(name: str, length: int = 10) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def fresh_id(name: str) -> str:
    """An integration id of the case's own."""
    return f"fz-{name_token(name)}"


def fresh_reference(name: str) -> str:
    return f"FZ-{int(name_token(name, 8), 16) % 10**7}"


def set_at(document: Any, path: str, value: Any) -> Any:
    """A copy of `document` with `value` at the dotted `path` (digits index lists; a missing key is added)."""
    result = copy.deepcopy(document)
    parts = path.split(".")
    node = result
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return result


def drop_at(document: Any, path: str) -> Any:
    result = copy.deepcopy(document)
    *parents, last = path.split(".")
    node = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[last]
    return result


def with_raw(document: Any, path: str, raw: str) -> bytes:
    """The JSON text of `document` with the raw text `raw` at `path` (NaN, 1e400, deep nesting, or
    `"a", "key": "b"` to repeat a key)."""
    text = json.dumps(set_at(document, path, RAW))
    return text.replace(json.dumps(RAW), raw, 1).encode()


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def _api_headers(
    target: Target, *, key: bool = True, content_type: str | None = None
) -> list[tuple[str, str]]:
    headers = []
    if key:
        headers.append(("x-api-key", target.api_key))
    if content_type:
        headers.append(("Content-Type", content_type))
    return headers


def api(
    target: Target,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    expect: frozenset[int] = REFUSED,
    key: bool = True,
    content_type: str | None = "application/json",
    headers: tuple[tuple[str, str], ...] = (),
) -> HttpRequest:
    sent = _api_headers(target, key=key, content_type=content_type if body is not None else None)
    return HttpRequest(method, path, (*sent, *headers), body or b"", expect)


# -- valid requests (the tests check each is accepted: a case refused is refused for what it changed) -------
def integration_document(target: Target, name: str) -> dict[str, Any]:
    """A valid `PUT /integrations/{id}` body on a Jira site of the case's own (a context path of the
    tenant's simulator), with credentials and a webhook secret."""
    return {
        "name": "Fuzzed integration",
        "product": "FUZ",
        "enabled": True,
        "jira": {
            "base_url": f"{target.tenant.jira_url}/fz{name_token(name, 6)}",
            "auth": {
                "type": "basic",
                "email": target.tenant.jira_email,
                "api_token": f"fuzz-api-token-{name_token(name, 16)}",
            },
            "project": "MOB",
        },
        "mapping": {
            "feature_issue_type": "Story",
            "requirement_issue_type": "Sub-task",
            "link_type": "Relates",
            "statuses": {"To Do": "Ready to develop", "Done": "Shipped"},
            "fields": {"customfield_10024": {"value": "https://acme.aha.io"}},
            "send_tags": True,
            "send_release": True,
        },
        "import": {"enabled": False, "issue_types": ["Story"]},
        "webhook": {"secret": f"fuzz-webhook-secret-{name_token(name, 16)}"},
    }


def valid_put(target: Target, name: str) -> HttpRequest:
    return api(target, "PUT", f"/integrations/{fresh_id(name)}", encode(integration_document(target, name)))


def feature_document(reference: str) -> dict[str, Any]:
    """A valid send body: a feature with one requirement."""
    return {
        "feature": {
            "reference_num": reference,
            "name": "Fuzzed feature",
            "description": {"body": "<p>Works <strong>offline</strong>.</p>"},
            "workflow_status": {"name": "Ready to develop"},
            "tags": ["fuzz"],
            "original_estimate": 60,
            "work_units": 10,
            "assigned_to_user": {"email": "pm@acme.example"},
            "custom_fields": [{"key": "risk", "value": "low"}],
            "url": f"https://acme.aha.io/features/{reference}",
            "requirements": [{"reference_num": f"{reference}-1", "name": "The first requirement"}],
        }
    }


def send_path(target: Target, reference: str, integration_id: str | None = None) -> str:
    return (
        f"/integrations/{integration_id or target.tenant.integration_id}/features/{segment(reference)}/send"
    )


def valid_send(target: Target, name: str) -> HttpRequest:
    reference = fresh_reference(name)
    return api(target, "POST", send_path(target, reference), encode(feature_document(reference)))


def release_document(reference: str, features: int = 1) -> dict[str, Any]:
    """A valid release send body: `features` features (each with one requirement) of the release `reference`."""
    documents = [feature_document(f"{reference}-{n}")["feature"] for n in range(1, features + 1)]
    return {"release": {"reference_num": reference, "name": "Fuzzed release"}, "features": documents}


def release_path(target: Target, release: str, integration_id: str | None = None) -> str:
    return f"/integrations/{integration_id or target.tenant.integration_id}/releases/{segment(release)}/send"


def valid_release(target: Target, name: str) -> HttpRequest:
    release = fresh_reference(name)
    return api(target, "POST", release_path(target, release), encode(release_document(release)))


def webhook_document(target: Target, name: str) -> dict[str, Any]:
    """A status change of the tenant's linked issue (applies when accepted)."""
    tenant = target.tenant
    return status_event(
        site_url=tenant.jira_url,
        issue_id=tenant.issue_id,
        issue_key=tenant.issue_key,
        status="In Progress",
        changelog_id=int(time.time() * 1000) + int(name_token(name, 6), 16),
    )


# `webhook(secret=OWN_SECRET)`: signed with the tenant's own webhook secret.
OWN_SECRET = "<the tenant's own>"


def webhook(
    target: Target,
    name: str,
    body: bytes,
    *,
    secret: str | None = OWN_SECRET,
    token: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    expect: frozenset[int] = REFUSED,
) -> HttpRequest:
    """An admin webhook delivery to the tenant's token, signed with its secret (`secret=None`: unsigned)."""
    sent: list[tuple[str, str]] = [
        ("Content-Type", "application/json"),
        ("User-Agent", "Atlassian Webhook HTTP Client"),
    ]
    if not any(header.lower() == "x-atlassian-webhook-identifier" for header, _ in headers):
        sent.append(("X-Atlassian-Webhook-Identifier", f"fz-{name_token(name, 24)}"))
    if secret is not None:
        key = target.tenant.webhook_secret if secret == OWN_SECRET else secret
        sent.append(("X-Hub-Signature", hub_signature(key, body)))
    path = f"/webhooks/jira/{token or target.tenant.webhook_token}"
    return HttpRequest("POST", path, (*sent, *headers), body, expect)


def valid_webhook(target: Target, name: str) -> HttpRequest:
    return webhook(target, name, encode(webhook_document(target, name)))


def aha_document(target: Target, name: str) -> dict[str, Any]:
    """An integration event of Aha!: the tenant's linked feature renamed (a change: queues its send)."""
    return {
        "event": "update_feature",
        "feature": {
            "reference_num": target.tenant.roadmap_reference,
            "name": f"Renamed in Aha! {name_token(name)}",
            "description": {"body": "<p>Works <strong>offline</strong>.</p>"},
            "workflow_status": {"name": "Ready to develop"},
            "tags": ["fuzz"],
            "custom_fields": [{"key": "risk", "value": "low"}],
            "requirements": [],
        },
    }


def aha_webhook(
    target: Target,
    body: bytes,
    *,
    token: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    expect: frozenset[int] = REFUSED,
) -> HttpRequest:
    """A delivery of Aha!'s webhooks to the tenant's roadmap.webhook_url (Aha! signs nothing)."""
    sent = (("Content-Type", "application/json"), ("User-Agent", "Aha! Webhooks"))
    path = f"/webhooks/aha/{target.tenant.roadmap_token if token is None else token}"
    return HttpRequest("POST", path, (*sent, *headers), body, expect)


def valid_aha_webhook(target: Target, name: str) -> HttpRequest:
    return aha_webhook(target, encode(aha_document(target, name)))


CONNECT_WEBHOOK_PATH = "/connect/webhooks/jira:issue_updated"


def connect_webhook(
    target: Target,
    name: str,
    body: bytes,
    *,
    path: str = CONNECT_WEBHOOK_PATH,
    authorization: str | None = "auto",
    expect: frozenset[int] = REFUSED,
    **claims: Any,
) -> HttpRequest:
    """A Connect webhook signed with the tenant's shared secret (`authorization`: a header value of one's
    own, or None for none; `claims` change the token)."""
    tenant = target.tenant
    headers = [
        ("Content-Type", "application/json"),
        ("X-Atlassian-Webhook-Identifier", f"fz-{name_token('connect ' + name, 24)}"),
    ]
    if authorization == "auto":
        token = connect_site_token(
            tenant.connect_client_key, tenant.connect_shared_secret, "POST", path, **claims
        )
        authorization = f"JWT {token}"
    if authorization is not None:
        headers.append(("Authorization", authorization))
    return HttpRequest("POST", path, tuple(headers), body, expect)


def valid_connect_webhook(target: Target, name: str) -> HttpRequest:
    return connect_webhook(target, name, encode(webhook_document(target, name)))


def fresh_client_key(name: str) -> str:
    return f"jira:fz-{name_token(name, 24)}"


def installed_document(target: Target, name: str, *, event: str = "installed") -> dict[str, Any]:
    """An `installed` callback for a client key and a site of the case's own."""
    return lifecycle_body(
        app_key=target.app_key,
        client_key=fresh_client_key(name),
        site_url=f"https://fz-{name_token(name, 12)}.atlassian.net",
        shared_secret=f"fuzz-shared-secret-{name_token(name, 24)}" if event == "installed" else None,
        event=event,
    )


def lifecycle(
    target: Target,
    name: str,
    body: bytes,
    *,
    event: str = "installed",
    authorization: str | None = "auto",
    headers: tuple[tuple[str, str], ...] = (),
    expect: frozenset[int] = REFUSED,
    client_key: str | None = None,
    **claims: Any,
) -> HttpRequest:
    """A lifecycle callback signed RS256 as the installing site does (`claims` change the token)."""
    sent = [("Content-Type", "application/json")]
    if authorization == "auto":
        token = installed_token(
            target.lifecycle_keys,
            client_key=client_key or fresh_client_key(name),
            app_base_url=target.app_base_url,
            event=event,
            **claims,
        )
        authorization = f"JWT {token}"
    if authorization is not None:
        sent.append(("Authorization", authorization))
    return HttpRequest("POST", f"/connect/{event}", (*sent, *headers), body, expect)


def valid_installed(target: Target, name: str) -> HttpRequest:
    return lifecycle(target, name, encode(installed_document(target, name)))


def configure_token(target: Target, method: str = "GET", **claims: Any) -> str:
    """A context JWT of the tenant's site, as the configure page's iframe carries it."""
    tenant = target.tenant
    claims.setdefault("qsh", "context-qsh")
    return connect_site_token(tenant.connect_client_key, tenant.connect_shared_secret, method, "/", **claims)


def unsigned_jwt(claims: dict[str, Any]) -> str:
    """A token with `alg: none` (no signature)."""
    return jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]


def carried_secrets(body: bytes) -> tuple[str, ...]:
    """The credentials a body carries (a PUT's, a Connect lifecycle callback's) (to be searched for in answers and logs)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return ()
    if not isinstance(document, dict):
        return ()
    found = []
    auth = (document.get("jira") or {}).get("auth") if isinstance(document.get("jira"), dict) else None
    if isinstance(auth, dict):
        found += [auth.get(key) for key in ("api_token", "password", "token")]
    hook = document.get("webhook")
    if isinstance(hook, dict):
        found.append(hook.get("secret"))
    found.append(document.get("sharedSecret"))  # a Connect lifecycle callback
    return tuple(value for value in found if isinstance(value, str) and len(value) >= 12)


def get_at(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


# A target whose values only let the table (and the property tests) list labels and key paths: never sent.
PLACEHOLDER = Target(
    url="http://placeholder.invalid",
    api_key="",
    app_base_url="http://placeholder.invalid",
    app_key="",
    lifecycle_keys=None,  # type: ignore[arg-type]
    tenant=Tenant(
        name="placeholder",
        integration_id="placeholder",
        jira_url="http://placeholder.invalid",
        jira_email="",
        jira_api_token="",
        webhook_token="",
        webhook_secret="",
        reference="P-1",
        issue_id="1",
        issue_key="P-1",
        connect_client_key="",
        connect_shared_secret="",
    ),
)


@dataclass
class CaseResult:
    """What one case met: the answers' problems, what it wrote, and its status line."""

    case: HostileCase
    statuses: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    after: StoreState | None = None
    secrets: tuple[str, ...] = ()  # the secrets the case's requests carried

    @property
    def refused_correctly(self) -> bool:
        return not self.problems and not self.writes

    @property
    def server_errors(self) -> int:
        return sum(1 for status in self.statuses if status >= 500)


def run_case(
    target: Target, case: HostileCase, observer: WriteObserver | None, before: StoreState | None = None
) -> CaseResult:
    """Send a case's requests and judge them; with an observer, also what the case wrote (an accepted
    tolerant case may write). `before`: the stores' state when it is known already (the state the previous
    case left, when nothing else ran since); `result.after` is the state this case left."""
    probe = case.build(target)
    if observer is not None and before is None:
        before = observer.snapshot()
    answers = [send(target.url, request) for request in probe.requests]
    secrets = (*target.secrets, *probe.secrets)
    result = CaseResult(case, statuses=[answer.status for answer in answers], secrets=probe.secrets)
    for request, answer in zip(probe.requests, answers, strict=True):
        result.problems += answer_problems(request, answer, secrets, tolerant=case.tolerant)
    if case.check is not None:
        result.problems += case.check(target, [answer.body for answer in answers])
    if observer is not None and before is not None:
        writes, result.after = observer.changes_since(before)
        refused = all(400 <= answer.status < 500 for answer in answers)
        if refused or not case.tolerant:
            result.writes = writes
    return result


__all__ = [
    "PLACEHOLDER",
    "CaseResult",
    "HostileCase",
    "Probe",
    "Target",
    "Tenant",
    "run_case",
    "valid_aha_webhook",
    "valid_connect_webhook",
    "valid_installed",
    "valid_put",
    "valid_send",
    "valid_webhook",
]
