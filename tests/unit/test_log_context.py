"""The integration log's scope: what one request's lines share, kept apart from other requests."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from aha_jira.integration_log import Outcome, bind_log_context, log_scope, logger, record_action


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    target = logging.getLogger(logger.service)
    target.addHandler(handler)
    yield stream
    target.removeHandler(handler)


def read(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_scope_gives_correlation_product_and_duration(lines: io.StringIO) -> None:
    with log_scope(correlation_id="req-1"):
        bind_log_context(integration_id="mob", product="MOB")
        record_action("feature.send", Outcome.OK, integration_id="mob", message="a", jira_status=200)
        record_action("jira.webhook", Outcome.OK, integration_id="web", message="b", jira_status="Done")
        bind_log_context(correlation_id="delivery-9")
        record_action("jira.webhook", Outcome.OK, integration_id=None, message="c", correlation_id="explicit")
    record_action("integration.removed", Outcome.OK, integration_id="mob", message="d")
    first, second, third, after = read(lines)
    assert first["correlation_id"] == "req-1" and first["product"] == "MOB" and first["jira_status"] == 200
    assert isinstance(first["duration_ms"], int) and first["duration_ms"] >= 0
    # Another integration's line never takes the product of the one loaded; a workflow status given as
    # `jira_status` (not an HTTP status) moves to `jira_issue_status`.
    assert "product" not in second and second["jira_issue_status"] == "Done" and "jira_status" not in second
    assert third["correlation_id"] == "explicit"
    # Out of the scope: nothing of it is left.
    assert "product" not in after and "duration_ms" not in after and after.get("correlation_id") != "req-1"


def test_concurrent_scopes_stay_apart(lines: io.StringIO) -> None:
    barrier = threading.Barrier(2)

    def request(name: str) -> None:
        with log_scope(correlation_id=name):
            bind_log_context(integration_id=name, product=name.upper())
            barrier.wait()
            record_action("feature.send", Outcome.OK, integration_id=name, message=name)

    threads = [threading.Thread(target=request, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    by_message = {line["message"]: line for line in read(lines)}
    for name in ("one", "two"):
        assert by_message[name]["correlation_id"] == name and by_message[name]["product"] == name.upper()
