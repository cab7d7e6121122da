"""The Aha! client against the Aha! simulator over real HTTP: every call, its typed answer, and every way
Aha! can fail as an error type (never an exception of requests or pydantic)."""

from __future__ import annotations

import socket

import pytest

from aha_jira.aha.client import AhaClient, duration_text
from aha_jira.aha.errors import (
    AhaAuthFailed,
    AhaError,
    AhaNotFound,
    AhaRateLimited,
    AhaRefused,
    AhaSiteNotAllowed,
    AhaUnavailable,
    AhaUnreachable,
)
from aha_jira.aha.payloads import RecordAttributes
from aha_jira.aha.transport import AhaTransport
from aha_jira_dev.aha_sim import AhaSimulator


def client_for(sim: AhaSimulator, key: str | None = None, **options: object) -> AhaClient:
    transport = AhaTransport(
        sim.base_url,
        key or sim.bot_key,
        allow_loopback=True,
        sleep=lambda _: None,
        **options,  # type: ignore[arg-type]
    )
    return AhaClient(transport)


def api_calls(sim: AhaSimulator) -> list[tuple[str, str]]:
    return [(call["method"], call["path"]) for call in sim.calls if call["path"].startswith("/api/v1/")]


def test_identity_product_workflows_and_integrations(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)

    me = client.me()
    assert me.email == "aha-bot@acme.example" and me.id == "6700000000000000001"
    product = client.product("PROD")
    assert product.id == aha_sim.product_id and product.reference_prefix == "PROD"
    assert client.product(product.id).reference_prefix == "PROD"  # by id too
    workflows = client.workflows(product.id)
    assert workflows.status_names("Feature")[:3] == ["New", "Under consideration", "Ready to develop"]
    assert "Shipped" in workflows.status_names("Requirement")
    assert workflows.status_names("Goal") == []
    integrations = client.product_integrations("PROD")
    assert [(item.id, item.service_name) for item in integrations] == [(aha_sim.integration_id, "jira")]
    assert client.product_integration("PROD", aha_sim.integration_id).name == "Jira"

    # Every call went out with the API key, once (no retries were needed).
    assert client.transport.calls == [
        ("GET", "/me"),
        ("GET", "/products/PROD"),
        ("GET", f"/products/{product.id}"),
        ("GET", f"/products/{product.id}/workflows"),
        ("GET", "/products/PROD/integrations"),
        ("GET", f"/products/PROD/integrations/{aha_sim.integration_id}"),
    ]
    assert all(call["user"] == "aha-bot@acme.example" for call in aha_sim.calls)


def test_features_and_requirements_read_and_written(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)

    feature = client.feature("PROD-1")
    assert feature.name == "Mobile login" and feature.workflow_status is not None
    assert feature.workflow_status.name == "Ready to develop"
    assert feature.release is not None and feature.release.reference_num == "PROD-R-1"
    assert [r.reference_num for r in feature.requirements or []] == ["PROD-1-1", "PROD-1-2"]
    # The whole answer is kept for a send from Aha!, attributes the models do not name included.
    assert feature.document["reference_num"] == "PROD-1" and "attachments" in feature.document

    moved = client.update_feature("PROD-1", RecordAttributes(workflow_status="In development"))
    assert moved.workflow_status is not None and moved.workflow_status.name == "In development"
    assert aha_sim.feature("PROD-1")["workflow_status"]["name"] == "In development"

    requirement = client.update_requirement("PROD-1-1", RecordAttributes(workflow_status="Shipped"))
    assert requirement.workflow_status is not None and requirement.workflow_status.name == "Shipped"
    assert client.requirement("PROD-1-1").feature is not None
    assert [r.reference_num for r in client.feature_requirements("PROD-1")] == ["PROD-1-1", "PROD-1-2"]


def test_creates_in_a_release_and_under_a_feature(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)

    created = client.create_feature(
        "PROD-R-2",
        RecordAttributes(name="Imported from Jira", description="<p>From MOB-9</p>", workflow_status="New"),
    )
    assert created.reference_num.startswith("PROD-") and created.name == "Imported from Jira"
    assert created.release is not None and created.release.reference_num == "PROD-R-2"
    requirement = client.create_requirement(created.reference_num, RecordAttributes(name="A sub-task"))
    assert requirement.reference_num == f"{created.reference_num}-1"

    assert client.release("PROD-R-2").name == "Release 2.0"
    in_release = [item.reference_num for item in client.release_features("PROD-R-2")]
    assert created.reference_num in in_release and "PROD-3" in in_release
    with pytest.raises(ValueError, match="name"):
        client.create_feature("PROD-R-2", RecordAttributes(description="<p>no name</p>"))


def test_release_features_follow_every_page(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)
    for number in range(105):
        aha_sim.pm.create_feature("PROD-R-3", f"Parked {number}")

    features = client.release_features("PROD-R-3")

    assert len(features) == 105 and len({item.id for item in features}) == 105
    pages = [call for call in aha_sim.calls if call["path"] == "/api/v1/releases/PROD-R-3/features"]
    assert [call["query"] for call in pages] == [
        {"page": "1", "per_page": "100"},
        {"page": "2", "per_page": "100"},
    ]


