"""What every delivery goes through before it touches a record: the token, the signature, the body, its
size, and the dedupe on Jira's delivery identifier. Real deliveries from the simulator and real captures."""

from __future__ import annotations

import io
import json

import boto3

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.fixtures.jira import WebhookReceiver
from tests.integration.webhooks.conftest import (
    SECRET,
    Deliver,
    Site,
    aha_feature,
    configure_site,
    deliveries_table_items,
    reference_delivery,
    set_webhook_secret,
)


def started_working(issue_id: str, *, timestamp: int = 1550286862039) -> bytes:
    """The real Cloud capture of a To Do → In Progress transition, pointed at one of our issues."""
    payload = json.loads(reference_delivery("webhook-issue-updated-started-working.json"))
    payload["issue"]["id"] = issue_id
    payload["timestamp"] = timestamp
    return json.dumps(payload).encode()


def links_table(aws: LocalResources) -> list[dict[str, object]]:
    return list(boto3.client("dynamodb").scan(TableName=aws.table_name("IssueLinksTable"))["Items"])


def test_atlassians_signature_vector_is_accepted_by_the_handler(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway, deliver: Deliver
) -> None:
    """The vector of Atlassian's documentation (`Hello World!` is not a Jira event, so the signature passes
    and the body is then refused as 400), and the same body with the wrong secret is a 401."""
    site = configure_site(call_api, jira_sim, gateway, secret="It's a Secret to Everybody")
    vector = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
    status, answer = deliver(site.token, b"Hello World!", headers={"X-Hub-Signature": vector})
    assert status == 400 and answer["error"]["code"] == "not_a_jira_event"
    status, answer = deliver(site.token, b"Hello World!", secret="not the secret")
    assert status == 401 and answer["error"]["code"] == "bad_signature"


def test_unknown_token_is_404_and_records_nothing(site: Site, deliver: Deliver, aws: LocalResources) -> None:
    key = site.send(aha_feature(requirements=False))
    before_links = links_table(aws)
    before = len(deliveries_table_items(aws))
    status, answer = deliver("no-such-token", started_working(key["jira"]["id"]), secret=SECRET)
    assert status == 404 and answer["error"]["code"] == "unknown_webhook"
    assert "no-such-token" not in json.dumps(answer)
    assert len(deliveries_table_items(aws)) == before
    assert links_table(aws) == before_links


def test_signature_is_required_when_the_site_has_a_secret(site: Site, deliver: Deliver) -> None:
    issue_id = site.send(aha_feature(requirements=False))["jira"]["id"]
    body = started_working(issue_id)
    for secret, headers in (
        (None, None),  # no signature
        ("another secret", None),  # signed with another secret
        (None, {"X-Hub-Signature": "sha1=0123"}),  # another algorithm
        (None, {"X-Hub-Signature": "sha256=not-hex"}),
    ):
        status, answer = deliver(site.token, body, secret=secret, headers=headers)
        assert status == 401, answer
        assert answer["error"]["code"] == "bad_signature"
    assert site.read("PROD-2")["jira"]["status"] is None
    status, answer = deliver(site.token, body, secret=SECRET)
    assert status == 200 and answer["outcome"] == "applied", answer
    assert site.read("PROD-2")["jira"]["status"] == "In Progress"


def test_a_site_without_a_secret_accepts_unsigned_deliveries_until_one_is_set(
    call_api: Call, jira_sim: JiraSimulator, gateway: LocalApiGateway, deliver: Deliver
) -> None:
    site = configure_site(call_api, jira_sim, gateway, secret=None)
    issue_id = site.send(aha_feature(requirements=False))["jira"]["id"]
    status, answer = deliver(site.token, started_working(issue_id, timestamp=1))
    assert status == 200 and answer["outcome"] == "applied", answer

    set_webhook_secret(call_api, "mob", "set-a-moment-ago-0123456789")
    # Takes effect at once, although the handler's container is warm.
    status, answer = deliver(site.token, started_working(issue_id, timestamp=2))
    assert status == 401, answer
    status, answer = deliver(
        site.token, started_working(issue_id, timestamp=3), secret="set-a-moment-ago-0123456789"
    )
    assert status == 200 and answer["outcome"] == "applied", answer


def test_bodies_that_are_not_jira_events_are_400(site: Site, deliver: Deliver, aws: LocalResources) -> None:
    issue_id = site.send(aha_feature(requirements=False))["jira"]["id"]
    before = len(deliveries_table_items(aws))
    no_issue = json.loads(started_working(issue_id))
    del no_issue["issue"]
    worklog_without_issue_id = {"timestamp": 1, "webhookEvent": "worklog_created", "worklog": {"id": "1"}}
    for body in (
        b"",
        b"not json",
        b"[1, 2, 3]",
        b'{"webhookEvent": "jira:issue_updated"}',  # no timestamp
        b'{"timestamp": 1550286862039}',  # no event name
        b'{"timestamp": "yesterday", "webhookEvent": "jira:issue_updated"}',
        json.dumps(no_issue).encode(),
        json.dumps(worklog_without_issue_id).encode(),
    ):
        status, answer = deliver(site.token, body, secret=SECRET)
        assert status == 400, (body, answer)
        assert answer["error"]["code"] == "not_a_jira_event"
    # Bytes that are not UTF-8 survive only as a binary media type (base64), as in API Gateway.
    status, answer = deliver(site.token, b"\xff\xfe\x00", secret=SECRET, binary=True)
    assert status == 400 and answer["error"]["code"] == "not_a_jira_event"
    assert len(deliveries_table_items(aws)) == before


