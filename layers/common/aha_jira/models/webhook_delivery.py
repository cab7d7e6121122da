"""One Jira webhook delivery as we record it (for dedupe), and what committing it with its changes did."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from aha_jira.models.roadmap_event import EventRef

# Jira retries for a few minutes and an admin can redeliver for days; a week of identifiers covers both.
DEDUPE_SECONDS = 7 * 24 * 3600


class Delivery(BaseModel):
    site_url: str
    identifier: str
    event: str
    received_at: float
    retry: int = 0
    # This handling of the delivery. Stored with it, so that when a write is retried after it committed (the
    # answer was lost on the way back) the "already recorded" that follows is recognised as our own.
    attempt: str = Field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def expires_at(self) -> int:
        return int(self.received_at) + DEDUPE_SECONDS


@dataclass(frozen=True)
class CommitResult:
    committed: bool
    duplicate: bool = False
    # Indexes (into the changes given) whose condition failed: another write got there first.
    conflicts: list[int] = field(default_factory=list)
    # Another transaction held the same items at that moment: nothing was decided, try again.
    contended: bool = False
    # The roadmap events written with the changes, and those of them a roadmap connector delivers.
    events: list[EventRef] = field(default_factory=list)
    to_deliver: list[EventRef] = field(default_factory=list)