def test_integration_fields_set_and_read(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)
    fields = {"key": "MOB-12", "id": "10012", "url": "https://acme.atlassian.net/browse/MOB-12"}

    ids = client.set_integration_fields("PROD-2", aha_sim.integration_id, fields)
    again = client.set_integration_fields("PROD-2", aha_sim.integration_id, {"key": "MOB-12"})

    assert len(ids) == 3 and again == ids[:1]  # the same field, not a second one
    field = client.integration_field("PROD-2", aha_sim.integration_id, "url")
    assert field.value == fields["url"] and field.integration_id == aha_sim.integration_id
    stored = {item["name"]: item["value"] for item in aha_sim.feature("PROD-2")["integration_fields"]}
    assert stored == fields
    with pytest.raises(AhaNotFound):
        client.integration_field("PROD-3", aha_sim.integration_id, "key")


def test_time_tracking_is_additive_and_can_be_taken_back(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)
    before = client.feature("PROD-1").work_done or 0

    first = client.log_time("feature", "PROD-1", work_done_minutes=90, remaining_minutes=120)
    client.log_time("feature", "PROD-1", work_done_minutes=30)

    after = client.feature("PROD-1")
    assert first.work_done == 90
    assert after.work_done == before + 120  # posted twice: counted twice (why the connector remembers)
    assert after.remaining_estimate == 90  # 120, less the 30 logged without a remaining estimate
    client.delete_time_tracking_event(first.id)
    assert client.feature("PROD-1").work_done == before + 30
    requirement = client.log_time("requirement", "PROD-1-1", work_done_minutes=0)
    assert requirement.work_done == 0
    texts = [
        call["body"]["time_tracking_event"]
        for call in aha_sim.calls
        if call["path"].endswith("/time_tracking_events")
    ]
    assert texts == [
        {"work_done_text": "1h 30min", "remaining_estimate_text": "2h"},
        {"work_done_text": "30min"},
        {"work_done_text": "0min"},
    ]


def test_comments_added_listed_edited_and_deleted(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)

    comment = client.add_comment("feature", "PROD-2", "<p>MOB-7 was deleted in Jira.</p>")
    on_requirement = client.add_comment("requirement", "PROD-1-1", "<p>Detached.</p>")
    assert comment.user is not None and comment.user.email == "aha-bot@acme.example"
    assert [c.id for c in client.comments("feature", "PROD-2")] == [comment.id]
    assert [c.id for c in client.comments("requirement", "PROD-1-1")] == [on_requirement.id]

    edited = client.update_comment(comment.id, "<p>Edited.</p>")
    assert edited.body == "<p>Edited.</p>"
    client.delete_comment(comment.id)
    assert client.comments("feature", "PROD-2") == []


def test_durations_are_hours_and_minutes() -> None:
    assert [duration_text(m) for m in (0, 5, 60, 90, 600, 1441)] == [
        "0min",
        "5min",
        "1h",
        "1h 30min",
        "10h",
        "24h 1min",
    ]
    with pytest.raises(ValueError):
        duration_text(-1)


# --- failures -----------------------------------------------------------------------------------------------


def test_a_wrong_or_revoked_key_is_an_auth_failure(aha_sim: AhaSimulator) -> None:
    with pytest.raises(AhaAuthFailed) as caught:
        client_for(aha_sim, key="not-a-key-0123456789").me()
    assert caught.value.code == "roadmap_auth_failed" and "roadmap.api_key" in caught.value.hint
    assert "not-a-key-0123456789" not in caught.value.message + caught.value.hint

    client = client_for(aha_sim)
    aha_sim.revoke_api_key("bot")
    with pytest.raises(AhaAuthFailed):
        client.me()


def test_an_unknown_record_is_not_found(aha_sim: AhaSimulator) -> None:
    with pytest.raises(AhaNotFound) as caught:
        client_for(aha_sim).feature("PROD-999")
    assert caught.value.status == 404 and not caught.value.transient


def test_what_aha_refuses_is_a_permanent_error_in_its_own_words(aha_sim: AhaSimulator) -> None:
    with pytest.raises(AhaRefused) as caught:
        client_for(aha_sim).update_feature("PROD-1", RecordAttributes(workflow_status="Nonsense"))
    error = caught.value
    assert error.status == 422 and not error.transient and not error.may_have_committed
    assert "Nonsense" in error.aha_message and "Nonsense" in error.message
    assert aha_sim.feature("PROD-1")["workflow_status"]["name"] == "Ready to develop"


