"""The local stack's integration log reader: the JSON-lines file every function's log lines are captured to
(`local_stack/log_capture.py`), queried with the Insights evaluator over the very query string CloudWatch
runs (`aha_jira.integration_log.reader.build_query`)."""

from __future__ import annotations

import os
from pathlib import Path

from aha_jira.integration_log.reader import build_query, hits, page_of
from aha_jira.models.log_query import LogPage, LogQuery
from aha_jira_dev.integration_log.insights import row_from_line, run_query


class LocalFileLogReader:
    """The local stack's captured log (JSON lines), queried with the Insights evaluator. Without a path,
    `INTEGRATION_LOG_FILE` is read at each call: the local stack (and each test) sets its own file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    def read(self, query: LogQuery) -> LogPage:
        rows = []
        configured = os.environ.get("INTEGRATION_LOG_FILE")
        path = self.path or (Path(configured) if configured else None)
        if path is not None and path.is_file():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    row = row_from_line(line.strip(), log_group="local")
                    if row is not None:
                        rows.append(row)
        rows.reverse()  # newest line first, so that lines of one millisecond stay newest first
        return page_of(query, hits(run_query(build_query(query), rows)))
