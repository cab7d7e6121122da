"""GET /integrations/{id}/log in AWS waits for a Logs Insights query. The reader gives up (StopQuery, then an
error answer) after `timeout_seconds`; the integrations function itself is stopped by Lambda at its
template Timeout. If the reader's budget is not well inside the function's, a slow query ends in a Lambda
timeout instead: API Gateway answers its own 502 (not the API's JSON error), StopQuery is never called and
the query keeps running against the account's concurrent Insights query quota."""

from __future__ import annotations

import pytest

from aha_jira.integration_log.reader import InsightsLogReader
from aha_jira.wiring import integration_log_reader
from aha_jira_dev.local_stack.template import Template

# Loading the integration, the StartQuery call and building the answer happen inside the function's time too.
MARGIN_SECONDS = 3


def test_the_insights_reader_gives_up_before_lambda_stops_the_function(
    repo_template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEGRATION_LOG_SOURCE", "cloudwatch")
    reader = integration_log_reader()
    assert isinstance(reader, InsightsLogReader)
    function_timeout = repo_template.functions["IntegrationsFunction"].timeout_seconds
    budget = reader.timeout_seconds + reader.poll_seconds  # the last poll may start just before the deadline
    assert budget + MARGIN_SECONDS <= function_timeout, (
        f"reader waits up to {budget} s; the function is stopped at {function_timeout} s"
    )
