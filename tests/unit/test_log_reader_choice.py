"""`wiring.integration_log_reader` chooses the reader by `INTEGRATION_LOG_SOURCE`: Logs Insights, or a reader a
development package registers under the `aha_jira.integration_log_readers` entry point (the local stack's
`file`). The layer holds no file reader and never imports development code."""

from __future__ import annotations

import pytest

from aha_jira import wiring
from aha_jira.integration_log.reader import InsightsLogReader
from aha_jira_dev.integration_log.file_reader import LocalFileLogReader


def test_cloudwatch_reads_logs_insights(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_LOG_SOURCE", "cloudwatch")
    assert isinstance(wiring.integration_log_reader(), InsightsLogReader)


def test_file_is_the_local_stacks_reader_found_through_its_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTEGRATION_LOG_SOURCE", "file")
    assert isinstance(wiring.integration_log_reader(), LocalFileLogReader)


def test_an_unknown_source_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_LOG_SOURCE", "syslog")
    with pytest.raises(RuntimeError, match="'syslog'"):
        wiring.integration_log_reader()
