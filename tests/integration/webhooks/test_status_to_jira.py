"""Status to Jira: a roadmap status change on a linked record moves its issue through Jira's workflow (the
simulator's, over HTTP), and our own transitions coming back as webhooks are echoes, not roadmap changes."""

from __future__ import annotations

import json
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from tests.fixtures.api import Call
from tests.fixtures.jira import WebhookReceiver
from tests.integration.webhooks.conftest import Deliver, Site, aha_feature, configure_site
from tests.integration.webhooks.test_order_and_echo import captured, gateway_webhook_url, replay

FLOW_STATUSES = {
    "To Do": "Ready to develop",
    "In Progress": "In development",
    "In Review": "In review",
    "Done": "Shipped",
}
REVIEW_OUTCOME = {"customfield_10303": {"value": {"id": "10410"}}}


def feature(status: str, reference: str = "PROD-2") -> dict[str, Any]:
    sent = aha_feature(reference, requirements=False)
    sent["workflow_status"] = {"name": status}
    sent["description"]["attachments"] = []
    return sent


def send(site: Site, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, answer = site.call_api(
        "POST", f"/integrations/mob/features/{body['reference_num']}/send", {"feature": body}
    )
    site.settle()
    return status, answer


def jira_calls(sim: JiraSimulator, since: int) -> list[tuple[str, str]]:
    return [(call["method"], call["path"].split("/rest/api/3")[-1]) for call in sim.calls[since:]]


def transitions_made(sim: JiraSimulator, since: int) -> int:
    return sum(
        1 for method, path in jira_calls(sim, since) if method == "POST" and path.endswith("/transitions")
    )


def flow(
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    statuses: dict[str, str] | None = None,
    **mapping: Any,
) -> Site:
    return configure_site(
        call_api, jira_sim, gateway, project="FLOW", statuses=dict(statuses or FLOW_STATUSES), **mapping
    )


def test_a_roadmap_status_change_moves_the_issue_with_one_transition(site: Site) -> None:
    key = send(site, feature("Ready to develop"))[1]["jira"]["key"]
    before = len(site.sim.calls)

    status, answer = send(site, feature("In development"))

    assert status == 200, answer
    assert SimulatorClient(site.sim.base_url).issue(key)["fields"]["status"]["name"] == "In Progress"
    # One read of where the issue is and what it offers, one transition; nothing else of the issue changed.
    assert jira_calls(site.sim, before) == [("GET", f"/issue/{key}"), ("POST", f"/issue/{key}/transitions")]
    record = site.read("PROD-2")
    assert record["status"] == "In development" and record["jira"]["status"] == "In Progress"

    # Sending the same status again moves nothing and costs no call.
    before = len(site.sim.calls)
    send(site, feature("In development"))
    assert transitions_made(site.sim, before) == 0 and jira_calls(site.sim, before) == []


def test_our_transitions_coming_back_are_echoes_not_roadmap_changes(
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    deliver: Deliver,
    webhook_receiver: WebhookReceiver,
) -> None:
    site = flow(call_api, jira_sim, gateway, transition_fields=REVIEW_OUTCOME)
    send(site, feature("Ready to develop"))
    with captured(site, webhook_receiver, gateway_webhook_url(site)) as events:
        send(site, feature("Shipped"))
    moves = [e for e in events if json.loads(e.body).get("changelog")]
    assert len(moves) == 3  # In Progress, In Review, Done: each a status change by the integration's account
    # In any order: each is the integration's own; none makes the roadmap status In development or In review.
    answers = [replay(deliver, site, event) for event in reversed(moves)]
    assert [answer["outcome"] for answer in answers] == ["echo", "stale", "stale"]
    record = site.read("PROD-2")
    assert record["status"] == "Shipped" and record["jira"]["status"] == "Done"
    # Someone using the integration's account to move the issue elsewhere is still seen.
    SimulatorClient(jira_sim.base_url).engineer_transition(
        record["jira"]["key"], "To Do", user=jira_sim.bot_account_id
    )
    site.settle()
    assert site.read("PROD-2")["status"] == "Ready to develop"


def test_the_roadmap_catching_up_with_jira_moves_nothing(site: Site) -> None:
    key = send(site, feature("Ready to develop"))[1]["jira"]["key"]
    SimulatorClient(site.sim.base_url).engineer_transition(key, "In Progress")
    site.settle()
    assert site.read("PROD-2")["status"] == "In development"
    before = len(site.sim.calls)

    # A payload still carrying the status the roadmap had is no roadmap change: Jira's move stays.
    send(site, feature("Ready to develop"))
    assert transitions_made(site.sim, before) == 0
    # The roadmap now says what Jira says: nothing to move either.
    send(site, feature("In development"))
    assert transitions_made(site.sim, before) == 0
    assert SimulatorClient(site.sim.base_url).issue(key)["fields"]["status"]["name"] == "In Progress"
    # And from there, a real roadmap change moves the issue again.
    send(site, feature("Shipped"))
    assert transitions_made(site.sim, before) == 1


def test_a_linear_workflow_takes_several_transitions_and_learns_the_way(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway
) -> None:
    site = flow(call_api, jira_sim, gateway, transition_fields=REVIEW_OUTCOME)
    key = send(site, feature("Ready to develop"))[1]["jira"]["key"]
    before = len(jira_sim.calls)

    status, answer = send(site, feature("Shipped"))

    assert status == 200, answer
    issue = SimulatorClient(jira_sim.base_url).issue(key)
    assert issue["fields"]["status"]["name"] == "Done"
    assert issue["fields"]["customfield_10303"]["value"] == "Approved"
    assert transitions_made(jira_sim, before) == 3
    first_walk = len(jira_sim.calls) - before
    # Explored one status at a time: a look, a move, a look, a move, the screen, the last move.
    assert first_walk <= 8, jira_calls(jira_sim, before)

    # Back to the start is one transition (Reopen); forward again is planned from what was learned: one look,
    # then the three transitions without looking again in between.
    send(site, feature("Ready to develop"))
    before = len(jira_sim.calls)
    send(site, feature("Shipped"))
    calls = jira_calls(jira_sim, before)
    assert transitions_made(jira_sim, before) == 3
    assert [method for method, path in calls if path == f"/issue/{key}"] == ["GET"], calls
    assert len(calls) < first_walk
    assert site.read("PROD-2")["status"] == "Shipped"


def test_a_required_field_on_a_transition_screen_is_a_422_naming_it(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway
) -> None:
    site = flow(call_api, jira_sim, gateway)
    key = send(site, feature("In review"))
    status, answer = send(site, feature("Shipped"))
    assert status == 422, answer
    error = answer["error"]
    assert error["code"] == "transition_field_required"
    assert "customfield_10303" in error["message"] and "Review Outcome" in error["message"]
    assert "mapping.transition_fields" in error["hint"]
    assert error["details"][0]["field_id"] == "customfield_10303"
    assert (
        SimulatorClient(jira_sim.base_url).issue(key[1]["jira"]["key"])["fields"]["status"]["name"]
        == "In Review"
    )


def test_a_status_no_transition_reaches_is_a_422_naming_the_transitions_offered(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway
) -> None:
    # "Backlog" is a status of another workflow: FLOW's cannot reach it.
    statuses = {**FLOW_STATUSES, "Backlog": "Parked"}
    site = flow(call_api, jira_sim, gateway, statuses=statuses, transition_fields=REVIEW_OUTCOME)
    key = send(site, feature("Ready to develop"))[1]["jira"]["key"]
    before = len(jira_sim.calls)
    status, answer = send(site, feature("Parked"))
    assert status == 422, answer
    # No status of FLOW's workflow is mapped to it: answered without moving the issue.
    assert transitions_made(jira_sim, before) == 0
    error = answer["error"]
    assert error["code"] == "no_transition"
    assert "Start progress" in error["message"] and "'Parked'" in error["message"]
    assert {detail["transition"] for detail in error["details"]} >= {"Start progress"}
    assert SimulatorClient(jira_sim.base_url).issue(key)["fields"]["status"]["name"] == "To Do"


def test_several_jira_statuses_for_one_roadmap_status(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway
) -> None:
    # Two Jira statuses mean "In development": an issue in either stays; otherwise the nearest is chosen.
    statuses = {**FLOW_STATUSES, "In Review": "In development"}
    site = flow(call_api, jira_sim, gateway, statuses=statuses, transition_fields=REVIEW_OUTCOME)
    key = send(site, feature("Ready to develop"))[1]["jira"]["key"]
    send(site, feature("In development"))
    assert SimulatorClient(jira_sim.base_url).issue(key)["fields"]["status"]["name"] == "In Progress"
    SimulatorClient(jira_sim.base_url).engineer_transition(key, "In Review")
    site.settle()
    assert site.read("PROD-2")["status"] == "In development"
    before = len(jira_sim.calls)
    send(site, feature("Shipped"))
    send(site, feature("In development"))
    # From Done, In Progress is nearer than In Review (Reopen, Start progress: both two away; mapping order).
    assert SimulatorClient(jira_sim.base_url).issue(key)["fields"]["status"]["name"] in {
        "In Progress",
        "In Review",
    }
    assert transitions_made(jira_sim, before) >= 2


def test_an_unmapped_roadmap_status_is_a_warning_and_moves_nothing(site: Site) -> None:
    send(site, feature("Ready to develop"))
    before = len(site.sim.calls)
    status, answer = send(site, feature("Will not implement"))
    assert status == 200, answer
    assert [w["code"] for w in answer["warnings"]] == ["status_unmapped"]
    assert transitions_made(site.sim, before) == 0
