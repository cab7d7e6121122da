"""Request bodies the tests build again and again (one builder, shared with the demo and the benchmarks)."""

from __future__ import annotations

from aha_jira_dev.integration_bodies import DEFAULT_STATUSES, integration_body

__all__ = ["DEFAULT_STATUSES", "integration_body"]