def test_429_carries_retry_after_and_a_write_is_not_retried_inline(aha_sim: AhaSimulator) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/PROD-1$", status=429, retry_after=7)
    client = client_for(aha_sim)

    with pytest.raises(AhaRateLimited) as caught:
        client.update_feature("PROD-1", RecordAttributes(workflow_status="Shipped"))

    assert caught.value.retry_after == 7 and caught.value.transient
    assert not caught.value.may_have_committed
    assert api_calls(aha_sim) == [("PUT", "/api/v1/features/PROD-1")]


def test_a_read_is_retried_inline_after_a_short_wait(aha_sim: AhaSimulator) -> None:
    waits: list[float] = []
    aha_sim.add_fault(method="GET", path=r"/me$", status=503, retry_after=1, times=1)
    client = AhaClient(
        AhaTransport(aha_sim.base_url, aha_sim.bot_key, allow_loopback=True, sleep=waits.append)
    )

    assert client.me().email == "aha-bot@acme.example"
    assert waits == [1.0]
    # A wait longer than a request may spend is not waited: the error goes to the caller.
    aha_sim.add_fault(method="GET", path=r"/me$", status=429, retry_after=60, times=1)
    with pytest.raises(AhaRateLimited):
        client.me()
    assert waits == [1.0]


def test_5xx_on_a_write_may_have_committed(aha_sim: AhaSimulator) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/PROD-1$", status_after_commit=502)
    with pytest.raises(AhaUnavailable) as caught:
        client_for(aha_sim).update_feature("PROD-1", RecordAttributes(workflow_status="Shipped"))
    assert caught.value.may_have_committed and caught.value.transient
    assert aha_sim.feature("PROD-1")["workflow_status"]["name"] == "Shipped"


def test_a_dropped_connection_after_a_write_is_ambiguous_and_before_it_is_not(aha_sim: AhaSimulator) -> None:
    client = client_for(aha_sim)
    aha_sim.add_fault(method="POST", path=r"/time_tracking_events$", drop_after_commit=True)
    with pytest.raises(AhaUnreachable) as after:
        client.log_time("feature", "PROD-2", work_done_minutes=15)
    assert after.value.may_have_committed and after.value.transient
    assert aha_sim.feature("PROD-2")["work_done"] == 15

    aha_sim.add_fault(method="POST", path=r"/comments$", drop_before=True)
    with pytest.raises(AhaUnreachable) as before:
        client.add_comment("feature", "PROD-2", "<p>x</p>")
    assert before.value.transient


def test_a_slow_answer_is_a_timeout(aha_sim: AhaSimulator) -> None:
    aha_sim.add_fault(method="PUT", path=r"/features/PROD-1$", delay=1.0)
    client = client_for(aha_sim, timeout=(1.0, 0.2))
    with pytest.raises(AhaUnreachable) as caught:
        client.update_feature("PROD-1", RecordAttributes(name="Renamed"))
    assert caught.value.reason == "timeout" and caught.value.may_have_committed


def test_nothing_listening_is_unreachable_and_not_ambiguous() -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = AhaTransport(f"http://127.0.0.1:{port}", "sim-key-0123456789", allow_loopback=True)
    with pytest.raises(AhaUnreachable) as caught:
        AhaClient(transport).update_feature("PROD-1", RecordAttributes(name="x"))
    assert caught.value.reason == "connection_failed" and not caught.value.may_have_committed


def test_tls_is_verified(aha_sim: AhaSimulator) -> None:
    # The simulator speaks plain HTTP: an https client cannot complete a TLS handshake with it. The guard
    # allows loopback here (the local stack's setting), so the request is really attempted.
    https = aha_sim.base_url.replace("http://", "https://")
    with pytest.raises(AhaUnreachable) as caught:
        AhaClient(AhaTransport(https, aha_sim.bot_key, allow_loopback=True)).me()
    assert caught.value.reason == "tls_failed"


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("https://10.0.0.8", "public"),
        ("https://169.254.169.254", "public"),
        ("http://acme.aha.io", "https"),
    ],
)
def test_the_ssrf_guard_refuses_before_any_request(base_url: str, reason: str) -> None:
    transport = AhaTransport(base_url, "sim-key-0123456789", allow_loopback=False)
    with pytest.raises(AhaSiteNotAllowed) as caught:
        AhaClient(transport).me()
    assert caught.value.code == "roadmap_unreachable" and reason in caught.value.hint
    assert transport.calls == []


def test_an_unresolvable_name_is_unreachable() -> None:
    transport = AhaTransport("https://no-such-account.invalid", "sim-key-0123456789")
    with pytest.raises(AhaUnreachable) as caught:
        AhaClient(transport).me()
    assert caught.value.reason == "dns_failed" and transport.calls == []


def test_every_failure_is_an_aha_error(aha_sim: AhaSimulator) -> None:
    # The types the connector and test connection catch: nothing else escapes a call.
    aha_sim.add_fault(method="GET", path=r"/features/", status=400, body={"unexpected": ["shape"]})
    with pytest.raises(AhaError) as caught:
        client_for(aha_sim).feature("PROD-1")
    assert isinstance(caught.value, AhaRefused) and caught.value.status == 400