def test_a_body_over_the_limit_is_413_before_anything_reads_it(site: Site, deliver: Deliver) -> None:
    payload = json.loads(started_working("1"))
    payload["padding"] = "x" * (5 * 1024 * 1024)
    status, answer = deliver(site.token, json.dumps(payload).encode(), secret=SECRET)
    assert status == 413 and answer["error"]["code"] == "payload_too_large"


def test_a_base64_encoded_body_is_checked_over_its_raw_bytes(site: Site, deliver: Deliver) -> None:
    """API Gateway base64-encodes bodies of binary media types; the signature is over the decoded bytes."""
    issue_id = site.send(aha_feature(requirements=False))["jira"]["id"]
    status, answer = deliver(site.token, started_working(issue_id), secret=SECRET, binary=True)
    assert status == 200 and answer["outcome"] == "applied", answer


def test_a_redelivery_is_a_duplicate_and_changes_nothing(
    site: Site, deliver: Deliver, aws: LocalResources
) -> None:
    key = site.send(aha_feature(requirements=False))["jira"]["key"]
    client = SimulatorClient(site.sim.base_url)
    client.engineer_transition(key, "In Progress")
    delivered = site.settle()[-1]
    assert delivered["status"] == 200
    before = links_table(aws)

    # Jira's own redelivery (same X-Atlassian-Webhook-Identifier, X-Atlassian-Webhook-Retry 1).
    client.redeliver(delivered["identifier"])
    again = site.settle()[-1]
    assert again["identifier"] == delivered["identifier"] and again["status"] == 200
    # The same delivery straight into the handler: the answer says duplicate.
    body = json.dumps(delivered["payload"]).encode()
    status, answer = deliver(site.token, body, secret=SECRET, identifier=delivered["identifier"])
    assert status == 200 and answer == {
        "outcome": "duplicate",
        "reason": "this delivery was received before",
        "records": [],
    }
    assert links_table(aws) == before
    recorded = [
        item for item in deliveries_table_items(aws) if item["identifier"]["S"] == delivered["identifier"]
    ]
    assert len(recorded) == 1
    assert int(recorded[0]["expires_at"]["N"]) - int(float(recorded[0]["received_at"]["N"])) == 7 * 24 * 3600


def test_without_an_identifier_the_body_hash_deduplicates(site: Site, deliver: Deliver) -> None:
    issue_id = site.send(aha_feature(requirements=False))["jira"]["id"]
    body = started_working(issue_id)
    first = deliver(site.token, body, secret=SECRET, identifier=None)
    second = deliver(site.token, body, secret=SECRET, identifier=None)
    assert first[1]["outcome"] == "applied" and second[1]["outcome"] == "duplicate"


def test_every_real_capture_is_answered_2xx(site: Site, deliver: Deliver) -> None:
    """The reference captures (Cloud, Server/Data Center, old format without issue_event_type_name) are of
    issues no record is linked to: each is understood and ignored."""
    from tests.integration.webhooks.conftest import SECRET, reference_deliveries  # noqa: PLC0415

    for name in reference_deliveries():
        status, answer = deliver(site.token, reference_delivery(name), secret=SECRET)
        assert status == 200, (name, answer)
        assert answer["outcome"] == "ignored", (name, answer)


def test_secrets_and_tokens_never_reach_an_answer_or_a_log_line(
    site: Site, deliver: Deliver, log_output: io.StringIO, webhook_receiver: WebhookReceiver
) -> None:
    key = site.send(aha_feature())["jira"]["key"]
    SimulatorClient(site.sim.base_url).engineer_transition(key, "Done")
    site.settle()
    answers = [
        deliver(site.token, started_working("1"), secret=SECRET),
        deliver(site.token, started_working("1"), secret="wrong"),
        deliver(site.token, b"{not json", secret=SECRET),
        deliver(site.token + "x", started_working("1"), secret=SECRET),
    ]
    text = log_output.getvalue() + json.dumps(answers)
    assert "jira.webhook" in log_output.getvalue()
    assert SECRET not in text
    assert site.token not in text
    assert site.sim.credentials["cloud_api_token"] not in text


def test_a_replaced_secret_is_accepted_at_once(site: Site, deliver: Deliver, call_api: Call) -> None:
    issue_id = site.send(aha_feature(requirements=False))["jira"]["id"]
    assert deliver(site.token, started_working(issue_id, timestamp=1), secret=SECRET)[0] == 200  # cached now
    set_webhook_secret(call_api, "mob", "the-rotated-secret-0123456789")
    status, answer = deliver(
        site.token, started_working(issue_id, timestamp=2), secret="the-rotated-secret-0123456789"
    )
    assert status == 200 and answer["outcome"] == "applied", answer
    # With the cache holding the new secret, the old one no longer passes.
    status, answer = deliver(site.token, started_working(issue_id, timestamp=3), secret=SECRET)
    assert status == 401, answer
