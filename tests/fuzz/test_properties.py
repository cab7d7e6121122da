"""Property-based input (Hypothesis) for every route that reads a body, an id or a parameter: JSON values of
any type and depth, control characters, unicode and long strings put at any key of a valid body, random bytes,
any path segment, any query value, any webhook header.

Properties: never a 5xx, no traceback, the error shape when JSON is answered, and a refusal writes nothing;
where the contract says what must be refused (a control character where it cannot belong, bytes that are
not a JSON document, an unknown id), that it is. Runs are seeded (`derandomize`) so CI meets the same
examples every time; `FUZZ_EXAMPLES` (default 8; `make fuzz` raises it) sets how many per property.
Shrinking is off: a failing example is reported as found, which keeps a failing run as short as a passing
one.
"""

from __future__ import annotations

import itertools
import os
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.fuzz.probes import (
    PLACEHOLDER,
    api,
    connect_webhook,
    encode,
    feature_document,
    fresh_client_key,
    installed_document,
    integration_document,
    lifecycle,
    send_path,
    set_at,
    webhook,
    webhook_document,
)
from tests.fuzz.wire import Answer, HttpRequest, answer_problems, send
from tests.fuzz.world import World

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 8)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
_serial = itertools.count(1)

# Characters that break parsers, logs and headers, and unicode that breaks naive byte handling.
ODD = [
    "\x00",
    "\r",
    "\n",
    "\t",
    "\x1b",
    "\x7f",
    "\u202e",
    "\ufeff",
    "\u2028",
    "\U0001f680",
    "\u0645",
    "\u00b2",
]
odd_text = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda head, odd, tail: head + odd + tail,
        st.text(max_size=10),
        st.sampled_from(ODD),
        st.text(max_size=10),
    ),
    st.integers(min_value=256, max_value=70_000).map(lambda size: "x" * size),
)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    odd_text,
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


def key_paths(document: Any, prefix: str = "") -> list[str]:
    """Every dotted key path of a document (list items by index)."""
    paths = []
    items = (
        enumerate(document)
        if isinstance(document, list)
        else document.items()
        if isinstance(document, dict)
        else []
    )
    for key, value in items:
        path = f"{prefix}{key}"
        paths.append(path)
        paths += key_paths(value, path + ".")
    return paths


def check(
    world: World, request: HttpRequest, *, must_refuse: bool = False, expect: frozenset[int] = frozenset()
) -> Answer:
    """Send `request`; no 5xx, the error shape, no traceback or secret; a refusal writes nothing; with
    `must_refuse`, a 4xx (in `expect` when given)."""
    before = world.observer.snapshot()
    answer = send(world.target.url, request)
    problems = answer_problems(request, answer, world.target.secrets, tolerant=not must_refuse)
    if expect and answer.status not in expect:
        problems.append(
            f"{request.describe()}: {answer.status}, expected {sorted(expect)}: {answer.excerpt()}"
        )
    if 400 <= answer.status < 500:
        problems += [f"a refusal wrote: {change}" for change in world.observer.changes(before)]
    assert not problems, "\n".join(problems)
    return answer


_PUT_PATHS = key_paths(integration_document(PLACEHOLDER, "paths"))
_SEND_PATHS = key_paths(feature_document("FZ-1"))
_WEBHOOK_PATHS = key_paths(webhook_document(PLACEHOLDER, "paths"))


@FUZZ
@given(path=st.sampled_from(_PUT_PATHS), value=json_values)
def test_any_value_at_any_key_of_an_integration(world: World, path: str, value: Any) -> None:
    name = f"hypothesis put {next(_serial)}"
    document = set_at(integration_document(world.target, name), path, value)
    check(world, api(world.target, "PUT", f"/integrations/hyp-{next(_serial)}", encode(document)))


CONTROL_KEYS = [
    "jira.project",
    "jira.auth.email",
    "jira.auth.api_token",
    "jira.base_url",
    "webhook.secret",
    "product",
]


@FUZZ
@given(
    path=st.sampled_from(CONTROL_KEYS),
    control=st.sampled_from(["\x00", "\r", "\n", "\t", "\x1b", "\x7f"]),
    at=st.integers(1, 8),
)
@example(path="jira.auth.api_token", control="\r\n", at=3)
def test_a_control_character_in_an_id_email_token_or_url_is_refused(
    world: World, path: str, control: str, at: int
) -> None:
    name = f"hypothesis control {next(_serial)}"
    document = integration_document(world.target, name)
    node = document
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = node[last][:at] + control + node[last][at:]
    check(
        world,
        api(world.target, "PUT", f"/integrations/hyp-{next(_serial)}", encode(document)),
        must_refuse=True,
    )


@FUZZ
@given(path=st.sampled_from(_SEND_PATHS), value=json_values)
def test_any_value_at_any_key_of_a_feature(world: World, path: str, value: Any) -> None:
    reference = f"HYP-{next(_serial)}"
    document = feature_document(reference)
    if path == "feature.reference_num" and isinstance(value, str):
        reference = value or reference
    body = encode(set_at(document, path, value))
    check(world, api(world.target, "POST", send_path(world.target, reference), body))


