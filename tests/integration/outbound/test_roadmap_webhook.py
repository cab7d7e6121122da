"""The webhook roadmap connector against a real HTTP receiver that verifies the signature the way DESIGN.md
tells roadmap applications to (its own HMAC, in constant time, over the raw body, with a fresh `t`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from typing import Any

import pytest

from aha_jira.outbound.roadmap_webhook import (
    EVENT_ID_HEADER,
    RoadmapWebhook,
    WebhookDeliveryFailed,
    signature,
)
from tests.fixtures.roadmap import RECEIVER_SECRET as SECRET
from tests.fixtures.roadmap import RoadmapReceiver as Receiver

EVENT = {
    "id": "000000000042",
    "type": "record.status_changed",
    "occurred_at": "2026-03-01T09:00:00.000Z",
    "integration_id": "mob",
    "reference": "PROD-1",
    "kind": "feature",
    "data": {"status": "In development", "jira_status": "In Progress", "note": "café ✓"},
}


@pytest.fixture
def receiver(roadmap_receiver: Receiver) -> Receiver:
    return roadmap_receiver


def webhook(receiver: Receiver, secret: str = SECRET, **options: Any) -> RoadmapWebhook:
    return RoadmapWebhook(receiver.url, secret, allow_loopback=True, **options)


def test_a_delivery_is_signed_over_the_raw_body_and_verified_by_the_receiver(receiver: Receiver) -> None:
    delivered = webhook(receiver).deliver(EVENT["id"], EVENT)

    assert delivered.status == 204 and delivered.event_id == EVENT["id"]
    [request] = receiver.received
    assert request["verified"] is True
    assert request["path"] == "/hooks/aha-jira?tenant=acme"
    assert request["headers"][EVENT_ID_HEADER] == "000000000042"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == EVENT  # UTF-8 JSON, the event as given


def test_the_signature_is_the_documented_one() -> None:
    # t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>, computed independently.
    body = b'{"id":"1"}'
    expected = hmac.new(b"s3cret-value", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret-value", 1_700_000_000, body) == f"t=1700000000,v1={expected}"


def test_a_receiver_with_another_secret_refuses_and_it_is_an_auth_failure(receiver: Receiver) -> None:
    with pytest.raises(WebhookDeliveryFailed) as caught:
        webhook(receiver, secret="another-secret-0123").deliver(EVENT["id"], EVENT)
    assert caught.value.code == "roadmap_auth_failed" and caught.value.status == 401
    assert caught.value.transient  # DESIGN: anything but a 2xx is retried (a secret may be mid-rotation)
    assert receiver.received[0]["verified"] is False


def test_a_stale_timestamp_is_refused_by_the_receiver(receiver: Receiver) -> None:
    with pytest.raises(WebhookDeliveryFailed):
        webhook(receiver, clock=lambda: time.time() - 3600).deliver(EVENT["id"], EVENT)
    assert receiver.received[0]["verified"] is False


@pytest.mark.parametrize(
    ("status", "code", "may_have_committed"),
    [
        (500, "roadmap_unavailable", True),
        (503, "roadmap_unavailable", True),
        (408, "roadmap_unavailable", False),
        (400, "roadmap_refused", False),
        (404, "roadmap_refused", False),
        (410, "roadmap_refused", False),
        (403, "roadmap_auth_failed", False),
    ],
)
def test_anything_but_a_2xx_is_an_error_to_retry(
    receiver: Receiver, status: int, code: str, may_have_committed: bool
) -> None:
    receiver.statuses = [status]
    with pytest.raises(WebhookDeliveryFailed) as caught:
        webhook(receiver).deliver(EVENT["id"], EVENT)
    error = caught.value
    assert (error.code, error.status, error.transient) == (code, status, True)
    assert error.may_have_committed is may_have_committed
    assert "tenant=acme" not in error.message  # the URL's query may be a credential
    assert webhook(receiver).deliver(EVENT["id"], EVENT).status == 204  # the retry is delivered


def test_429_and_503_carry_the_receiver_s_retry_after(receiver: Receiver) -> None:
    receiver.statuses = [429, 503]
    receiver.headers = {"Retry-After": "12"}
    for code in ("roadmap_rate_limited", "roadmap_unavailable"):
        with pytest.raises(WebhookDeliveryFailed) as caught:
            webhook(receiver).deliver(EVENT["id"], EVENT)
        assert caught.value.code == code and caught.value.retry_after == 12.0


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.statuses = [307]
    receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    with pytest.raises(WebhookDeliveryFailed) as caught:
        webhook(receiver).deliver(EVENT["id"], EVENT)
    assert caught.value.code == "roadmap_unexpected_answer" and caught.value.status == 307
    assert len(receiver.received) == 1


def test_a_slow_receiver_times_out(receiver: Receiver) -> None:
    receiver.delay = 1.0
    with pytest.raises(WebhookDeliveryFailed) as caught:
        webhook(receiver, timeout=(1.0, 0.2)).deliver(EVENT["id"], EVENT)
    assert caught.value.code == "roadmap_unreachable" and caught.value.may_have_committed


def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook = RoadmapWebhook(f"http://127.0.0.1:{port}/hook", SECRET, allow_loopback=True)
    with pytest.raises(WebhookDeliveryFailed) as caught:
        hook.deliver("1", {"id": "1"})
    assert caught.value.code == "roadmap_unreachable" and caught.value.transient


@pytest.mark.parametrize("url", ["https://10.0.0.5/hook", "https://169.254.169.254/x", "http://8.8.8.8/hook"])
def test_the_ssrf_guard_refuses_for_good_before_sending(url: str) -> None:
    with pytest.raises(WebhookDeliveryFailed) as caught:
        RoadmapWebhook(url, SECRET, allow_loopback=False).deliver("1", {"id": "1"})
    assert caught.value.code == "roadmap_unreachable" and caught.value.transient is False
    assert "roadmap.url" in caught.value.hint


def test_the_secret_is_in_no_error(receiver: Receiver) -> None:
    receiver.statuses = [500]
    with pytest.raises(WebhookDeliveryFailed) as caught:
        webhook(receiver).deliver(EVENT["id"], EVENT)
    assert SECRET not in f"{caught.value.message} {caught.value.hint} {caught.value!r}"
