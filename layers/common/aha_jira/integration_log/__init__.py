"""The integration log: structured action lines with secrets redacted at the source."""

from aha_jira.integration_log.context import Timer, api_request_id, bind_log_context, log_scope
from aha_jira.integration_log.logger import Outcome, logger, record_action
from aha_jira.redaction import REDACTED, redact, register_secret

__all__ = [
    "REDACTED",
    "Outcome",
    "Timer",
    "api_request_id",
    "bind_log_context",
    "log_scope",
    "logger",
    "record_action",
    "redact",
    "register_secret",
]
