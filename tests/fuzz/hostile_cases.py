"""The table of hostile inputs, one module shared by the fuzz tests (`tests/fuzz/test_hostile_table.py`) and
the hostile-input benchmark (`bench/hostile_inputs.py`).

A case is built against a `Target` (the running API, and one tenant's credentials: its integration, webhook
token and secret, Connect installation) and yields a `Probe`: one or more requests, each with the statuses the
contract allows (DESIGN.md "Bad input never reaches a 5xx"; empty: any 4xx), and the secret values the probe
carries (they must never come back in an answer or reach a log line). Unless a case is `tolerant`, every
answer must be a 4xx and the probe must write nothing. A tolerant case covers input a careless or odd sender
may produce that the contract does not require refusing (a retry header Jira never sends, a host spoof on
the descriptor): any status below 500 passes, and it may write when it was accepted.

Each case's body starts from a valid one (`valid_*` below: the tests check those are accepted) and changes one
thing, so a refusal is the refusal of that thing. Writes a wrongly accepted case would make go to an
integration id, reference, client key or Jira site of the case's own (derived from its name), so one wrong
acceptance does not change what the next case meets.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

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
            f"integrations/{self.integration_id}/",
            f'{site}"',
            f"{site}#",
            self.connect_client_key,
            self.webhook_token,
            hashlib.sha256(site.encode()).hexdigest()[:32],
            hashlib.sha256(self.connect_client_key.encode()).hexdigest()[:32],
        )


@dataclass(frozen=True)
class Target:
    url: str  # the API's base URL (the local gateway)
    api_key: str
    app_base_url: str  # our Connect app's base URL as its descriptor gives it (`aud` of lifecycle tokens)
    app_key: str
    lifecycle_keys: (
        ConnectKeys  # the key Jira signs lifecycle callbacks with (CONNECT_INSTALL_KEYS_URL serves it)
    )
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
def _token(name: str, length: int = 10) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def fresh_id(name: str) -> str:
    """An integration id of the case's own."""
    return f"fz-{_token(name)}"


def fresh_reference(name: str) -> str:
    return f"FZ-{int(_token(name, 8), 16) % 10**7}"


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


# Bodies that are not a JSON document of the expected kind, for every route that reads one.
NOT_JSON: dict[str, bytes] = {
    "an empty body": b"",
    "text": b"not json at all",
    "truncated JSON": b'{"name": ',
    "null": b"null",
    "an array": b"[]",
    "a string": b'"text"',
    "a number": b"42",
    "invalid UTF-8": b'{"name": "\xff\xfe\xfa"}',
    "UTF-16": '{"name": "x"}'.encode("utf-16"),
    "10,000 nested arrays": nested_arrays(10_000).encode(),
    "100 nested objects": nested_objects(100).encode(),
    "a NaN literal": b"NaN",
}

