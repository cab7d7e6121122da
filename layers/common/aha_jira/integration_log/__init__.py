"""The integration log: structured action lines with secrets redacted at the source."""

from aha_jira.integration_log.logger import Outcome, logger, record_action
from aha_jira.integration_log.redaction import REDACTED, redact, register_secret

__all__ = ["REDACTED", "Outcome", "logger", "record_action", "redact", "register_secret"]
