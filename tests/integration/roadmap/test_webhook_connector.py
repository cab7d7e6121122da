"""`roadmap.type: webhook`: each event POSTed as JSON to `roadmap.url`, signed, in order per record; anything but
a 2xx is retried (DESIGN.md "Webhook type")."""

from __future__ import annotations

import json

from aha_jira import wiring
from aha_jira.models import roadmap_event
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import Template
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.fixtures.roadmap import RECEIVER_SECRET, RoadmapReceiver
from tests.integration.roadmap.conftest import drain, emit, events, record_link, roadmap_poller, status_event


def test_events_are_posted_signed_in_order_and_retried_until_a_2xx(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    jira_sim: JiraSimulator,
    roadmap_receiver: RoadmapReceiver,
    aws: LocalResources,
    repo_template: Template,
    handler_registry: HandlerRegistry,
    roadmap_env: None,
) -> None:
    body = integration_body(jira_sim, product="PROD")
    body["roadmap"] = {"type": "webhook", "url": roadmap_receiver.url, "secret": RECEIVER_SECRET}
    assert call_api("PUT", "/integrations/mob", body)[0] == 201
    roadmap_receiver.statuses = [503]  # the receiver fails once, then takes everything
    ids = emit(
        roadmap_event.linked(record_link("PROD-9", key="MOB-9"), deliver=True),
        status_event("PROD-9", "In development", "In Progress"),
    )
    drain(roadmap_poller(repo_template, aws, handler_registry))

    received = [request for request in roadmap_receiver.received if request["verified"]]
    bodies = [json.loads(request["body"]) for request in received]
    # The first attempt (503) and its retry carry the same event; the record's next one only after it.
    assert [b["id"] for b in bodies] == [ids[0], ids[0], ids[1]]
    assert [r["headers"]["X-Aha-Jira-Event-Id"] for r in received] == [
        str(i) for i in (ids[0], ids[0], ids[1])
    ]
    assert bodies[-1] == events(call_api)[-1]  # what the feed serves is what is delivered
    assert bodies[0]["data"]["jira"] == {
        "key": "MOB-9",
        "id": "9",
        "url": "https://acme.atlassian.net/browse/MOB-9",
    }
    assert [wiring.roadmap_events().get_event("mob", i).delivery for i in ids] == ["delivered", "delivered"]  # type: ignore[union-attr]
