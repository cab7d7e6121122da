"""The table of hostile inputs, one module shared by the fuzz tests (`tests/fuzz/test_hostile_table.py`) and
the hostile-input benchmark (`bench/hostile_inputs.py`); what a case is and how it is judged is in
`tests/fuzz/probes.py`.

A case is built against a `Target` (the running API, and one tenant's credentials: its integration, webhook
token and secret, Connect installation) and yields a `Probe`: one or more requests, each with the statuses the
contract allows (DESIGN.md "Bad input never reaches a 5xx"; empty: any 4xx), and the secret values the probe
carries (they must never come back in an answer or reach a log line). Unless a case is `tolerant`, every
answer must be a 4xx and the probe must write nothing. A tolerant case covers input a careless or odd sender
may produce that the contract does not require refusing (a retry header Jira never sends, a host spoof on
the descriptor): any status below 500 passes, and it may write when it was accepted.

Each case's body starts from a valid one (`probes.valid_*`: the tests check those are accepted) and changes
one thing, so a refusal is the refusal of that thing. Writes a wrongly accepted case would make go to an
integration id, reference, client key or Jira site of the case's own (derived from its name), so one wrong
acceptance does not change what the next case meets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import jwt

from tests.fuzz.probes import (
    BAD_BODY,
    BAD_TYPE,
    CONNECT_WEBHOOK_PATH,
    MB,
    NOT_FOUND,
    PLACEHOLDER,
    TOO_LARGE,
    UNAUTHORIZED,
    UNKNOWN_ROUTE,
    HostileCase,
    Probe,
    Target,
    aha_document,
    aha_webhook,
    api,
    carried_secrets,
    configure_token,
    connect_webhook,
    drop_at,
    encode,
    feature_document,
    fresh_client_key,
    fresh_id,
    fresh_reference,
    get_at,
    installed_document,
    integration_document,
    lifecycle,
    name_token,
    nested_arrays,
    nested_objects,
    release_document,
    release_path,
    send_path,
    set_at,
    unsigned_jwt,
    webhook,
    webhook_document,
    with_raw,
)
from tests.fuzz.signing import connect_site_token, hub_signature
from tests.fuzz.wire import HttpRequest, segment

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

# Numbers JSON does not have (Python's parser takes them; 1e400 overflows to infinity).
RAW_NUMBERS = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "1e400": "1e400"}

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
            built = Probe((built,), secrets(target) if secrets else carried_secrets(built.body))
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
            _aha_webhook_cases,
            _connect_webhook_cases,
            _lifecycle_cases,
            _configure_cases,
            _descriptor_cases,
            _roadmap_events_cases,
            _release_cases,
            _comment_cases,
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
    "GET /integrations/{integration_id}/events": ("GET", "/integrations/{id}/events"),
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
        carried = carried_secrets(body)
        return Probe(tuple(requests), carried)

    _add(f"PUT /integrations/{{integration_id}}: {name}", "PUT /integrations/{integration_id}", build)


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
                original = get_at(d, p)
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
                    {"type": "bearer", "token": f"bearer-{name_token(k, 8)}{c}token-{name_token(k, 12)}"},
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
                    {"type": "basic", "username": f"aha{c}bot", "password": f"password-{name_token(k, 16)}"},
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
    for label, number in RAW_NUMBERS.items():
        _put(
            f"{label} in mapping.fields.X.value",
            lambda t, d, r=number: with_raw(d, "mapping.fields.customfield_10024.value", r),
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


def _send(
    name: str,
    mutate: Callable[[dict[str, Any], str], bytes],
    *,
    reference: str | None = None,
    expect: frozenset[int] | None = None,
) -> None:
    """A send of a fresh feature with one thing changed."""

    def build(target: Target) -> HttpRequest:
        ref = reference or fresh_reference(name)
        body = mutate(feature_document(ref), ref)
        return api(target, "POST", send_path(target, ref), body, expect=expect or BAD_BODY)

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
    # A release is not a feature (Aha!'s release payload sent to the feature route).
    _send(
        "a release's keys (released, theme)",
        lambda d, r: encode(set_at(set_at(d, "feature.released", False), "feature.theme", {"body": "x"})),
    )
    _send(
        "a requirement without a reference",
        lambda d, r: encode(drop_at(d, "feature.requirements.0.reference_num")),
    )
    _send(
        "an epic without a name", lambda d, r: encode(set_at(d, "feature.epic", {"reference_num": "FZ-E-1"}))
    )
    _send(
        "an attachment id that is an object",
        lambda d, r: encode(set_at(d, "feature.attachments", [{"id": {"x": 1}}])),
    )
    _send(
        "a reference_num other than the URL's",
        lambda d, r: encode(set_at(d, "feature.reference_num", r + "0")),
    )
    for label, number in {**RAW_NUMBERS, "1e308": "1e308", "-1e308": "-1e308"}.items():
        _send(
            f"original_estimate {label}", lambda d, r, x=number: with_raw(d, "feature.original_estimate", x)
        )
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
        # In the path: a reference that cannot be one is 404 (DESIGN.md "Bad input never reaches a 5xx").
        expect=NOT_FOUND,
    )
    for kind, character in CONTROL_CHARACTERS.items():
        reference = f"FZ{character}9"
        _send(
            f"{kind} in the reference",
            lambda d, r, ref=reference: encode(
                set_at(set_at(d, "feature.reference_num", ref), "feature.requirements", [])
            ),
            reference=reference,
            expect=NOT_FOUND,
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


def _webhook_bodies(target: Target, name: str) -> Iterator[tuple[str, bytes]]:
    """(label, body) of every malformed delivery, for the admin and the Connect webhook alike."""
    document = webhook_document(target, name)
    for label, raw in NOT_JSON.items():
        yield label, raw
    for path, value in WEBHOOK_WRONG_TYPES:
        yield f"{path} = {json.dumps(value)}", encode(set_at(document, path, value))
    yield "no timestamp", encode(drop_at(document, "timestamp"))
    yield "a worklog event without its worklog", encode(set_at(document, "webhookEvent", "worklog_created"))
    for label, number in RAW_NUMBERS.items():
        yield f"timestamp {label}", with_raw(document, "timestamp", number)
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


# Aha!'s webhook (`POST /webhooks/aha/{roadmap_token}`): the token is the only credential (Aha! signs nothing),
# the body is strict JSON in one of two formats. Valid bodies start from `probes.aha_document`, a change to the
# tenant's linked feature that would queue its send.
AHA_WRONG_TYPES: list[tuple[str, Any]] = [
    ("event", 5),
    ("event", None),
    ("event", ""),
    ("event", ["update_feature"]),
    ("event", "update_feature\u0000"),
    ("event", "e" * 1000),
    ("feature", None),
    ("feature", "PROD-1"),
    ("feature", []),
    ("feature.reference_num", 5),
    ("feature.reference_num", "PROD-1\r\nX: 1"),
    ("feature.reference_num", "r" * 65),
    ("feature.name", 5),
    ("feature.name", "n" * MB),
    ("feature.description", 5),
    ("feature.tags", "a, b"),
    ("feature.requirements", {}),
    ("feature.requirements", [{"name": "no reference"}]),
    ("feature.original_estimate", -1),
    ("feature.assigned_to_user", {"email": "not an e-mail"}),
]


def _aha_bodies(target: Target, name: str) -> Iterator[tuple[str, bytes]]:
    document = aha_document(target, name)
    for label, raw in NOT_JSON.items():
        yield label, raw
    for path, value in AHA_WRONG_TYPES:
        label = json.dumps(value)
        yield (
            f"{path} = {label if len(label) <= 40 else label[:40] + '...'}",
            encode(set_at(document, path, value)),
        )
    yield "no event", encode(drop_at(document, "event"))
    yield "a feature event without its feature", encode(drop_at(document, "feature"))
    yield (
        "a requirement reusing the feature's reference",
        encode(
            set_at(
                document,
                "feature.requirements",
                [{"reference_num": target.tenant.roadmap_reference, "name": "x"}],
            )
        ),
    )
    for label, number in RAW_NUMBERS.items():
        yield f"feature.original_estimate {label}", with_raw(document, "feature.original_estimate", number)
    yield "a repeated event", with_raw(document, "event", '"update_feature", "event": "update_feature"')
    yield (
        "10,000 nested arrays in a custom field",
        with_raw(document, "feature.custom_fields.0.value", nested_arrays(10_000)),
    )
    audit = {"audit_action": "update", "auditable_type": "Feature", "auditable_id": "1"}
    yield "an audit without its record", encode({"event": "audit"})
    yield "an audit that is a list", encode({"event": "audit", "audit": [audit]})
    for field in ("audit_action", "auditable_type", "auditable_id"):
        yield f"an audit without {field}", encode({"event": "audit", "audit": drop_at(audit, field)})
    yield "an audit id that is a bool", encode({"event": "audit", "audit": {**audit, "auditable_id": True}})
    yield (
        "an audit with 10,000 changes",
        encode({"event": "audit", "audit": {**audit, "changes": [{"field_name": "Name"}] * 10_000}}),
    )
    yield (
        "an audit change without field_name",
        encode({"event": "audit", "audit": {**audit, "changes": [{}]}}),
    )
    yield (
        "an audit user id with a NUL",
        encode({"event": "audit", "audit": {**audit, "user": {"id": "67\u0000"}}}),
    )


def _aha_webhook_cases() -> None:
    route = "POST /webhooks/aha/{roadmap_token}"
    labels = [label for label, _ in _aha_bodies(PLACEHOLDER, "labels")]
    for index, label in enumerate(labels):
        _add(
            f"POST /webhooks/aha/{{token}}: {label}",
            route,
            lambda t, i=index, n=label: aha_webhook(t, list(_aha_bodies(t, n))[i][1], expect=BAD_BODY),
        )
    for label, bad in BAD_SEGMENTS.items():
        _add(
            f"POST /webhooks/aha/{{token}}: token {label}",
            route,
            lambda t, b=bad, n=label: aha_webhook(t, encode(aha_document(t, n)), token=b, expect=NOT_FOUND),
        )
    for label, token in (
        ("an unknown token of the right form", "A" * 32),
        ("the Jira webhook's token", "<jira>"),
        ("the token one character short", "<short>"),
        ("the token in upper case", "<upper>"),
    ):

        def build(t: Target, given: str = token, n: str = label) -> HttpRequest:
            own = t.tenant.roadmap_token
            chosen = {"<jira>": t.tenant.webhook_token, "<short>": own[:-1], "<upper>": own.upper()}.get(
                given, given
            )
            return aha_webhook(t, encode(aha_document(t, n)), token=chosen, expect=NOT_FOUND)

        _add(f"POST /webhooks/aha/{{token}}: {label}", route, build)
    _add(
        "POST /webhooks/aha/{token}: 6 MB",
        route,
        lambda t: aha_webhook(
            t,
            encode(set_at(aha_document(t, "6 MB"), "feature.description.body", "d" * 6 * MB)),
            expect=TOO_LARGE,
        ),
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
            (
                ("Content-Type", "application/json"),
                ("Authorization", f"JWT {configure_token(t, 'POST')}"),
            ),
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


__all__ = ["BAD_SEGMENTS", "NOT_JSON", "hostile_cases"]


def _roadmap_events_cases() -> None:
    """`GET /integrations/{id}/events?after=&limit=`: `after` an event id (a non-negative integer of at most
    20 digits), `limit` 1 to 100; anything else is 400 (the id cases are in `_path_cases`)."""
    digits = "9" * 5000
    for label, query in (
        ("after=-1", "after=-1"),
        ("after=abc", "after=abc"),
        ("after=1e3", "after=1e3"),
        ("after=1.5", "after=1.5"),
        ("after=NaN", "after=NaN"),
        ("after=Infinity", "after=Infinity"),
        ("a 21-digit after", "after=" + "1" * 21),
        ("a 5,000-digit after", f"after={digits}"),
        ("after=%00", "after=%00"),
        ("after with CR LF", "after=1%0D%0A2"),
        ("a 10 KB after", "after=" + "7" * 10_240),
        ("limit=0", "limit=0"),
        ("limit=101", "limit=101"),
        ("limit=-1", "limit=-1"),
        ("limit=abc", "limit=abc"),
    ):
        _add(
            f"GET events?{label}",
            "GET /integrations/{integration_id}/events",
            lambda t, q=query: api(
                t, "GET", f"/integrations/{t.tenant.integration_id}/events?{q}", expect=BAD_BODY
            ),
        )
    # The largest id there can be: nothing after it, and no 5xx from a key past the last one.
    _add(
        "GET events?after=the largest event id",
        "GET /integrations/{integration_id}/events",
        lambda t: api(t, "GET", f"/integrations/{t.tenant.integration_id}/events?after={'9' * 20}"),
        tolerant=True,
    )


# -- release sends (issue 16) ------------------------------------------------------------------------------
RELEASE_ROUTE = "POST /integrations/{integration_id}/releases/{release_ref}/send"
RELEASE_SEND_ROUTES = {
    "GET /integrations/{integration_id}/release-sends/{send_id}": "GET",
    "DELETE /integrations/{integration_id}/release-sends/{send_id}": "DELETE",
}
RELEASE_WRONG_TYPES: list[tuple[str, Any]] = [
    ("release", "x"),
    ("release", None),
    ("release.name", 5),
    ("release.reference_num", ["R"]),
    ("features", "x"),
    ("features", None),
    ("features", {"0": {}}),
    ("features.0", 5),
    ("features.0.name", 5),
    ("features.0.requirements", "x"),
    ("features.0.requirements.0.reference_num", "a b"),
]


def _release(
    name: str,
    mutate: Callable[[dict[str, Any], str], bytes],
    *,
    expect: frozenset[int] | None = None,
    query: str = "",
) -> None:
    """A release send of a fresh release with one thing changed."""

    def build(target: Target) -> HttpRequest:
        release = fresh_reference(name)
        body = mutate(release_document(release), release)
        return api(target, "POST", release_path(target, release) + query, body, expect=expect or BAD_BODY)

    _add(f"POST release send: {name}", RELEASE_ROUTE, build)


def _release_cases() -> None:
    for label, raw in NOT_JSON.items():
        if label != "an empty body":  # empty is an Aha! integration's way to send a release (400 here too)
            _release(label, lambda d, r, b=raw: b)
    _release("an empty body (not an Aha! integration)", lambda d, r: b"")
    _release("an empty object", lambda d, r: b"{}")
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        _add(
            f"POST release send: content-type {content_type}",
            RELEASE_ROUTE,
            lambda t, c=content_type: api(
                t,
                "POST",
                release_path(t, fresh_reference(c)),
                encode(release_document(fresh_reference(c))),
                content_type=c,
                expect=BAD_TYPE,
            ),
        )
    for path, value in RELEASE_WRONG_TYPES:
        _release(f"{path} = {json.dumps(value)}", lambda d, r, p=path, v=value: encode(set_at(d, p, v)))
    _release("no release", lambda d, r: encode(drop_at(d, "release")))
    _release("no features", lambda d, r: encode(drop_at(d, "features")))
    _release(
        "another release in the body than the URL's",
        lambda d, r: encode(set_at(d, "release.reference_num", r + "0")),
    )
    _release(
        "a feature of another release",
        lambda d, r: encode(set_at(d, "features.0.release", {"reference_num": r + "0", "name": "Other"})),
    )
    _release(
        "a feature twice",
        lambda d, r: encode(set_at(d, "features", [*get_at(d, "features"), *get_at(d, "features")])),
    )
    _release(
        "a requirement repeating another feature's reference",
        lambda d, r: encode(
            set_at(
                set_at(d, "features", [*get_at(d, "features"), *release_document(r + "x")["features"]]),
                "features.1.requirements.0.reference_num",
                f"{r}-1",
            )
        ),
    )
    _release(
        "1,001 features",
        lambda d, r: encode(
            set_at(d, "features", [{"reference_num": f"{r}-{n}", "name": "F"} for n in range(1001)])
        ),
        expect=TOO_LARGE,
    )
    _release(
        "100,000 features",
        lambda d, r: b'{"release": {"name": "R"}, "features": [' + b",".join([b"{}"] * 100_000) + b"]}",
        expect=TOO_LARGE,
    )
    _release("a 1 MB release name", lambda d, r: encode(set_at(d, "release.name", "r" * MB)))
    _release("original_estimate NaN", lambda d, r: with_raw(d, "features.0.original_estimate", "NaN"))
    _release("dry_run=maybe", lambda d, r: encode(d), query="?dry_run=maybe")
    _release("dry_run=", lambda d, r: encode(d), query="?dry_run=")
    over = b'{"release": {"name": "' + b"x" * (6 * MB) + b'"}, "features": []}'
    _add(
        "POST release send: a body over 5 MiB",
        RELEASE_ROUTE,
        lambda t: api(t, "POST", release_path(t, fresh_reference("6 MB")), over, expect=TOO_LARGE),
    )
    for label, bad in BAD_SEGMENTS.items():
        _add(
            f"POST release send: integration id {label}",
            RELEASE_ROUTE,
            lambda t, b=bad, n=label: api(
                t,
                "POST",
                release_path(t, fresh_reference(n), b),
                encode(release_document(fresh_reference(n))),
                expect=NOT_FOUND,
            ),
        )
        _add(
            f"POST release send: release {label}",
            RELEASE_ROUTE,
            lambda t, b=bad, n=label: api(
                t,
                "POST",
                f"/integrations/{t.tenant.integration_id}/releases/{b}/send",
                encode(release_document(fresh_reference(n))),
                expect=frozenset({400, 404}),
            ),
        )
        for route, method in RELEASE_SEND_ROUTES.items():
            _add(
                f"{route}: integration id {label}",
                route,
                lambda t, b=bad, m=method: api(
                    t, m, f"/integrations/{b}/release-sends/{'0' * 32}", expect=NOT_FOUND
                ),
            )
            _add(
                f"{route}: send id {label}",
                route,
                lambda t, b=bad, m=method: api(
                    t, m, f"/integrations/{t.tenant.integration_id}/release-sends/{b}", expect=NOT_FOUND
                ),
            )
    for route, method in RELEASE_SEND_ROUTES.items():
        _add(
            f"{route}: an unknown send id of the right form",
            route,
            lambda t, m=method: api(
                t, m, f"/integrations/{t.tenant.integration_id}/release-sends/{'a' * 32}", expect=NOT_FOUND
            ),
        )
        _add(
            f"{route}: no API key",
            route,
            lambda t, m=method: api(
                t,
                m,
                f"/integrations/{t.tenant.integration_id}/release-sends/{'a' * 32}",
                key=False,
                expect=frozenset({403}),
            ),
        )
    _add(
        "POST release send: no API key",
        RELEASE_ROUTE,
        lambda t: api(
            t,
            "POST",
            release_path(t, fresh_reference("no key")),
            encode(release_document(fresh_reference("no key"))),
            key=False,
            expect=frozenset({403}),
        ),
    )


# -- roadmap comments carried to Jira (issue 17) ----------------------------------------------------------------
COMMENT_ROUTE = "POST /integrations/{integration_id}/features/{reference}/comments"
COMMENT_DELETE_ROUTE = "DELETE /integrations/{integration_id}/features/{reference}/comments/{comment_id}"


def _comment_path(t: Target, reference: str, integration_id: str | None = None) -> str:
    return f"/integrations/{integration_id or t.tenant.integration_id}/features/{segment(reference)}/comments"


def _comment_cases() -> None:
    """The comment's body is `{"id", "body" (HTML), "author"?, "created_at"?, "updated_at"?}`: anything else is
    400; ids in the path outside their grammar are 404; nothing is written either way."""
    valid = {"id": "fz-comment-1", "body": "<p>fuzz</p>", "author": "Fuzz"}
    bodies: dict[str, bytes] = {label: raw for label, raw in NOT_JSON.items()}
    bodies |= {
        "an empty object": b"{}",
        "no id": encode(drop_at(valid, "id")),
        "no body": encode(drop_at(valid, "body")),
        "a blank comment body": encode(set_at(valid, "body", "")),
        "an empty id": encode(set_at(valid, "id", "")),
        "an id with a slash": encode(set_at(valid, "id", "a/b")),
        "an id with a hash": encode(set_at(valid, "id", "a#b")),
        "a 65-character id": encode(set_at(valid, "id", "i" * 65)),
        "an id with NUL": encode(set_at(valid, "id", "a\u0000b")),
        "an id as a number": encode(set_at(valid, "id", 7)),
        "a body as a list": encode(set_at(valid, "body", ["<p>x</p>"])),
        "a body over 256 KiB": encode(set_at(valid, "body", "x" * (256 * 1024 + 1))),
        "an author with a line break": encode(set_at(valid, "author", "a\nb")),
        "a 256-character author": encode(set_at(valid, "author", "a" * 256)),
        "an unknown key": encode(set_at(valid, "colour", "red")),
        "created_at as a number": encode(set_at(valid, "created_at", 1)),
    }
    for label, raw in bodies.items():
        _add(
            f"POST comment: {label}",
            COMMENT_ROUTE,
            lambda t, r=raw, n=label: api(
                t, "POST", _comment_path(t, fresh_reference(n)), r, expect=frozenset({400, 413, 415})
            ),
        )
    for label, bad in BAD_SEGMENTS.items():
        _add(
            f"POST comment: integration id {label}",
            COMMENT_ROUTE,
            lambda t, b=bad, n=label: api(
                t, "POST", _comment_path(t, fresh_reference(n), b), encode(valid), expect=NOT_FOUND
            ),
        )
        _add(
            f"DELETE comment: comment id {label}",
            COMMENT_DELETE_ROUTE,
            lambda t, b=bad, n=label: api(
                t,
                "DELETE",
                f"{_comment_path(t, fresh_reference(n))}/{b}",
                expect=frozenset({400, 403, 404}),
            ),
        )
    _add(
        "POST comment: content-type text/plain",
        COMMENT_ROUTE,
        lambda t: api(
            t,
            "POST",
            _comment_path(t, fresh_reference("ct")),
            encode(valid),
            content_type="text/plain",
            expect=BAD_TYPE,
        ),
    )
    _add(
        "POST comment: a record with no Jira issue",
        COMMENT_ROUTE,
        lambda t: api(
            t, "POST", _comment_path(t, fresh_reference("unlinked")), encode(valid), expect=frozenset({409})
        ),
    )
