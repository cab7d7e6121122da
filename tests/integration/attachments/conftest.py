"""Attachments to Jira: a send's files come from a local file server and go to the Jira simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.attachments.file_server import FileServer
from tests.integration.send.conftest import fast_retries, mob

__all__ = ["fast_retries", "mob"]


@pytest.fixture
def files() -> Iterator[FileServer]:
    server = FileServer().start()
    yield server
    server.stop()
