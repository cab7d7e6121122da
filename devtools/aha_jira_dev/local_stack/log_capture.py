"""The local stack's CloudWatch stand-in: every function's log lines, appended to one JSON-lines file.

In AWS each function writes to its own log group and `GET /integrations/{id}/log` queries them with Logs
Insights. Locally the functions share one process and one Powertools logger, so one file handler (with
the logger's own formatter: the same JSON, redacted the same way) captures them all, and the functions
read it back through `aha_jira_dev.integration_log.file_reader` (`INTEGRATION_LOG_SOURCE=file`,
`INTEGRATION_LOG_FILE`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aha_jira_dev.local_stack.environment import restore_environment, set_environment

LOG_FILE_VARIABLE = "INTEGRATION_LOG_FILE"


def default_log_path(port: int) -> Path:
    """`INTEGRATION_LOG_FILE`, else a file per gateway port in the temporary directory."""
    configured = os.environ.get(LOG_FILE_VARIABLE)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"aha-jira-local-{port}-integration-log.jsonl"


@contextmanager
def capture_function_logs(path: Path, *, truncate: bool = True) -> Iterator[Path]:
    """Append every line the functions log to `path` while the context is open, and point the log
    reader at it (`INTEGRATION_LOG_SOURCE=file`, `INTEGRATION_LOG_FILE`)."""
    # Imported here: the package's logger must be created after the local environment is set.
    from aha_jira.integration_log import logger  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    if truncate:
        path.write_text("", encoding="utf-8")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logger.registered_formatter)
    target = logging.getLogger(logger.service)
    target.addHandler(handler)
    previous = set_environment({"INTEGRATION_LOG_SOURCE": "file", LOG_FILE_VARIABLE: str(path)})
    try:
        yield path
    finally:
        target.removeHandler(handler)
        handler.close()
        restore_environment(previous)
