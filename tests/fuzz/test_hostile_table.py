"""Every case of the hostile table (`tests/fuzz/hostile_cases.py`) against every route of the template, over
real HTTP through the local gateway: a 4xx in the `{"error": {"code", "message"}}` shape (or, for a tolerant
case, anything but a 5xx), no traceback, no secret in the answer, and nothing written (DynamoDB items,
secrets, queue messages, calls to either Jira simulator). The cases start from valid requests; the first test
proves those are accepted and that the observer sees what they write, so a case passes only by refusing the
one thing it changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.hostile_cases import hostile_cases
from tests.fuzz.probes import (
    CaseResult,
    HostileCase,
    run_case,
    valid_aha_webhook,
    valid_connect_webhook,
    valid_installed,
    valid_put,
    valid_release,
    valid_send,
    valid_webhook,
)
from tests.fuzz.wire import secrets_in, send
from tests.fuzz.world import World

pytestmark = pytest.mark.fuzz

CASES = hostile_cases()


def report(result: CaseResult) -> str:
    lines = [f"{result.case.name} ({result.case.route}): statuses {result.statuses}"]
    lines += [f"  {problem}" for problem in result.problems]
    lines += [f"  wrote: {write}" for write in result.writes]
    return "\n".join(lines)


def test_the_valid_requests_the_cases_start_from_are_accepted_and_their_writes_are_seen(world: World) -> None:
    target = world.target
    for name, build, accepted in (
        ("put", valid_put, {201}),
        ("send", valid_send, {200}),
        ("release send", valid_release, {202}),
        ("webhook", valid_webhook, {200}),
        ("connect webhook", valid_connect_webhook, {200}),
        ("installed", valid_installed, {200}),
        ("Aha! webhook", valid_aha_webhook, {200}),
    ):
        request = build(target, f"control {name}")
        before = world.observer.snapshot()
        answer = send(target.url, request)
        assert answer.status in accepted, (name, answer.status, answer.excerpt())
        assert world.observer.changes(before), f"the valid {name} wrote nothing the observer could see"


@pytest.fixture(scope="module")
def chain() -> dict[str, Any]:
    """The stores' state the previous case left (nothing else runs between two cases of this table)."""
    return {}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_refused_and_writes_nothing(
    world: World, chain: dict[str, Any], case: HostileCase
) -> None:
    result = run_case(world.target, case, world.observer, chain.get("state"))
    chain["state"] = result.after
    assert result.refused_correctly, report(result)


def test_no_secret_reaches_a_log_line(world: World) -> None:
    """The credentials of both tenants and every secret a case carried (control characters, non-latin-1,
    oversize), in any escaping, are in no log line the product or the gateway wrote. The cases that carry a
    credential on to Jira's client (a PUT then a test connection) run here again, so this test stands alone."""
    carried: list[str] = [*world.alpha.secrets, *world.beta.secrets]
    for case in CASES:
        probe = case.build(world.target)
        carried += probe.secrets
        if len(probe.requests) > 1:
            run_case(world.target, case, None)
    leaked = secrets_in(world.log_text(), carried)
    assert not leaked, f"secrets in the logs: {leaked}"
