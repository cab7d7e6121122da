"""Acting as a product manager fires Aha!'s webhooks in both formats: the integration event with the whole
feature (the shape of ../shared/reference/aha-events/) and the activity webhook's audit record. Changes
made through the REST API fire them too, with the API key's user, unless a webhook opts out."""

from __future__ import annotations

from typing import Any

import requests

from aha_jira_dev.aha_sim import AhaSimulator
from tests.fixtures.aha import AhaApi
from tests.fixtures.jira import WebhookReceiver

from .helpers import reference, shape_problems

AUDIT_KEYS = {
    "id",
    "audit_action",
    "created_at",
    "interesting",
    "user",
    "contributors",
    "auditable_type",
    "auditable_id",
    "associated_type",
    "associated_id",
    "description",
    "auditable_url",
    "changes",
}


def _by_format(received: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    payloads = [r.json() for r in received]
    return [p for p in payloads if p["event"] != "audit"], [
        p["audit"] for p in payloads if p["event"] == "audit"
    ]


def test_a_pm_edit_fires_the_integration_event_and_the_audit(
    aha_sim: AhaSimulator, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url)

    aha_sim.pm.edit_feature("PROD-1", name="Sign in on mobile", status="In development", tags=["mobile"])

    events, audits = _by_format(webhook_receiver.wait_for(2))
    assert [e["event"] for e in events] == ["update_feature"]
    feature = events[0]["feature"]
    assert feature["reference_num"] == "PROD-1" and feature["name"] == "Sign in on mobile"
    assert feature["workflow_status"]["name"] == "In development" and feature["tags"] == ["mobile"]
    (audit,) = audits
    assert set(audit) == AUDIT_KEYS
    assert audit["audit_action"] == "update" and audit["auditable_type"] == "Feature"
    assert audit["auditable_id"] == feature["id"]
    assert audit["user"]["email"] == "pm@acme.example"
    changes = {c["field_name"]: c["value"] for c in audit["changes"]}
    assert changes == {
        "Name": "Mobile login &rarr; Sign in on mobile",
        "Status": "Ready to develop &rarr; In development",
        "Tags": "mobile, auth &rarr; mobile",
    }
    assert audit["auditable_url"].endswith("/features/PROD-1")
    assert all(r.headers["Content-Type"] == "application/json" for r in webhook_receiver.requests)


def test_the_integration_event_has_the_shape_of_aha_events(
    aha_sim: AhaSimulator, aha_api: AhaApi, webhook_receiver: WebhookReceiver
) -> None:
    # Linked, so integration fields are present on the feature and its requirement as in the captures.
    aha_api.post(
        f"/features/PROD-1/integrations/{aha_sim.integration_id}/fields",
        {"integration_fields": [{"name": "key", "value": "MOB-1"}, {"name": "id", "value": "10001"}]},
    )
    aha_sim.configure_webhook(webhook_receiver.url, formats=["integration"])

    aha_sim.pm.edit_feature("PROD-1", description="<p>Changed</p>")
    aha_sim.pm.create_feature(
        "PROD-R-2", "Widgets", requirements=[{"name": "One", "description": "<p>1</p>"}]
    )

    update, create = [r.json() for r in webhook_receiver.wait_for(2)]
    assert update["event"] == "update_feature" and create["event"] == "create_feature"
    assert shape_problems(reference("aha-events/update_feature_event.json"), update) == []
    assert shape_problems(reference("aha-events/create_feature_event.json"), create) == []
    fields = {f["name"]: f for f in update["feature"]["integration_fields"]}
    assert fields["key"]["value"] == "MOB-1" and fields["key"]["service_name"] == "jira"
    assert fields["key"]["integration_id"] == aha_sim.integration_id
    assert update["feature"]["description"]["body"] == "<p>Changed</p>"
    assert create["feature"]["requirements"][0]["reference_num"] == "PROD-4-1"


def test_attachments_in_the_event_are_downloadable_from_the_simulator(
    aha_sim: AhaSimulator, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url, formats=["integration"])
    aha_sim.pm.add_attachment("PROD-1", "notes.txt", "hello", "text/plain")

    feature = webhook_receiver.wait_for(1)[0].json()["feature"]

    listed = {a["file_name"]: a for a in feature["attachments"]}
    assert set(listed) == {"flows.txt", "notes.txt"}
    assert requests.get(listed["notes.txt"]["download_url"], timeout=5).content == b"hello"
    image = feature["description"]["attachments"][0]
    download = requests.get(image["download_url"], timeout=5)
    assert download.headers["Content-Type"] == "image/png" and len(download.content) == image["file_size"]
    inner = feature["requirements"][0]["description"]["attachments"][0]
    assert requests.get(inner["download_url"], timeout=5).content.startswith(b"\x89PNG")
    forged = image["download_url"].replace("/token/", "/token/0")
    assert requests.get(forged, timeout=5).status_code == 404


def test_description_requirement_and_comment_changes_have_their_own_audits(
    aha_sim: AhaSimulator, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url, formats=["activity"])

    aha_sim.pm.edit_feature("PROD-1", description="<p>New text</p>")
    aha_sim.pm.add_requirement("PROD-1", "Sign in with SSO", status="In development")
    aha_sim.pm.add_comment("PROD-1-1", "<p>Looks good</p>")
    aha_sim.pm.delete_requirement("PROD-1-2")

    audits = [r.json()["audit"] for r in webhook_receiver.wait_for(4)]
    kinds = [(a["audit_action"], a["auditable_type"], a["associated_type"]) for a in audits]
    assert kinds == [
        ("update", "Note", "Feature"),
        ("create", "Requirement", "Feature"),
        ("create", "Comment", "Requirement"),
        ("destroy", "Requirement", "Feature"),
    ]
    description = audits[0]["changes"][0]
    assert description["field_name"] == "Description"
    assert '<span class="deleted">' in description["value"] and "New text" in description["value"]
    assert audits[1]["changes"] == [
        {"field_name": "Name", "value": "Sign in with SSO"},
        {"field_name": "Status", "value": "In development"},
    ]
    assert audits[2]["changes"] == [{"field_name": "Body", "value": "<p>Looks good</p>"}]
    assert audits[3]["description"] == "deleted requirement PROD-1-2 Sign in with a passkey"


def test_api_changes_fire_with_the_key_owner_so_an_echo_can_be_recognised(
    aha_sim: AhaSimulator, aha_api: AhaApi, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url)

    aha_api.put("/features/PROD-1", {"feature": {"workflow_status": {"name": "Shipped"}}})

    events, audits = _by_format(webhook_receiver.wait_for(2))
    assert events[0]["feature"]["workflow_status"]["name"] == "Shipped"
    assert audits[0]["user"]["email"] == "aha-bot@acme.example"
    deliveries = aha_sim.wait_for_deliveries(2)
    assert {d["via"] for d in deliveries} == {"api"}


def test_a_webhook_can_ignore_api_changes(
    aha_sim: AhaSimulator, aha_api: AhaApi, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url, api_changes=False)

    aha_api.put("/features/PROD-1", {"feature": {"name": "By the API"}})
    aha_sim.pm.edit_feature("PROD-2", name="By the PM")

    events, audits = _by_format(webhook_receiver.wait_for(2))
    assert [e["feature"]["name"] for e in events] == ["By the PM"]
    assert [a["user"]["email"] for a in audits] == ["pm@acme.example"]
    assert len(aha_sim.deliveries()) == 2


def test_each_webhook_has_its_own_format_and_filter(
    aha_sim: AhaSimulator, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.add_webhook(webhook_receiver.url, "activity", record_types=["Comment"])
    aha_sim.add_webhook(webhook_receiver.url, "integration", events=["create_feature"])

    aha_sim.pm.edit_feature("PROD-1", name="Not sent")
    aha_sim.pm.add_comment("PROD-1", "<p>Sent</p>")
    aha_sim.pm.create_feature("PROD-R-1", "Sent too")

    payloads = [r.json() for r in webhook_receiver.wait_for(2)]
    assert [p["event"] for p in payloads] == ["audit", "create_feature"]
    assert payloads[0]["audit"]["auditable_type"] == "Comment"


def test_a_failed_delivery_is_retried_and_each_attempt_recorded(
    aha_sim: AhaSimulator, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [500, 503, 200]
    aha_sim.configure_webhook(webhook_receiver.url, formats=["integration"], retry_delays=(0.01, 0.01, 0.01))

    aha_sim.pm.edit_feature("PROD-1", name="Retried")

    (delivery,) = aha_sim.wait_for_deliveries(1)
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["delivered"] is True and delivery["status"] == 200
    assert len(webhook_receiver.requests) == 3
    assert webhook_receiver.requests[0].body == webhook_receiver.requests[2].body


def test_a_delivery_gives_up_after_its_retries(
    aha_sim: AhaSimulator, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [500, 500]
    aha_sim.configure_webhook(webhook_receiver.url, formats=["activity"], retry_delays=(0.01,))

    aha_sim.pm.add_comment("PROD-1", "<p>Lost</p>")

    (delivery,) = aha_sim.wait_for_deliveries(1)
    assert delivery["delivered"] is False and [a["status"] for a in delivery["attempts"]] == [500, 500]


def test_a_release_edit_fires_update_release(
    aha_sim: AhaSimulator, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url)

    aha_sim.pm.edit_release("PROD-R-1", name="Spring", release_date="2024-04-30")

    events, audits = _by_format(webhook_receiver.wait_for(2))
    assert events[0]["event"] == "update_release"
    assert (
        shape_problems(reference("aha-events/create_release_event.json")["release"], events[0]["release"])
        == []
    )
    assert events[0]["release"]["name"] == "Spring" and audits[0]["auditable_type"] == "Release"


def test_send_to_integration_fires_create_then_update(
    aha_sim: AhaSimulator, aha_api: AhaApi, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url, formats=["integration"])

    assert aha_sim.pm.send_feature("PROD-2") == "create_feature"
    aha_api.post(
        f"/features/PROD-2/integrations/{aha_sim.integration_id}/fields",
        {"integration_field": {"name": "key", "value": "MOB-2"}},
    )
    assert aha_sim.pm.send_feature("PROD-2") == "update_feature"

    events = [r.json()["event"] for r in webhook_receiver.wait_for(2)]
    assert events == ["create_feature", "update_feature"]