# Path segments that cannot be an id, a reference or a webhook token (percent-encoded as sent).
BAD_SEGMENTS: dict[str, str] = {
    "..%2F": "..%2F..%2Fetc%2Fpasswd",
    "..": "..",
    "%23": "a%23b",
    "%00": "a%00b",
    "CR LF": "a%0D%0Ab",
    "TAB": "a%09b",
    "space": "a%20b",
    "emoji": segment("\U0001f680fuzz"),
    "RTL override": segment("\u202eabc\u202c"),
    "Arabic": segment("\u0645\u0631\u062d\u0628\u0627"),
    "10 KB": "a" * 10_240,
    "65 characters": "a" * 65,
    "%25": "%25",
    "bad escape": "%zz",
}


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
            "base_url": f"{target.tenant.jira_url}/fz{_token(name, 6)}",
            "auth": {
                "type": "basic",
                "email": target.tenant.jira_email,
                "api_token": f"fuzz-api-token-{_token(name, 16)}",
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
        "webhook": {"secret": f"fuzz-webhook-secret-{_token(name, 16)}"},
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


def webhook_document(target: Target, name: str) -> dict[str, Any]:
    """A status change of the tenant's linked issue (applies when accepted)."""
    tenant = target.tenant
    return status_event(
        site_url=tenant.jira_url,
        issue_id=tenant.issue_id,
        issue_key=tenant.issue_key,
        status="In Progress",
        changelog_id=int(time.time() * 1000) + int(_token(name, 6), 16),
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
        sent.append(("X-Atlassian-Webhook-Identifier", f"fz-{_token(name, 24)}"))
    if secret is not None:
        key = target.tenant.webhook_secret if secret == OWN_SECRET else secret
        sent.append(("X-Hub-Signature", hub_signature(key, body)))
    path = f"/webhooks/jira/{token or target.tenant.webhook_token}"
    return HttpRequest("POST", path, (*sent, *headers), body, expect)


def valid_webhook(target: Target, name: str) -> HttpRequest:
    return webhook(target, name, encode(webhook_document(target, name)))


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
        ("X-Atlassian-Webhook-Identifier", f"fz-{_token('connect ' + name, 24)}"),
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
    return f"jira:fz-{_token(name, 24)}"


def installed_document(target: Target, name: str, *, event: str = "installed") -> dict[str, Any]:
    """An `installed` callback for a client key and a site of the case's own."""
    return lifecycle_body(
        app_key=target.app_key,
        client_key=fresh_client_key(name),
        site_url=f"https://fz-{_token(name, 12)}.atlassian.net",
        shared_secret=f"fuzz-shared-secret-{_token(name, 24)}" if event == "installed" else None,
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


# -- the table -------------------------------------------------------------------------------------------------
_CASES: list[HostileCase] = []


def _add(
    name: str,
    route: str,
    build: Callable[[Target], Probe | HttpRequest],
    *,
    tolerant: bool = False,
    secrets: Callable[[Target], tuple[str, ...]] | None = None,
) -> None:
    def probe(target: Target) -> Probe:
        built = build(target)
        if isinstance(built, HttpRequest):
            built = Probe((built,), secrets(target) if secrets else _secret_values(built.body))
        return built

    _CASES.append(HostileCase(name, route, probe, tolerant))


def hostile_cases() -> list[HostileCase]:
    """Every case, in a stable order (names are unique)."""
    if not _CASES:
        for family in (
            _path_cases,
            _gateway_cases,
            _query_cases,
            _put_cases,
            _send_cases,
            _webhook_cases,
            _connect_webhook_cases,
            _lifecycle_cases,
            _configure_cases,
            _descriptor_cases,
        ):
            family()
        names = [case.name for case in _CASES]
        duplicates = {name for name in names if names.count(name) > 1}
        assert not duplicates, duplicates
    return list(_CASES)


ID_ROUTES: dict[str, tuple[str, str]] = {
    # route -> (method, path with {id})
    "GET /integrations/{integration_id}": ("GET", "/integrations/{id}"),
    "DELETE /integrations/{integration_id}": ("DELETE", "/integrations/{id}"),
    "GET /integrations/{integration_id}/features": ("GET", "/integrations/{id}/features"),
    "GET /integrations/{integration_id}/log": ("GET", "/integrations/{id}/log"),
    "POST /integrations/{integration_id}/test-connection": ("POST", "/integrations/{id}/test-connection"),
    "GET /integrations/{integration_id}/features/{reference}": ("GET", "/integrations/{id}/features/FZ-1"),
}


def _path_cases() -> None:
    for label, bad in BAD_SEGMENTS.items():
        for route, (method, template) in ID_ROUTES.items():
            path = template.replace("{id}", bad)
            _add(
                f"{route}: id {label}",
                route,
                lambda t, m=method, p=path: api(t, m, p, b"" if m == "POST" else None, expect=NOT_FOUND),
            )
        _add(
            f"PUT /integrations/{{integration_id}}: id {label}",
            "PUT /integrations/{integration_id}",
            lambda t, b=bad, n=label: api(
                t,
                "PUT",
                f"/integrations/{b}",
                encode(integration_document(t, n)),
                expect=frozenset({400, 404}),
            ),
        )
        _add(
            f"POST send: integration id {label}",
            "POST /integrations/{integration_id}/features/{reference}/send",
            lambda t, b=bad, n=label: api(
                t,
                "POST",
                send_path(t, fresh_reference(n), b),
                encode(feature_document(fresh_reference(n))),
                expect=NOT_FOUND,
            ),
        )
        _add(
            f"GET feature: reference {label}",
            "GET /integrations/{integration_id}/features/{reference}",
            lambda t, b=bad: api(
                t, "GET", f"/integrations/{t.tenant.integration_id}/features/{b}", expect=NOT_FOUND
            ),
        )
        _add(
            f"POST send: reference {label}",
            "POST /integrations/{integration_id}/features/{reference}/send",
            lambda t, b=bad, n=label: api(
                t,
                "POST",
                f"/integrations/{t.tenant.integration_id}/features/{b}/send",
                encode(feature_document(fresh_reference(n))),
                expect=frozenset({400, 404}),
            ),
        )
        _add(
            f"POST /webhooks/jira/{{token}}: token {label}",
            "POST /webhooks/jira/{webhook_token}",
            lambda t, b=bad, n=label: webhook(
                t, n, encode(webhook_document(t, n)), token=b, expect=NOT_FOUND
            ),
        )
    _add(
        "POST /webhooks/jira/{token}: an unknown token of the right form",
        "POST /webhooks/jira/{webhook_token}",
        lambda t: webhook(
            t, "unknown", encode(webhook_document(t, "unknown")), token="A" * 43, expect=NOT_FOUND
        ),
    )
    for label, bad in (("..%2F", "..%2Fx"), ("%23", "a%23b"), ("%00", "a%00b"), ("10 KB", "e" * 10_240)):
        _add(
            f"POST /connect/webhooks/{{event}}: event {label} (unsigned)",
            "POST /connect/webhooks/{event}",
            lambda t, b=bad, n=label: connect_webhook(
                t,
                n,
                encode(webhook_document(t, n)),
                path=f"/connect/webhooks/{b}",
                authorization=None,
                expect=frozenset({401, 404}),
            ),
        )


def _gateway_cases() -> None:
    for label, headers in (
        ("no API key", ()),
        ("a wrong API key", (("x-api-key", "not-the-key"),)),
        ("a 10 KB API key", (("x-api-key", "k" * 10_240),)),
        ("a latin-1 API key", (("x-api-key", "cl\u00e9"),)),
    ):
        _add(
            f"GET /integrations: {label}",
            "GET /integrations",
            lambda t, h=headers: api(
                t, "GET", "/integrations", key=False, headers=h, expect=frozenset({403})
            ),
        )
        _add(
            f"DELETE /integrations/{{integration_id}}: {label}",
            "DELETE /integrations/{integration_id}",
            lambda t, h=headers: api(
                t,
                "DELETE",
                f"/integrations/{t.tenant.integration_id}",
                key=False,
                headers=h,
                expect=frozenset({403}),
            ),
        )
        _add(
            f"PUT /integrations/{{integration_id}}: {label}",
            "PUT /integrations/{integration_id}",
            lambda t, h=headers, n=label: api(
                t,
                "PUT",
                f"/integrations/{fresh_id(n)}",
                encode(integration_document(t, n)),
                key=False,
                headers=h,
                expect=frozenset({403}),
            ),
        )
        _add(
            f"POST send: {label}",
            "POST /integrations/{integration_id}/features/{reference}/send",
            lambda t, h=headers, n=label: api(
                t,
                "POST",
                send_path(t, fresh_reference(n)),
                encode(feature_document(fresh_reference(n))),
                key=False,
                headers=h,
                expect=frozenset({403}),
            ),
        )
    for label, method, path in (
        ("an unknown path", "GET", "/nope"),
        ("an unknown sub-path", "GET", "/integrations/x/y/z"),
        ("PATCH on an integration", "PATCH", "/integrations/{id}"),
        ("GET on the webhook", "GET", "/webhooks/jira/{token}"),
        ("no webhook token", "POST", "/webhooks/jira/"),
        ("DELETE on the descriptor", "DELETE", "/atlassian-connect.json"),
        ("a dot-dot path", "GET", "/v1/../integrations"),
    ):
        _add(
            f"gateway: {label}",
            "gateway",
            lambda t, m=method, p=path: api(
                t,
                m,
                p.replace("{id}", t.tenant.integration_id).replace("{token}", t.tenant.webhook_token),
                b"{}" if m in ("POST", "PATCH") else None,
                expect=UNKNOWN_ROUTE,
            ),
        )
    big = b'{"name": "' + b"x" * (11 * MB) + b'"}'
    _add(
        "gateway: a PUT body over API Gateway's 10 MB",
        "PUT /integrations/{integration_id}",
        lambda t: api(t, "PUT", f"/integrations/{fresh_id('11 MB')}", big, expect=TOO_LARGE),
    )
    over = b'{"name": "' + b"x" * (6 * MB) + b'"}'
    _add(
        "PUT /integrations/{integration_id}: a body over 5 MiB",
        "PUT /integrations/{integration_id}",
        lambda t: api(t, "PUT", f"/integrations/{fresh_id('6 MB')}", over, expect=TOO_LARGE),
    )
    _add(
        "POST send: a body over 5 MiB",
        "POST /integrations/{integration_id}/features/{reference}/send",
        lambda t: api(t, "POST", send_path(t, fresh_reference("6 MB")), over, expect=TOO_LARGE),
    )
    _add(
        "POST /webhooks/jira/{token}: a signed body over 5 MiB",
        "POST /webhooks/jira/{webhook_token}",
        lambda t: webhook(t, "6 MB", over, expect=TOO_LARGE),
    )
    _add(
        "POST /connect/webhooks/{event}: a signed body over 5 MiB",
        "POST /connect/webhooks/{event}",
        lambda t: connect_webhook(t, "6 MB", over, expect=TOO_LARGE),
    )
    _add(
        "gateway: a 100 KB header",
        "GET /integrations",
        lambda t: api(t, "GET", "/integrations", headers=(("X-Fuzz", "h" * 100_000),)),
    )


def _query_cases() -> None:
    digits = "9" * 5000
    for label, query in (
        ("limit=0", "limit=0"),
        ("limit=-1", "limit=-1"),
        ("limit=abc", "limit=abc"),
        ("limit=1e3", "limit=1e3"),
        ("limit=NaN", "limit=NaN"),
        ("a 5,000-digit limit", f"limit={digits}"),
        ("next=garbage", "next=garbage"),
        ("a 10 KB next", "next=" + "n" * 10_240),
        ("next=%00", "next=%00"),
    ):
        _add(
            f"GET /integrations?{label}",
            "GET /integrations",
            lambda t, q=query: api(t, "GET", f"/integrations?{q}", expect=BAD_BODY),
        )
        _add(
            f"GET features?{label}",
            "GET /integrations/{integration_id}/features",
            lambda t, q=query: api(
                t, "GET", f"/integrations/{t.tenant.integration_id}/features?{q}", expect=BAD_BODY
            ),
        )
        _add(
            f"GET log?{label}",
            "GET /integrations/{integration_id}/log",
            lambda t, q=query: api(
                t, "GET", f"/integrations/{t.tenant.integration_id}/log?{q}", expect=BAD_BODY
            ),
        )
    _add(
        "GET features?a 10 KB jira_key",
        "GET /integrations/{integration_id}/features",
        lambda t: api(
            t,
            "GET",
            f"/integrations/{t.tenant.integration_id}/features?jira_key={'K' * 10_240}",
            expect=BAD_BODY,
        ),
    )
    # A filter no key can match finds nothing: refusing it is not required, a 5xx is wrong.
    for label, query in (
        ("jira_key with CR LF", "jira_key=MOB-1%0D%0AX"),
        ("jira_key with NUL", "jira_key=MOB%001"),
    ):
        _add(
            f"GET features?{label}",
            "GET /integrations/{integration_id}/features",
            lambda t, q=query: api(t, "GET", f"/integrations/{t.tenant.integration_id}/features?{q}"),
            tolerant=True,
        )
    for label, query in (
        ("since=garbage", "since=garbage"),
        ("since=9999-99-99", "since=9999-99-99"),
        ("a 10 KB since", "since=" + "2" * 10_240),
        ("outcome=bogus", "outcome=bogus"),
        ("reference with NUL", "reference=FZ%001"),
        ("reference with CR LF", "reference=FZ-1%0D%0AX"),
        ("a 10 KB reference", "reference=" + "R" * 10_240),
    ):
        _add(
            f"GET log?{label}",
            "GET /integrations/{integration_id}/log",
            lambda t, q=query: api(
                t, "GET", f"/integrations/{t.tenant.integration_id}/log?{q}", expect=BAD_BODY
            ),
        )


# Keys of the PUT body and a value of the wrong type for each.
PUT_WRONG_TYPES: list[tuple[str, Any]] = [
    ("name", 5),
    ("name", None),
    ("name", []),
    ("product", {}),
    ("enabled", "yes"),
    ("enabled", 1),
    ("jira", "x"),
    ("jira.base_url", 1),
    ("jira.auth", []),
    ("jira.auth.type", 7),
    ("jira.auth.type", "oauth"),
    ("jira.auth.email", {}),
    ("jira.auth.api_token", 123),
    ("jira.project", None),
    ("mapping", 1),
    ("mapping.feature_issue_type", []),
    ("mapping.link_type", 3),
    ("mapping.statuses", []),
    ("mapping.statuses", {"To Do": 5}),
    ("mapping.fields", "x"),
    ("mapping.fields.customfield_10024", 5),
    ("mapping.send_tags", "true"),
    ("import", 1),
    ("import.issue_types", "Story"),
    ("import.issue_types", [1]),
    ("webhook", []),
    ("webhook.secret", 5),
]
# Keys holding strings: each gets 1 MB (every string has a length limit).
PUT_STRINGS = [
    "name",
    "product",
    "jira.base_url",
    "jira.project",
    "jira.auth.email",
    "jira.auth.api_token",
    "mapping.feature_issue_type",
    "mapping.requirement_issue_type",
    "mapping.link_type",
    "mapping.statuses.To Do",
    "mapping.fields.customfield_10024.value",
    "webhook.secret",
]
# Keys where a control character cannot belong, and the ones refused there.
CONTROL_CHARACTERS = {"NUL": "\x00", "CR": "\r", "LF": "\n", "TAB": "\t"}
PUT_NO_CONTROL = {
    "name": ("NUL", "CR", "LF"),
    "product": ("NUL", "CR", "LF", "TAB"),
    "jira.project": ("NUL", "CR", "LF", "TAB"),
    "jira.auth.email": ("NUL", "CR", "LF", "TAB"),
    "jira.auth.api_token": ("NUL", "CR", "LF", "TAB"),
    "jira.base_url": ("NUL", "CR", "LF", "TAB"),
    "mapping.feature_issue_type": ("NUL", "CR", "LF"),
    "webhook.secret": ("NUL", "CR", "LF", "TAB"),
}
BAD_BASE_URLS = {
    "a 200-character DNS label": "https://" + "a" * 200 + ".atlassian.net",
    "a space in the host": "https://acme .atlassian.net",
    "no host": "https://",
    "ftp": "ftp://acme.atlassian.net",
    "http to the metadata service": "http://169.254.169.254",
    "credentials in the URL": "https://user:pass@acme.atlassian.net",
    "a query string": "https://acme.atlassian.net?x=1",
    "an unclosed IPv6 literal": "https://[::1",
    "port 99999": "https://acme.atlassian.net:99999",
    "a negative port": "https://acme.atlassian.net:-1",
    "javascript:": "javascript:alert(1)",
}


def _put(name: str, mutate: Callable[[Target, dict[str, Any]], bytes], *, two_step: bool = False) -> None:
    """A PUT of a fresh integration with one thing changed; `two_step`: then a test connection of it (404
    once the PUT is refused; before, the stored value reached Jira's client)."""

    def build(target: Target) -> Probe:
        document = integration_document(target, name)
        body = mutate(target, document)
        requests = [api(target, "PUT", f"/integrations/{fresh_id(name)}", body, expect=BAD_BODY)]
        if two_step:
            requests.append(
                api(target, "POST", f"/integrations/{fresh_id(name)}/test-connection", b"", expect=NOT_FOUND)
            )
        carried = _secret_values(body)
        return Probe(tuple(requests), carried)

    _add(f"PUT /integrations/{{integration_id}}: {name}", "PUT /integrations/{integration_id}", build)


def _secret_values(body: bytes) -> tuple[str, ...]:
    """The credentials a PUT body carries (to be searched for in answers and logs)."""
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


def _put_cases() -> None:
    route = "PUT /integrations/{integration_id}"
    for label, raw in NOT_JSON.items():
        _add(
            f"PUT /integrations/{{integration_id}}: {label}",
            route,
            lambda t, r=raw, n=label: api(t, "PUT", f"/integrations/{fresh_id(n)}", r, expect=BAD_BODY),
        )
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        _add(
            f"PUT /integrations/{{integration_id}}: content-type {content_type}",
            route,
            lambda t, c=content_type, n=content_type: api(
                t,
                "PUT",
                f"/integrations/{fresh_id(n)}",
                encode(integration_document(t, n)),
                content_type=c,
                expect=BAD_TYPE,
            ),
        )
    for path, value in PUT_WRONG_TYPES:
        _put(f"{path} = {json.dumps(value)}", lambda t, d, p=path, v=value: encode(set_at(d, p, v)))
    _put("an unknown key", lambda t, d: encode(set_at(d, "jira.auth.api_tokn", "x" * 20)))
    _put("a missing jira.project", lambda t, d: encode(drop_at(d, "jira.project")))
    for path in PUT_STRINGS:
        _put(f"1 MB at {path}", lambda t, d, p=path: encode(set_at(d, p, "x" * MB)))
    _put("1 MB in import.issue_types", lambda t, d: encode(set_at(d, "import.issue_types", ["x" * MB])))
    _put(
        "1 MB status name (a key)", lambda t, d: encode(set_at(d, "mapping.statuses", {"x" * MB: "Shipped"}))
    )
    _put(
        "100,000 import.issue_types",
        lambda t, d: encode(set_at(d, "import.issue_types", ["Story"] * 100_000)),
    )
    _put("a 256-character name", lambda t, d: encode(set_at(d, "name", "n" * 256)))
    _put(
        "a 5,000-character api_token (secrets 4 KiB)",
        lambda t, d: encode(set_at(d, "jira.auth.api_token", "t" * 5000)),
    )
    _put("a 5,000-character webhook.secret", lambda t, d: encode(set_at(d, "webhook.secret", "s" * 5000)))
    for path, kinds in PUT_NO_CONTROL.items():
        for kind in kinds:
            character = CONTROL_CHARACTERS[kind]

            def mutate(t: Target, d: dict[str, Any], p: str = path, c: str = character) -> bytes:
                original = _get(d, p)
                middle = len(original) // 2
                return encode(set_at(d, p, original[:middle] + c + original[middle:]))

            _put(f"{kind} in {path}", mutate, two_step=path == "jira.auth.api_token" and kind in ("CR", "LF"))
    for kind in ("CR", "LF", "NUL"):
        character = CONTROL_CHARACTERS[kind]
        _put(
            f"{kind} in a bearer token",
            lambda t, d, c=character, k=kind: encode(
                set_at(
                    d,
                    "jira.auth",
                    {"type": "bearer", "token": f"bearer-{_token(k, 8)}{c}token-{_token(k, 12)}"},
                )
            ),
            two_step=True,
        )
        _put(
            f"{kind} in a Data Center username",
            lambda t, d, c=character, k=kind: encode(
                set_at(
                    d,
                    "jira.auth",
                    {"type": "basic", "username": f"aha{c}bot", "password": f"password-{_token(k, 16)}"},
                )
            ),
        )
        _put(
            f"{kind} in a Connect client_key",
            lambda t, d, c=character: encode(
                set_at(d, "jira.auth", {"type": "connect", "client_key": f"jira:{c}x"})
            ),
        )
    for label, url in BAD_BASE_URLS.items():
        _put(
            f"base_url with {label}", lambda t, d, u=url: encode(set_at(d, "jira.base_url", u)), two_step=True
        )
    for label, raw in (
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("1e400", "1e400"),
    ):
        _put(
            f"{label} in mapping.fields.X.value",
            lambda t, d, r=raw: with_raw(d, "mapping.fields.customfield_10024.value", r),
        )
    _put("a repeated top-level key", lambda t, d: with_raw(d, "name", '"First", "name": "Second"'))
    _put(
        "a repeated api_token",
        lambda t, d: with_raw(
            d, "jira.auth.api_token", '"token-one-0123456789", "api_token": "token-two-0123456789"'
        ),
    )
    for depth in (100, 500):
        _put(
            f"{depth} levels inside mapping.fields.X.value",
            lambda t, d, n=depth: with_raw(d, "mapping.fields.customfield_10024.value", nested_arrays(n)),
        )
    _put("10,000 nested arrays at name", lambda t, d: with_raw(d, "name", nested_arrays(10_000)))
    _put("an unknown auth type", lambda t, d: encode(set_at(d, "jira.auth", {"type": "oauth", "token": "x"})))
    _put(
        "both email and username",
        lambda t, d: encode(set_at(d, "jira.auth.username", "aha-bot")),
    )
    _add(
        "PUT /integrations/{integration_id}: a bearer token with a non-latin-1 character",
        route,
        lambda t: Probe(
            (
                api(
                    t,
                    "PUT",
                    f"/integrations/{fresh_id('non-latin-1 bearer')}",
                    encode(
                        set_at(
                            integration_document(t, "non-latin-1 bearer"),
                            "jira.auth",
                            {"type": "bearer", "token": "t\u00f6k\u00e9n-\u2713-0123456789"},
                        )
                    ),
                ),
                api(t, "POST", f"/integrations/{fresh_id('non-latin-1 bearer')}/test-connection", b""),
            ),
            ("t\u00f6k\u00e9n-\u2713-0123456789",),
        ),
        tolerant=True,
    )
    _add(
        "PUT /integrations/{integration_id}: an api_token with a non-latin-1 character",
        route,
        lambda t: Probe(
            (
                api(
                    t,
                    "PUT",
                    f"/integrations/{fresh_id('non-latin-1 basic')}",
                    encode(
                        set_at(
                            integration_document(t, "non-latin-1 basic"),
                            "jira.auth.api_token",
                            "\u0442\u043e\u043a\u0435\u043d-\u2713-0123456789",
                        )
                    ),
                ),
                api(t, "POST", f"/integrations/{fresh_id('non-latin-1 basic')}/test-connection", b""),
            ),
            ("\u0442\u043e\u043a\u0435\u043d-\u2713-0123456789",),
        ),
        tolerant=True,
    )


def _get(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


SEND_WRONG_TYPES: list[tuple[str, Any]] = [
    ("feature", None),
    ("feature", []),
    ("feature", "x"),
    ("feature.reference_num", 5),
    ("feature.name", 5),
    ("feature.name", []),
    ("feature.tags", "x"),
    ("feature.tags", [1]),
    ("feature.tags", [{}]),
    ("feature.original_estimate", "abc"),
    ("feature.original_estimate", []),
    ("feature.work_units", "x"),
    ("feature.requirements", {}),
    ("feature.requirements", ["x"]),
    ("feature.requirements", [{"name": "no reference"}]),
    ("feature.custom_fields", 5),
    ("feature.description", 5),
    ("feature.description.body", []),
    ("feature.assigned_to_user", "x"),
    ("feature.assigned_to_user.email", 5),
    ("feature.release", "x"),
    ("feature.release.name", 5),
    ("feature.workflow_status", "x"),
    ("feature.url", 5),
    ("feature.attachments", "x"),
    ("feature.attachments", [{"file_size": "big"}]),
]


def _send(name: str, mutate: Callable[[dict[str, Any], str], bytes], *, reference: str | None = None) -> None:
    """A send of a fresh feature with one thing changed."""

    def build(target: Target) -> HttpRequest:
        ref = reference or fresh_reference(name)
        return api(
            target, "POST", send_path(target, ref), mutate(feature_document(ref), ref), expect=BAD_BODY
        )

    _add(f"POST send: {name}", "POST /integrations/{integration_id}/features/{reference}/send", build)


def _send_cases() -> None:
    route = "POST /integrations/{integration_id}/features/{reference}/send"
    for label, raw in NOT_JSON.items():
        _send(label, lambda d, r, b=raw: b)
    _send("an empty object", lambda d, r: b"{}")
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        _add(
            f"POST send: content-type {content_type}",
            route,
            lambda t, c=content_type: api(
                t,
                "POST",
                send_path(t, fresh_reference(c)),
                encode(feature_document(fresh_reference(c))),
                content_type=c,
                expect=BAD_TYPE,
            ),
        )
    for path, value in SEND_WRONG_TYPES:
        _send(f"{path} = {json.dumps(value)}", lambda d, r, p=path, v=value: encode(set_at(d, p, v)))
    _send("no reference_num", lambda d, r: encode(drop_at(d, "feature.reference_num")))
    _send("no name", lambda d, r: encode(drop_at(d, "feature.name")))
    _send(
        "a reference_num other than the URL's",
        lambda d, r: encode(set_at(d, "feature.reference_num", r + "0")),
    )
    for label, raw in (
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("1e400", "1e400"),
        ("1e308", "1e308"),
        ("-1e308", "-1e308"),
    ):
        _send(f"original_estimate {label}", lambda d, r, x=raw: with_raw(d, "feature.original_estimate", x))
    _send("remaining_estimate NaN", lambda d, r: with_raw(d, "feature.remaining_estimate", "NaN"))
    _send("a repeated feature.name", lambda d, r: with_raw(d, "feature.name", '"First", "name": "Second"'))
    _send(
        "a repeated top-level feature",
        lambda d, r: with_raw(d, "feature.name", '"x"}, "feature": {"name": "y"'),
    )
    _send(
        "10,000 nested arrays in a custom field",
        lambda d, r: with_raw(d, "feature.custom_fields.0.value", nested_arrays(10_000)),
    )
    _send(
        "100 levels in a custom field",
        lambda d, r: with_raw(d, "feature.custom_fields.0.value", nested_arrays(100)),
    )
    _send(
        "500 levels in a custom field",
        lambda d, r: with_raw(d, "feature.custom_fields.0.value", nested_arrays(500)),
    )
    _send("1 MB name", lambda d, r: encode(set_at(d, "feature.name", "n" * MB)))
    _send("a 256-character name", lambda d, r: encode(set_at(d, "feature.name", "n" * 256)))
    _send("a 1 MB tag", lambda d, r: encode(set_at(d, "feature.tags", ["t" * MB])))
    _send(
        "a 1 MB description (over 256 KiB)",
        lambda d, r: encode(set_at(d, "feature.description.body", "<p>" + "d" * MB + "</p>")),
    )
    _send("a 1 MB requirement name", lambda d, r: encode(set_at(d, "feature.requirements.0.name", "n" * MB)))
    _send(
        "a 1 MB e-mail",
        lambda d, r: encode(set_at(d, "feature.assigned_to_user.email", "e" * MB + "@acme.example")),
    )
    _send("a 1 MB release name", lambda d, r: encode(set_at(d, "feature.release", {"name": "r" * MB})))
    _send(
        "a 65-character reference",
        lambda d, r: encode(set_at(set_at(d, "feature.reference_num", "R" * 65), "feature.requirements", [])),
        reference="R" * 65,
    )
    for kind, character in CONTROL_CHARACTERS.items():
        reference = f"FZ{character}9"
        _send(
            f"{kind} in the reference",
            lambda d, r, ref=reference: encode(
                set_at(set_at(d, "feature.reference_num", ref), "feature.requirements", [])
            ),
            reference=reference,
        )
        _send(
            f"{kind} in a requirement reference",
            lambda d, r, c=character: encode(set_at(d, "feature.requirements.0.reference_num", f"{r}{c}-1")),
        )
        _send(
            f"{kind} in the assignee e-mail",
            lambda d, r, c=character: encode(
                set_at(d, "feature.assigned_to_user.email", f"pm{c}@acme.example")
            ),
        )
        _send(
            f"{kind} in the url",
            lambda d, r, c=character: encode(set_at(d, "feature.url", f"https://acme.aha.io/{c}x")),
        )
        if kind != "TAB":
            _send(
                f"{kind} in the name",
                lambda d, r, c=character: encode(set_at(d, "feature.name", f"Fuzzed{c}feature")),
            )
    _send(
        "a requirement reusing the feature's reference",
        lambda d, r: encode(set_at(d, "feature.requirements.0.reference_num", r)),
    )
    _send(
        "duplicate requirement references",
        lambda d, r: encode(
            set_at(
                d,
                "feature.requirements",
                [{"reference_num": f"{r}-1", "name": "One"}, {"reference_num": f"{r}-1", "name": "Two"}],
            )
        ),
    )


WEBHOOK_WRONG_TYPES: list[tuple[str, Any]] = [
    ("webhookEvent", {}),
    ("webhookEvent", []),
    ("webhookEvent", None),
    ("webhookEvent", ""),
    ("timestamp", "abc"),
    ("timestamp", {}),
    ("timestamp", None),
    ("issue", "x"),
    ("issue", None),
    ("issue.id", {}),
    ("issue.id", None),
    ("issue.fields", 5),
    ("issue.fields.status", 5),
    ("changelog", "x"),
    ("changelog.items", {}),
    ("changelog.items", ["x"]),
    ("user", "x"),
]
RAW_NUMBERS = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "1e400": "1e400"}


def _webhook_bodies(target: Target, name: str) -> Iterator[tuple[str, bytes]]:
    """(label, body) of every malformed delivery, for the admin and the Connect webhook alike."""
    document = webhook_document(target, name)
    for label, raw in NOT_JSON.items():
        yield label, raw
    for path, value in WEBHOOK_WRONG_TYPES:
        yield f"{path} = {json.dumps(value)}", encode(set_at(document, path, value))
    yield "no timestamp", encode(drop_at(document, "timestamp"))
    yield "a worklog event without its worklog", encode(set_at(document, "webhookEvent", "worklog_created"))
    for label, raw in RAW_NUMBERS.items():
        yield f"timestamp {label}", with_raw(document, "timestamp", raw)
    # The same value twice: were it accepted, the case would change no more than a status.
    yield (
        "a repeated webhookEvent",
        with_raw(document, "webhookEvent", '"jira:issue_updated", "webhookEvent": "jira:issue_updated"'),
    )
    yield (
        "10,000 nested arrays in a field",
        with_raw(document, "issue.fields.customfield_10100", nested_arrays(10_000)),
    )
    yield "100 levels in a field", with_raw(document, "issue.fields.customfield_10100", nested_arrays(100))


def _webhook_cases() -> None:
    route = "POST /webhooks/jira/{webhook_token}"
    labels = [label for label, _ in _webhook_bodies(PLACEHOLDER, "labels")]
    for index, label in enumerate(labels):
        # A body that is not UTF-8 reaches the function re-encoded (API Gateway passes a non-binary media type
        # as text), so its signature no longer matches: 401 is a refusal as good as 400.
        expect = frozenset({400, 401}) if label in ("invalid UTF-8", "UTF-16") else BAD_BODY
        _add(
            f"POST /webhooks/jira/{{token}} signed: {label}",
            route,
            lambda t, i=index, n=label, e=expect: webhook(t, n, list(_webhook_bodies(t, n))[i][1], expect=e),
        )
    for label, signature in (
        ("no signature", None),
        ("another secret's signature", "another-secret-0123456789"),
        ("sha256= empty", "sha256="),
        ("a sha1 signature", "sha1=0123456789abcdef0123456789abcdef01234567"),
        ("a 10 KB signature", "sha256=" + "a" * 10_240),
        ("a non-hex signature", "sha256=" + "z" * 64),
    ):

        def build(t: Target, n: str = label, s: str | None = signature) -> HttpRequest:
            body = encode(webhook_document(t, n))
            if s is None:
                return webhook(t, n, body, secret=None, expect=UNAUTHORIZED)
            if not s.startswith("sha"):
                return webhook(t, n, body, secret=s, expect=UNAUTHORIZED)
            return webhook(t, n, body, secret=None, headers=(("X-Hub-Signature", s),), expect=UNAUTHORIZED)

        _add(f"POST /webhooks/jira/{{token}}: {label}", route, build)
    _add(
        "POST /webhooks/jira/{token}: the signature of another body",
        route,
        lambda t: webhook(
            t,
            "other body",
            encode(webhook_document(t, "other body")),
            secret=None,
            headers=(("X-Hub-Signature", hub_signature(t.tenant.webhook_secret, b"{}")),),
            expect=UNAUTHORIZED,
        ),
    )
    # Headers Jira never sends like this: tolerated (ignored or refused), never a 5xx.
    for label, headers in (
        ("X-Atlassian-Webhook-Retry: \u00b2", (("X-Atlassian-Webhook-Retry", "\u00b2"),)),
        ("a 5,000-digit X-Atlassian-Webhook-Retry", (("X-Atlassian-Webhook-Retry", "9" * 5000),)),
        ("X-Atlassian-Webhook-Retry: -1", (("X-Atlassian-Webhook-Retry", "-1"),)),
        ("a 10 KB X-Atlassian-Webhook-Identifier", (("X-Atlassian-Webhook-Identifier", "i" * 10_240),)),
        ("a NUL in X-Atlassian-Webhook-Identifier", (("X-Atlassian-Webhook-Identifier", "id\x00x"),)),
        ("content-type text/plain", (("Content-Type", "text/plain"),)),
    ):
        _add(
            f"POST /webhooks/jira/{{token}} signed: {label}",
            route,
            lambda t, h=headers, n=label: webhook(t, n, encode(webhook_document(t, n)), headers=h),
            tolerant=True,
        )
    for label, path, value in (
        ("timestamp 10^30", "timestamp", 10**30),
        ("timestamp -1", "timestamp", -1),
        ("fields.updated far in the future", "issue.fields.updated", "9999-12-31T23:59:59.000+0000"),
        ("a 1 MB summary", "issue.fields.summary", "s" * MB),
        ("a 1 MB description", "issue.fields.description", "d" * MB),
    ):
        _add(
            f"POST /webhooks/jira/{{token}} signed: {label}",
            route,
            lambda t, p=path, v=value, n=label: webhook(t, n, encode(set_at(webhook_document(t, n), p, v))),
            tolerant=True,
        )


def _connect_webhook_cases() -> None:
    route = "POST /connect/webhooks/{event}"
    labels = [label for label, _ in _webhook_bodies(PLACEHOLDER, "labels")]
    for index, label in enumerate(labels):
        _add(
            f"POST /connect/webhooks/{{event}} with a valid JWT: {label}",
            route,
            lambda t, i=index, n=label: connect_webhook(
                t, n, list(_webhook_bodies(t, n))[i][1], expect=BAD_BODY
            ),
        )
    now = int(time.time())
    for label, kwargs in (
        ("no Authorization", {"authorization": None}),
        ("JWT garbage", {"authorization": "JWT a.b.c"}),
        ("a 10 KB JWT", {"authorization": "JWT " + "a" * 10_240}),
        ("a Bearer header", {"authorization": "Bearer x"}),
        ("a token of another secret", {"authorization": "other-secret"}),
        ("an expired token", {"iat": now - 3600, "exp": now - 1800}),
        ("an unknown issuer", {"iss": "jira:not-installed"}),
        ("the qsh of another path", {"qsh": "0" * 64}),
        ("an unsigned token", {"authorization": "alg-none"}),
    ):

        def build(t: Target, n: str = label, k: dict[str, Any] = kwargs) -> HttpRequest:
            body = encode(webhook_document(t, n))
            options = dict(k)
            if options.get("authorization") == "other-secret":
                token = connect_site_token(
                    t.tenant.connect_client_key,
                    "a-forger-does-not-know-the-secret-0123",
                    "POST",
                    CONNECT_WEBHOOK_PATH,
                )
                options["authorization"] = f"JWT {token}"
            elif options.get("authorization") == "alg-none":
                token = unsigned_jwt(
                    {"iss": t.tenant.connect_client_key, "iat": now, "exp": now + 180, "qsh": "x"}
                )
                options["authorization"] = f"JWT {token}"
            return connect_webhook(t, n, body, expect=UNAUTHORIZED, **options)

        _add(f"POST /connect/webhooks/{{event}}: {label}", route, build)


def _lifecycle_cases() -> None:
    route = "POST /connect/installed"
    for label, raw in NOT_JSON.items():
        _add(
            f"POST /connect/installed signed: {label}",
            route,
            lambda t, r=raw, n=label: lifecycle(t, n, r, expect=BAD_BODY),
        )
    for label, path, value in (
        ("clientKey = 5", "clientKey", 5),
        ("baseUrl = []", "baseUrl", []),
        ("sharedSecret = null", "sharedSecret", None),
        ("a short sharedSecret", "sharedSecret", "short"),
        ("a 1 MB sharedSecret", "sharedSecret", "s" * MB),
        ("a 5,000-character sharedSecret", "sharedSecret", "s" * 5000),
        ("CR LF in sharedSecret", "sharedSecret", "shared-secret\r\n-0123456789"),
        ("NUL in sharedSecret", "sharedSecret", "shared-secret\x00-0123456789"),
        ("CR LF in baseUrl", "baseUrl", "https://acme.atlassian.net\r\nX-Evil: 1"),
        ("a space in baseUrl", "baseUrl", "https://acme .atlassian.net"),
        ("a 1 MB baseUrl", "baseUrl", "https://" + "a" * MB + ".atlassian.net"),
        ("a 200-character DNS label in baseUrl", "baseUrl", "https://" + "a" * 200 + ".atlassian.net"),
        ("javascript: baseUrl", "baseUrl", "javascript:alert(1)"),
        ("http baseUrl to the metadata service", "baseUrl", "http://169.254.169.254"),
        ("another app's key", "key", "someone-elses-app"),
    ):
        _add(
            f"POST /connect/installed signed: {label}",
            route,
            lambda t, p=path, v=value, n=label: lifecycle(
                t, n, encode(set_at(installed_document(t, n), p, v))
            ),
        )
    _add(
        "POST /connect/installed signed: a repeated sharedSecret",
        route,
        lambda t: lifecycle(
            t,
            "repeated secret",
            with_raw(
                installed_document(t, "repeated secret"),
                "sharedSecret",
                '"first-secret-0123456789", "sharedSecret": "second-secret-0123456789"',
            ),
            expect=BAD_BODY,
        ),
    )
    _add(
        "POST /connect/installed signed: a body clientKey other than the token's issuer",
        route,
        lambda t: lifecycle(
            t, "issuer", encode(installed_document(t, "issuer")), client_key="jira:someone-else"
        ),
    )
    _add(
        "POST /connect/installed signed: another clientKey taking over the tenant's site",
        route,
        lambda t: lifecycle(
            t, "take-over", encode(set_at(installed_document(t, "take-over"), "baseUrl", t.tenant.jira_url))
        ),
    )
    now = int(time.time())
    for label, options in (
        ("no Authorization", {"authorization": None}),
        ("JWT garbage", {"authorization": "JWT a.b.c"}),
        ("a 10 KB JWT", {"authorization": "JWT " + "a" * 10_240}),
        ("an unsigned token", {"authorization": "alg-none"}),
        ("an HS256 token", {"authorization": "hs256"}),
        ("a token of an unknown kid", {"kid": "00000000-0000-0000-0000-000000000000"}),
        ("another app's audience", {"aud": "https://another-app.example"}),
        ("an expired token", {"iat": now - 3600, "exp": now - 1800}),
        ("the qsh of another path", {"qsh": "0" * 64}),
        ("no iat", {"iat": None}),
    ):

        def build(t: Target, n: str = label, o: dict[str, Any] = options) -> HttpRequest:
            extra = dict(o)
            if extra.get("authorization") == "alg-none":
                extra["authorization"] = "JWT " + unsigned_jwt(
                    {"iss": fresh_client_key(n), "aud": t.app_base_url, "iat": now, "exp": now + 180}
                )
            elif extra.get("authorization") == "hs256":
                token = jwt.encode(
                    {"iss": fresh_client_key(n), "aud": t.app_base_url, "iat": now, "exp": now + 180},
                    "a-guessable-secret-for-hs256-0123456789",
                    algorithm="HS256",
                )
                extra["authorization"] = f"JWT {token}"
            return lifecycle(t, n, encode(installed_document(t, n)), expect=UNAUTHORIZED, **extra)

        _add(f"POST /connect/installed: {label}", route, build)
    _add(
        "POST /connect/installed: a token for another app, replayed with that app's Host",
        route,
        lambda t: lifecycle(
            t,
            "host spoof",
            encode(installed_document(t, "host spoof")),
            aud=f"{t.app_base_url.split(':', 1)[0]}://another-app.example",
            headers=(("Host", "another-app.example"),),
            expect=UNAUTHORIZED,
        ),
    )
    uninstalled = "POST /connect/uninstalled"
    _add(
        "POST /connect/uninstalled: no Authorization",
        uninstalled,
        lambda t: lifecycle(
            t,
            "u-none",
            encode(installed_document(t, "u-none", event="uninstalled")),
            event="uninstalled",
            authorization=None,
            expect=UNAUTHORIZED,
        ),
    )
    for label, raw in (
        ("text", b"not json"),
        ("10,000 nested arrays", nested_arrays(10_000).encode()),
        ("an array", b"[]"),
    ):
        _add(
            f"POST /connect/uninstalled signed: {label}",
            uninstalled,
            lambda t, r=raw, n=label: lifecycle(
                t, f"u-{n}", r, event="uninstalled", client_key=t.tenant.connect_client_key, expect=BAD_BODY
            ),
        )
    _add(
        "POST /connect/uninstalled signed by the tenant for another clientKey",
        uninstalled,
        lambda t: lifecycle(
            t,
            "u-other",
            encode(installed_document(t, "u-other", event="uninstalled")),
            event="uninstalled",
            client_key=t.tenant.connect_client_key,
        ),
    )


def _configure_cases() -> None:
    route = "GET /connect/configure"
    now = int(time.time())
    for label, query in (
        ("no jwt", lambda t: ""),
        ("jwt garbage", lambda t: "jwt=a.b.c"),
        ("a 10 KB jwt", lambda t: "jwt=" + "a" * 10_240),
        (
            "an unsigned jwt",
            lambda t: (
                "jwt="
                + unsigned_jwt(
                    {"iss": t.tenant.connect_client_key, "iat": now, "exp": now + 180, "qsh": "context-qsh"}
                )
            ),
        ),
        ("an expired jwt", lambda t: "jwt=" + configure_token(t, iat=now - 3600, exp=now - 1800)),
        (
            "a jwt of another secret",
            lambda t: (
                "jwt="
                + connect_site_token(
                    t.tenant.connect_client_key,
                    "not-the-shared-secret-0123456789",
                    "GET",
                    "/",
                    qsh="context-qsh",
                )
            ),
        ),
        ("a jwt with NUL", lambda t: "jwt=a%00b"),
    ):
        _add(
            f"GET /connect/configure: {label}",
            route,
            lambda t, q=query: HttpRequest(
                "GET", "/connect/configure" + (f"?{q(t)}" if q(t) else ""), expect=UNAUTHORIZED
            ),
        )
    post = "POST /connect/configure"
    form = ("Content-Type", "application/x-www-form-urlencoded")
    for label, subdomain in (
        ("CR LF", "acme\r\nx"),
        ("NUL", "acme\x00"),
        ("1 MB", "a" * MB),
        ("64 characters", "a" * 64),
        ("../", "../etc"),
        ("<script>", "<script>alert(1)</script>"),
        ("a space", "ac me"),
        ("empty", ""),
    ):
        _add(
            f"POST /connect/configure: subdomain {label}",
            post,
            lambda t, s=subdomain: HttpRequest(
                "POST",
                "/connect/configure",
                (form,),
                urlencode({"subdomain": s, "jwt": configure_token(t, "POST")}).encode(),
                BAD_BODY,
            ),
        )
    _add(
        "POST /connect/configure: no jwt",
        post,
        lambda t: HttpRequest("POST", "/connect/configure", (form,), b"subdomain=acme", UNAUTHORIZED),
    )
    _add(
        "POST /connect/configure: a JSON body",
        post,
        lambda t: HttpRequest(
            "POST",
            "/connect/configure",
            (("Content-Type", "application/json"), ("Authorization", f"JWT {configure_token(t, 'POST')}")),
            b'{"subdomain": {"a": [1]}}',
            frozenset({400, 415}),
        ),
    )
    _add(
        "POST /connect/configure: invalid UTF-8",
        post,
        lambda t: HttpRequest(
            "POST",
            "/connect/configure",
            (form, ("Authorization", f"JWT {configure_token(t, 'POST')}")),
            b"subdomain=%ff%fe",
            BAD_BODY,
        ),
    )


def _no_spoofed_host(target: Target, bodies: list[bytes]) -> list[str]:
    return [
        f"the descriptor took its baseUrl from the Host header: {body[:200]!r}"
        for body in bodies
        if b"evil.example" in body
    ]


def _descriptor_cases() -> None:
    route = "GET /atlassian-connect.json"
    for label, request in (
        (
            "a spoofed Host",
            lambda t: HttpRequest(
                "GET", "/atlassian-connect.json", (("Host", "evil.example"), ("X-Forwarded-Proto", "https"))
            ),
        ),
        (
            "junk in the query",
            lambda t: HttpRequest("GET", "/atlassian-connect.json?%00=%00&a=%ff&" + "q" * 5000),
        ),
        ("a 10 KB Host", lambda t: HttpRequest("GET", "/atlassian-connect.json", (("Host", "h" * 10_240),))),
        (
            "X-Forwarded-Proto junk",
            lambda t: HttpRequest("GET", "/atlassian-connect.json", (("X-Forwarded-Proto", "javascript"),)),
        ),
    ):
        _CASES.append(
            HostileCase(
                f"GET /atlassian-connect.json: {label}",
                route,
                lambda t, r=request: Probe((r(t),)),
                tolerant=True,
                check=_no_spoofed_host,
            )
        )


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
    "hostile_cases",
    "run_case",
    "valid_connect_webhook",
    "valid_installed",
    "valid_put",
    "valid_send",
    "valid_webhook",
]
