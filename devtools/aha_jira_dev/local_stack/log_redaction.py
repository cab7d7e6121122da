"""What the local stack's own log lines (access log, tracebacks) may show: no webhook token, no secret.

The functions' lines are redacted by their own formatter; these lines are the gateway's and the poller's.
A webhook token is the credential of its URL (`/webhooks/jira/<token>`), so the path segment that holds it
is replaced; anything else goes through the functions' redaction (the secrets they registered are known
in this process, since the functions run in it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from aha_jira_dev.local_stack.template import ApiRoute

REDACTED = "[REDACTED]"
# `/webhooks/<kind>/<token>` (Jira's and the roadmap's receivers), whatever route matched or none.
_WEBHOOK_TOKEN = re.compile(r"(/webhooks/[^/?#\s]+/)[^/?#\s'\"]+")


def _is_secret_parameter(name: str) -> bool:
    return "token" in name.lower() or "secret" in name.lower()


def loggable(text: str) -> str:
    # Imported here: importing the integration log creates the functions' logger, which must wait for the
    # local stack's environment (log_capture.py).
    from aha_jira.redaction import redact_text  # noqa: PLC0415

    return redact_text(_WEBHOOK_TOKEN.sub(rf"\g<1>{REDACTED}", text))


def loggable_path(path: str, route: ApiRoute | None = None, params: Mapping[str, str] | None = None) -> str:
    """The request path for a log line: the route's secret path parameters (`{webhook_token}`) replaced."""
    if route is not None and params and any(_is_secret_parameter(name) for name in params):

        def shown(found: re.Match[str]) -> str:
            name = found.group(1)
            return REDACTED if _is_secret_parameter(name) else params.get(name, found.group())

        path = re.sub(r"\{([^}+]+)\+?\}", shown, route.path)
    return loggable(path)


class RedactingFormatter(logging.Formatter):
    """For the local stack's own log handler: the whole line, traceback included, through `loggable`."""

    def format(self, record: logging.LogRecord) -> str:
        return loggable(super().format(record))
