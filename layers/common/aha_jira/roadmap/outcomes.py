"""What a connector makes of one event (`Delivered`, `Skipped`, `Failed`, `Waiting`), what it works with for
one record (`RecordDelivery`), and the ports the delivery uses (`DeliveryServices`, built by `wiring`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aha_jira.models.integration import StoredIntegration
from aha_jira.ports import (
    CommentLinks,
    IntegrationRepository,
    RecordRenamer,
    RetryQueue,
    RoadmapDeliveryQueue,
    RoadmapEventStore,
    SecretStore,
)

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets


@dataclass(frozen=True)
class DeliveryServices:
    """The ports the roadmap delivery uses (`wiring.roadmap_delivery_services` builds them)."""

    events: RoadmapEventStore
    queue: RoadmapDeliveryQueue
    integrations: IntegrationRepository
    secret_store: SecretStore
    renamer: RecordRenamer
    writebacks: RetryQueue  # an imported record's new reference, written back to Jira by the retry worker
    rate_budgets: SiteBudgets | None = None  # the Aha! accounts' request budgets (None: unmetered, in tests)
    comments: CommentLinks | None = None  # the comments carried to the roadmap (None: comments are skipped)
    clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Delivered:
    message: str
    # The connector settled the event itself (a rename settles `record.imported` in its own transaction), and
    # the record's reference from now on.
    settled: bool = False
    renamed_to: str | None = None


@dataclass(frozen=True)
class Skipped:
    """Nothing to do for this event in this roadmap (said why, with what would change it)."""

    reason: str
    hint: str | None = None


@dataclass(frozen=True)
class Failed:
    """Not delivered: `transient` failures are retried (after `retry_after` when the roadmap said so), the
    others are logged with their hint and the record's later events go on."""

    code: str
    message: str
    hint: str
    transient: bool
    retry_after: float | None = None
    status: int | None = None


@dataclass(frozen=True)
class Waiting:
    """Not to deliver yet, though nothing failed: a call of an earlier attempt whose answer was lost may still
    be applied by the roadmap, and judging it now could count it twice. The record's delivery stops here
    (its later events wait behind it) and comes back after `seconds`; no attempt is counted."""

    reason: str
    seconds: float


Outcome = Delivered | Skipped | Failed | Waiting


@dataclass
class RecordDelivery:
    """One record's delivery in progress, under its lease: its reference now (a rename changes it), where
    it comes from, and what the connector keeps for it (`memo`, saved with every settled event; `keep()`
    saves it at once: an intent recorded before a call that may be done without its answer arriving)."""

    integration: StoredIntegration
    services: DeliveryServices
    reference: str
    token: str
    lease_until: float
    origin: str | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    # The ids still to deliver after the event in hand (a rename carries them over).
    pending_after: list[int] = field(default_factory=list)
    cursor: int = 0

    @property
    def integration_id(self) -> str:
        return self.integration.integration_id

    def keep(self) -> None:
        self.services.events.save_memo(self.integration_id, self.reference, token=self.token, memo=self.memo)

    def now(self) -> float:
        return self.services.clock()

    @property
    def in_roadmap(self) -> bool:
        """Whether the record exists in the roadmap: it came from it (a send), or the connector created it
        there (an import delivered, the record renamed)."""
        return self.origin != "jira" or bool(self.memo.get("created"))
