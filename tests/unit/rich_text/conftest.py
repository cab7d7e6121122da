"""Every converter has a plain-text fallback that logs an error; no test may reach it by accident."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

RICH_TEXT_LOGGER = "aha_jira.jira.rich_text"


@pytest.fixture(autouse=True)
def no_conversion_fallbacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG, logger=RICH_TEXT_LOGGER)
    yield
    failures = [
        record
        for record in caplog.get_records("call")
        if record.name.startswith(RICH_TEXT_LOGGER) and record.levelno >= logging.ERROR
    ]
    assert not failures, [record.getMessage() for record in failures]
