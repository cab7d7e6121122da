"""One attempt at sending a feature: what it works with (the adapters, the integration, its Jira snapshot and
client) and what it has done so far (the issues it created, edited or found unchanged)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aha_jira.jira.client import JiraClient
from aha_jira.models.feature import AhaFeature
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.send import JiraIssueRef, SendWarning
from aha_jira.ports import (
    InstallationReader,
    IntegrationRepository,
    LookupCache,
    RetryQueue,
    SecretStore,
    SendFeatureStore,
    SendLinkStore,
)
from aha_jira.sync.drafting import IssueDraft

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets


@dataclass
class SendServices:
    """The ports a send uses (`wiring.send_services` builds them)."""

    integrations: IntegrationRepository
    secret_store: SecretStore
    retry_queue: RetryQueue
    lookup_cache: LookupCache
    features: SendFeatureStore
    links: SendLinkStore
    installations: InstallationReader  # Connect integrations' installations (their signer's shared secret)
    rate_budgets: SiteBudgets | None = None  # every Jira site's request budget (None: unmetered, in tests)
    clock: Callable[[], float] = time.time


@dataclass
class SendAttempt:
    """One send of a feature in progress (the API's, or one attempt of its retry job)."""

    services: SendServices
    integration: StoredIntegration
    snapshot: JiraSnapshot
    client: JiraClient
    feature: AhaFeature
    token: str
    started: float = 0.0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    issues: dict[str, JiraIssueRef] = field(default_factory=dict)
    jira_status: int | None = None  # the HTTP status of Jira's last refusal or failure, for the log
    # When the function must have answered (epoch seconds, the clock's); None: no limit (tests, tools).
    deadline: float | None = None
    job_id: str | None = None  # the retry job this send runs (None: a send from the API)
    warnings: list[SendWarning] = field(default_factory=list)  # what it could not carry (`sync/warnings.py`)

    @property
    def integration_id(self) -> str:
        return self.integration.integration_id

    def browse_url(self, key: str) -> str:
        return f"{self.integration.jira.base_url}/browse/{key}"

    def now(self) -> float:
        return self.services.clock()

    def now_iso(self) -> str:
        """The clock's now as the records this send writes store it."""
        return datetime.fromtimestamp(self.now(), UTC).isoformat(timespec="milliseconds")


def issue_summary(draft: IssueDraft) -> str:
    """The summary the draft gives its issue; the issue's link keeps it as the record's name."""
    return str(draft.create_fields.get("summary", draft.reference))
