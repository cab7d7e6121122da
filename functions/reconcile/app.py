"""Reconcile: the EventBridge schedule's sweep of every Jira site for changes its webhook never delivered."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira import wiring
from aha_jira.integration_log import log_scope, logger
from aha_jira.settings import webhook_health_settings


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Imported at the first run, not at cold start (bench/cold_start.py): the sweep brings the Jira client.
    from aha_jira.reconcile.sweep import SweepOptions, sweep  # noqa: PLC0415

    deadline = time.time() + context.get_remaining_time_in_millis() / 1000
    # The scheduled event's id correlates every line of this sweep.
    with log_scope(correlation_id=str(event.get("id") or context.aws_request_id)):
        report = sweep(
            wiring.reconcile_services(),
            deadline=deadline,
            options=SweepOptions(audit_issues=webhook_health_settings().audit_issues),
        )
    return {
        "sites": [site.model_dump() | {"jira_calls": site.jira_calls} for site in report.sites],
        "repaired": report.total("repaired"),
        "jira_calls": sum(site.jira_calls for site in report.sites),
    }