@FUZZ
@given(
    where=st.sampled_from(
        ["feature.reference_num", "feature.requirements.0.reference_num", "feature.assigned_to_user.email"]
    ),
    control=st.sampled_from(["\x00", "\r", "\n", "\t"]),
)
def test_a_control_character_in_a_reference_or_email_is_refused(
    world: World, where: str, control: str
) -> None:
    reference = f"HYP-{next(_serial)}"
    document = feature_document(reference)
    if where == "feature.reference_num":
        reference = f"HYP{control}{next(_serial)}"
        document = set_at(set_at(document, where, reference), "feature.requirements", [])
    elif where.endswith("email"):
        document = set_at(document, where, f"pm{control}@acme.example")
    else:
        document = set_at(document, where, f"{reference}{control}-1")
    check(
        world,
        api(world.target, "POST", send_path(world.target, reference), encode(document)),
        must_refuse=True,
    )


@FUZZ
@given(path=st.sampled_from(_WEBHOOK_PATHS), value=json_values)
def test_any_value_at_any_key_of_a_signed_webhook(world: World, path: str, value: Any) -> None:
    name = f"hypothesis webhook {next(_serial)}"
    check(
        world, webhook(world.target, name, encode(set_at(webhook_document(world.target, name), path, value)))
    )


@FUZZ
@given(path=st.sampled_from(_WEBHOOK_PATHS), value=json_values)
def test_any_value_at_any_key_of_a_connect_webhook(world: World, path: str, value: Any) -> None:
    name = f"hypothesis connect {next(_serial)}"
    body = encode(set_at(webhook_document(world.target, name), path, value))
    check(world, connect_webhook(world.target, name, body))


@FUZZ
@given(
    route=st.sampled_from(["put", "send", "webhook", "connect webhook", "installed"]),
    raw=st.binary(max_size=200),
)
@example(route="put", raw=b"\xff\xfe{")
def test_bytes_that_are_not_a_json_document_are_refused(world: World, route: str, raw: bytes) -> None:
    target = world.target
    name = f"hypothesis bytes {next(_serial)}"
    request = {
        "put": lambda: api(target, "PUT", f"/integrations/hyp-{next(_serial)}", raw),
        "send": lambda: api(target, "POST", send_path(target, f"HYP-{next(_serial)}"), raw),
        "webhook": lambda: webhook(target, name, raw),
        "connect webhook": lambda: connect_webhook(target, name, raw),
        "installed": lambda: lifecycle(target, name, raw, client_key=fresh_client_key(name)),
    }[route]()
    check(world, request, must_refuse=True)


@FUZZ
@given(
    segment=st.text(min_size=1, max_size=80),
    route=st.sampled_from(["integration", "feature", "log", "test", "webhook"]),
)
@example(segment="..%2F", route="integration")
def test_an_unknown_id_is_404(world: World, segment: str, route: str) -> None:
    target = world.target
    tenant = target.tenant
    known = {
        tenant.integration_id,
        world.beta.integration_id,
        tenant.reference,
        tenant.webhook_token,
        world.beta.webhook_token,
    }
    encoded = quote(segment, safe="")
    if segment in known or segment.strip() in ("", ".", ".."):
        encoded = quote(segment + "-unknown", safe="")
    request = {
        "integration": lambda: api(target, "GET", f"/integrations/{encoded}"),
        "feature": lambda: api(target, "GET", f"/integrations/{tenant.integration_id}/features/{encoded}"),
        "log": lambda: api(target, "GET", f"/integrations/{encoded}/log"),
        "test": lambda: api(target, "POST", f"/integrations/{encoded}/test-connection", b""),
        "webhook": lambda: webhook(
            target, f"segment {segment}", encode(webhook_document(target, "segment")), token=encoded
        ),
    }[route]()
    check(world, request, must_refuse=True, expect=frozenset({404}))


@FUZZ
@given(
    route=st.sampled_from(["/integrations", "/integrations/{id}/features", "/integrations/{id}/log"]),
    name=st.sampled_from(["limit", "next", "since", "outcome", "reference", "jira_key"]),
    value=odd_text,
)
def test_any_query_value(world: World, route: str, name: str, value: str) -> None:
    path = route.replace("{id}", world.target.tenant.integration_id) + "?" + urlencode({name: value})
    if len(path) > 60_000:  # past what an HTTP request line carries
        path = path[:60_000]
    check(world, api(world.target, "GET", path))


latin1 = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)


@FUZZ
@given(
    header=st.sampled_from(
        ["X-Atlassian-Webhook-Retry", "X-Atlassian-Webhook-Identifier", "X-Hub-Signature", "User-Agent"]
    ),
    value=latin1,
)
@example(header="X-Atlassian-Webhook-Retry", value="\u00b2")
@example(header="X-Atlassian-Webhook-Retry", value="9" * 5000)
def test_any_webhook_header_value(world: World, header: str, value: str) -> None:
    name = f"hypothesis header {next(_serial)}"
    body = encode(webhook_document(world.target, name))
    if header == "X-Hub-Signature":
        request = webhook(world.target, name, body, secret=None, headers=((header, value),))
        check(world, request, must_refuse=True, expect=frozenset({401}))
    else:
        check(world, webhook(world.target, name, body, headers=((header, value),)))


@FUZZ
@given(path=st.sampled_from(key_paths(installed_document(PLACEHOLDER, "paths"))), value=json_values)
def test_any_value_at_any_key_of_an_installed_callback(world: World, path: str, value: Any) -> None:
    name = f"hypothesis installed {next(_serial)}"
    document = set_at(installed_document(world.target, name), path, value)
    client_key = (
        value
        if path == "clientKey" and isinstance(value, str) and value.isprintable() and value
        else fresh_client_key(name)
    )
    check(world, lifecycle(world.target, name, encode(document), client_key=client_key))
