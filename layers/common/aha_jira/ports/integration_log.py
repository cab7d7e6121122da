"""The integration log's reader (`integration_log/reader.py` in AWS; the local stack registers its own)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aha_jira.models.log_query import LogPage, LogQuery


class IntegrationLogReader(Protocol):
    """`GET /integrations/{id}/log`: Logs Insights in AWS; the local stack registers its file reader."""

    def read(self, query: LogQuery) -> LogPage: ...
