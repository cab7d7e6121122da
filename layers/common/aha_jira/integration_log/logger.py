"""The integration log: one structured JSON line per integration action, through Powertools Logger.

The schema (every field, every action) is docs/integration-log.md; CloudWatch Logs Insights saved queries
(template.yaml) and `GET /integrations/{id}/log` read the keys written here. Each line also counts in the
metrics (`metrics.py`).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord

from aha_jira.integration_log.context import scope_fields
from aha_jira.integration_log.metrics import emit_action_metrics
from aha_jira.redaction import redact, redact_text


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with redaction applied to the whole record before serialising."""

    def serialize(self, log: LogRecord) -> str:
        # Redact the structure (secret keys), then the text: some values (an exception object in a
        # stack trace) only become text inside the JSON serialiser.
        return redact_text(super().serialize(log=redact(log)))


class Outcome(StrEnum):
    """The integration log's outcomes (the schema of docs/integration-log.md)."""

    OK = "ok"
    SKIPPED = "skipped"
    QUEUED = "queued"
    FAILED = "failed"
    # Aliases that read better at some call sites; they log the same values.
    SUCCEEDED = "ok"
    IGNORED = "skipped"
    REJECTED = "failed"


# Names the standard library's LogRecord owns; an `extra` key with one of them raises KeyError.
_LOG_RECORD_NAMES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _safe_key(key: str) -> str:
    return f"{key}_" if key in _LOG_RECORD_NAMES else key


# One logger for the whole package; every function's handler injects its Lambda context into it.
logger = Logger(service="aha-jira", logger_formatter=RedactingFormatter(serialize_stacktrace=False))


def record_action(
    action: str,
    outcome: Outcome,
    *,
    integration_id: str | None,
    message: str,
    reference: str | None = None,
    jira_key: str | None = None,
    hint: str | None = None,
    error_code: str | None = None,
    jira_status: int | str | None = None,
    duration_ms: int | None = None,
    correlation_id: str | None = None,
    warn: bool = False,
    **fields: Any,
) -> None:
    """Write one integration-log line (docs/integration-log.md) and count it in the metrics.

    `jira_status` is the HTTP status of Jira's answer, when Jira answered. The current log scope
    (`log_scope`, `bind_log_context`) adds `correlation_id`, the integration's `product` and
    `duration_ms` (time since the scope opened) unless given here. Failures (and lines flagged `warn`:
    something the integration's owner should fix, though the action itself went through) log at warning
    level so alarms can key on them."""
    scope = scope_fields(integration_id)
    if jira_status is not None and not isinstance(jira_status, int):
        # A Jira *workflow* status (webhook lines before their rename): it has its own field.
        fields.setdefault("jira_issue_status", jira_status)
        jira_status = None
    entry: dict[str, Any] = {
        "log_type": "integration",
        "action": action,
        "outcome": str(outcome),
        "integration_id": integration_id,
        "product": scope.get("product"),
        "reference": reference,
        "jira_key": jira_key,
        "jira_status": jira_status,
        "hint": hint,
        "error_code": error_code,
        "correlation_id": correlation_id or scope.get("correlation_id"),
        "duration_ms": duration_ms if duration_ms is not None else scope.get("duration_ms"),
        **fields,
    }
    entry = {_safe_key(key): value for key, value in entry.items() if value is not None}
    if warn or outcome in {Outcome.FAILED, Outcome.REJECTED}:
        logger.warning(message, extra=entry)
    else:
        logger.info(message, extra=entry)
    emit_action_metrics(action, str(outcome), error_code, fields)
