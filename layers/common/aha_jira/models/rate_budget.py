"""The shared state of a site's request budget, as the budget's store keeps it (`ports.RateBudgetStore`).

A "site" is any remote API whose limits several containers and integrations share: a Jira site is
`jira:<base_url>`; the roadmap connector can key Aha!'s accounts the same way. Times are epoch seconds on
the budget's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# Jira Cloud's `RateLimit-Reason` values (and ours for a 429 that names none).
BURST = "jira-burst-based"
PER_ISSUE = "jira-per-issue-on-write"
QUOTA_TENANT = "jira-quota-tenant-based"
QUOTA_GLOBAL = "jira-quota-global-based"
UNNAMED = "unnamed"
RATE_LIMIT_REASONS = (BURST, PER_ISSUE, QUOTA_TENANT, QUOTA_GLOBAL, UNNAMED)


@dataclass(frozen=True)
class SiteBudgetState:
    """One site's budget as last read: what was learned of its limits and who is using it."""

    site: str
    # The rate (requests a second) the site was last found to bear and when it was set; None when nothing
    # was learned (or it was forgotten): the site is then limited only by a cap or a pause.
    learned_rate: float | None = None
    learned_at: float = 0.0
    paused_until: float = 0.0
    pause_reason: str | None = None
    # Per integration ("lane"): the theoretical arrival time of its next request (GCRA's TAT).
    lanes: Mapping[str, float] = field(default_factory=dict)
    # The latest end of any per-issue hold: while it is ahead, writes to an issue look up that issue's hold.
    issue_holds_until: float = 0.0
    # 429s the site answered, per RateLimit-Reason, since the item was created (operations).
    throttled: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LaneBooking:
    """A reservation of `tokens` requests in an integration's lane, done in one conditional write.

    `extend` (the lane is busy: its TAT is within [earliest, latest]): TAT += increment, the slot is the old TAT.
    `start` (the lane is idle or new: its TAT is before earliest): TAT = start + increment, the slot is start.
    Either fails (and the store answers the state it found) when a pause later than `earliest` is set."""

    form: Literal["extend", "start"]
    tokens: int
    increment: float
    earliest: float
    latest: float
    start: float
    stale_lanes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookingAnswer:
    """The slot booked (epoch seconds; None when the condition failed) and the state the store saw."""

    slot: float | None
    state: SiteBudgetState
