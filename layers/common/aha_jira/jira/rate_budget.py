"""One request budget per site, shared by every container and integration that calls it: the policy.

The state lives in the budget's store (DynamoDB: `storage/rate_budget.py`); this module decides, from the
last state read and what Jira answered, when a request may go (docs/architecture.md "Rate budget"):

- **Free** while nothing limits the site (no cap, nothing learned, no pause): requests go at once and the store
  is read at most once a `refresh_seconds` per container, to learn what other containers found.
- **Paced** at the site's rate R = min(cap, learned rate): each request books a slot first (one conditional
  write). Each integration has its own lane, a GCRA schedule (theoretical arrival time) spaced n/R apart when n
  lanes are active, so every integration gets an equal share however many workers it runs; a lane that joins
  starts where the others' bookings end, so the site never gets more than R.
- **Learned rate** (AIMD): a `jira-burst-based` (or unnamed) 429 sets it to `slow_factor` x the rate in force
  (or the 429's `X-RateLimit-Limit`, or `initial_rate`); an answer whose burst budget is nearly spent sets it to
  `near_factor` x; at most one decrease per `hold_seconds`, whichever container sees it. It then grows by
  `increase_share` of itself per second and is forgotten after `forget_seconds` without a new signal.
- **Pauses**: a `jira-quota-*` 429 pauses the whole site until Retry-After (or X-RateLimit-Reset);
  a `jira-per-issue-on-write` 429 holds writes to that issue only.
- A wait longer than the caller can afford raises `BudgetExhausted` with the wait: the caller retries later.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aha_jira.jira.rate_limits import RateLimitHeaders
from aha_jira.models.rate_budget import (
    BURST,
    PER_ISSUE,
    QUOTA_GLOBAL,
    QUOTA_TENANT,
    UNNAMED,
    BookingAnswer,
    LaneBooking,
    SiteBudgetState,
)


# The budget's shared state: the Jira client's own dependency (like its request signers), kept by
# storage/rate_budget.py and built by wiring.py; it is not a use case's port, so it lives here.
class RateBudgetStore(Protocol):
    """The shared state of each site's request budget: one item per site, read and changed only by
    single-item conditional writes, so any number of containers can use it at once. Every method that
    writes answers the state it left (or found, when its condition failed)."""

    def read(self, site: str) -> SiteBudgetState: ...

    def book(self, site: str, lane: str, booking: LaneBooking) -> BookingAnswer:
        """Book slots in the lane as `booking` says; `slot` None when its condition failed."""
        ...

    def slow(
        self, site: str, rate: float, *, at: float, unless_since: float, reason: str | None
    ) -> SiteBudgetState:
        """Set the learned rate unless it was set after `unless_since`; count a 429 of `reason` either way."""
        ...

    def count_throttle(self, site: str, reason: str) -> SiteBudgetState: ...

    def pause(self, site: str, until: float, reason: str) -> SiteBudgetState:
        """Pause the whole site until `until` (unless a longer pause is set); count a 429 of `reason`."""
        ...

    def hold_issue(self, site: str, issue: str, until: float) -> SiteBudgetState:
        """Hold writes to one issue until `until`; count a per-issue 429."""
        ...

    def issue_hold(self, site: str, issue: str) -> float:
        """When writes to the issue may resume (0 without a hold)."""
        ...


QUOTA_REASONS = frozenset({QUOTA_TENANT, QUOTA_GLOBAL})


@dataclass(frozen=True)
class BudgetPolicy:
    initial_rate: float = 10.0  # requests/s assumed when a site pushes back without naming its limit
    slow_factor: float = 0.85  # on a burst 429
    near_factor: float = 0.9  # on an answer whose burst budget is nearly spent, before any 429
    # "Nearly spent": under this share of X-RateLimit-Limit remaining (Jira flags NearLimit under 20%; half
    # leaves room for the requests other containers already have under way). 0: wait for the 429s.
    near_limit_share: float = 0.5
    min_rate: float = 0.5
    increase_share: float = 0.02  # additive increase per second, a share of the rate last set
    hold_seconds: float = 2.0  # at most one decrease this often per site
    forget_seconds: float = 120.0  # a learned rate no signal confirmed for this long is dropped
    lane_idle_seconds: float = 5.0  # a lane keeps its share this long after its last slot
    lane_forget_seconds: float = 3600.0  # lanes idle this long are removed from the item
    refresh_seconds: float = 1.0  # how stale a container's view of a free site may get
    cap_refresh_seconds: float = 60.0  # how stale its knowledge of the site's cap may get
    token_ttl_seconds: float = 0.5  # a leased slot unused this long after its time is dropped
    lease_per_rate: float = 0.1  # tokens per booking: the lane's rate x this, between 1 and max_lease
    max_lease: int = 5
    max_attempts: int = 4  # conditional writes per booking (a pause or a lane change in between)
    default_issue_hold: float = 1.0  # a per-issue 429 without Retry-After
    default_quota_pause: float = 60.0  # a quota 429 without Retry-After or X-RateLimit-Reset


DEFAULT_POLICY = BudgetPolicy()


@dataclass(frozen=True)
class RequestKind:
    """What the budget needs to know of a request: whether it writes, and to which issue."""

    write: bool
    issue: str | None = None


class BudgetExhausted(Exception):
    """The request may not go for `wait` seconds, more than the caller can afford."""

    def __init__(self, wait: float, reason: str) -> None:
        super().__init__(f"the site's request budget admits this request in {wait:.1f} s ({reason})")
        self.wait = wait
        self.reason = reason


# --- the policy: pure functions of the state ------------------------------------------------------------


def learned_rate_now(
    state: SiteBudgetState, now: float, policy: BudgetPolicy = DEFAULT_POLICY
) -> float | None:
    """The learned rate grown additively since it was set; None when nothing (or nothing recent) was learned."""
    if state.learned_rate is None:
        return None
    age = max(0.0, now - state.learned_at)
    if age >= policy.forget_seconds:
        return None
    return state.learned_rate * (1.0 + policy.increase_share * age)


def site_rate(
    state: SiteBudgetState, cap: float | None, now: float, policy: BudgetPolicy = DEFAULT_POLICY
) -> float | None:
    """Requests a second the site may get now (the lowest of the cap and the learned rate); None: no limit."""
    limits = [rate for rate in (learned_rate_now(state, now, policy), cap) if rate is not None]
    return max(policy.min_rate, min(limits)) if limits else None


def active_lanes(state: SiteBudgetState, lane: str, now: float, policy: BudgetPolicy = DEFAULT_POLICY) -> int:
    """Lanes sharing the site: `lane` itself and every other lane with a slot in the last lane_idle_seconds."""
    idle_before = now - policy.lane_idle_seconds
    return 1 + sum(1 for name, tat in state.lanes.items() if name != lane and tat > idle_before)


def lease_size(lane_rate: float, policy: BudgetPolicy = DEFAULT_POLICY) -> int:
    """Slots booked in one write: one below 20 requests a second per lane (defaults), then more, up to
    `max_lease`: fewer DynamoDB writes where a container's requests come fast enough to use them in time."""
    return max(1, min(policy.max_lease, int(lane_rate * policy.lease_per_rate)))


@dataclass(frozen=True)
class CannotAfford:
    wait: float


def plan_booking(
    state: SiteBudgetState,
    lane: str,
    *,
    rate: float,
    now: float,
    earliest: float,
    latest: float,
    policy: BudgetPolicy = DEFAULT_POLICY,
) -> LaneBooking | CannotAfford:
    """The conditional write that books the lane's next slots, or the wait when the caller cannot have one.

    A busy lane extends its schedule unless its next slot is later than `latest`. An idle lane starts at
    `earliest`, or, when it joins a site others are using, where their bookings end; it books even beyond
    `latest`, so that it holds its place when its caller comes back (and others' shares shrink meanwhile)."""
    lanes = active_lanes(state, lane, now, policy)
    tokens = lease_size(rate / lanes, policy)
    increment = tokens * lanes / rate
    stale = tuple(
        sorted(
            name
            for name, tat in state.lanes.items()
            if name != lane and tat < now - policy.lane_forget_seconds
        )
    )
    own = state.lanes.get(lane)
    if own is not None and own >= earliest:
        if own > latest:
            return CannotAfford(own - now)
        return LaneBooking("extend", tokens, increment, earliest, latest, own, stale)
    start = earliest
    if own is None or own <= now - policy.lane_idle_seconds:
        frontier = max((tat for name, tat in state.lanes.items() if name != lane), default=now)
        start = max(start, frontier)
    return LaneBooking("start", tokens, increment, earliest, latest, start, stale)


def decreased_rate(
    state: SiteBudgetState,
    cap: float | None,
    headers: RateLimitHeaders,
    *,
    factor: float,
    now: float,
    policy: BudgetPolicy = DEFAULT_POLICY,
) -> float | None:
    """The learned rate after a push-back, or None when the site was slowed within `hold_seconds`."""
    if state.learned_rate is not None and now - state.learned_at < policy.hold_seconds:
        return None
    base = site_rate(state, cap, now, policy)
    if base is None:
        base = headers.limit if headers.limit else policy.initial_rate
    return max(policy.min_rate, base * factor)


@dataclass(frozen=True)
class Slow:
    """Set the site's learned rate (and count a 429 of `reason`, None for an early warning)."""

    rate: float
    reason: str | None


@dataclass(frozen=True)
class Pause:
    """Pause the whole site until `until` (a quota's window)."""

    until: float
    reason: str


@dataclass(frozen=True)
class HoldIssue:
    """Hold writes to one issue until `until`."""

    issue: str
    until: float


@dataclass(frozen=True)
class CountOnly:
    """Count a 429 of `reason`: the site was slowed for it already (within hold_seconds)."""

    reason: str


Lesson = Slow | Pause | HoldIssue | CountOnly | None


def lesson_from_answer(
    request: RequestKind,
    status: int,
    headers: RateLimitHeaders,
    state: SiteBudgetState,
    cap: float | None,
    *,
    now: float,
    policy: BudgetPolicy = DEFAULT_POLICY,
) -> Lesson:
    """What an answer teaches the site's budget (DESIGN.md "Release sends and Jira's rate limits"):
    `jira-per-issue-on-write` holds that issue; `jira-quota-*` pauses the site until the window resets
    (Retry-After or Beta-Retry-After, else X-RateLimit-Reset); `jira-burst-based`, or a 429 naming no reason,
    slows the site; an answer that passes but says the burst budget is nearly spent slows it a little."""
    if status != 429:
        if not (policy.near_limit_share and headers.burst_nearly_spent(policy.near_limit_share)):
            return None
        rate = decreased_rate(state, cap, headers, factor=policy.near_factor, now=now, policy=policy)
        return Slow(rate, None) if rate is not None else None
    reason = headers.reason or UNNAMED
    if reason == PER_ISSUE and request.issue:
        hold = headers.retry_after if headers.retry_after is not None else policy.default_issue_hold
        return HoldIssue(request.issue.upper(), now + hold)
    if reason in QUOTA_REASONS:
        window = headers.retry_after if headers.retry_after is not None else headers.reset_in
        return Pause(now + (window if window is not None else policy.default_quota_pause), reason)
    # Burst, none named, a per-issue refusal of no issue we know, or a reason Jira adds later: slow the site.
    recorded = reason if reason in (BURST, UNNAMED, PER_ISSUE) else UNNAMED
    rate = decreased_rate(state, cap, headers, factor=policy.slow_factor, now=now, policy=policy)
    return Slow(rate, recorded) if rate is not None else CountOnly(recorded)


# --- the budget of one container: its views of the sites, its leased slots, and the callers --------------


@dataclass
class _View:
    state: SiteBudgetState
    read_at: float


class SiteBudgets:
    """Every site's budget as this container sees it (one per container: `wiring.rate_budgets`)."""

    def __init__(
        self,
        store: RateBudgetStore,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        policy: BudgetPolicy = DEFAULT_POLICY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.policy = policy
        self._lock = threading.Lock()
        self._views: dict[str, _View] = {}
        self._slots: dict[tuple[str, str], deque[float]] = {}
        self._holds: dict[tuple[str, str], tuple[float, float]] = {}  # (site, issue) -> (until, read at)
        self._caps: dict[str, tuple[float | None, float]] = {}  # site -> (cap, read at)

    def for_caller(self, site: str, lane: str, *, cap: float | None = None) -> SiteBudget:
        return SiteBudget(self, site, lane, cap)

    def site_cap(self, site: str, read: Callable[[], float | None]) -> float | None:
        """The site's cap, as `read` answers it at most once a `cap_refresh_seconds`."""
        now = self.clock()
        with self._lock:
            known = self._caps.get(site)
        if known is None or now - known[1] >= self.policy.cap_refresh_seconds:
            known = (read(), now)
            with self._lock:
                self._caps[site] = known
        return known[0]

    def view(self, site: str) -> SiteBudgetState:
        now = self.clock()
        with self._lock:
            view = self._views.get(site)
        if view is not None and now - view.read_at < self.policy.refresh_seconds:
            return view.state
        return self.remember(self.store.read(site))

    def remember(self, state: SiteBudgetState) -> SiteBudgetState:
        with self._lock:
            self._views[state.site] = _View(state, self.clock())
        return state

    def issue_hold(self, state: SiteBudgetState, issue: str) -> float:
        """When writes to `issue` may resume (0: no hold); the store is asked only while some issue is held."""
        now = self.clock()
        key = (state.site, issue.upper())
        with self._lock:
            known = self._holds.get(key)
        if known is not None and (known[0] > now or now - known[1] < self.policy.refresh_seconds):
            return known[0]
        if state.issue_holds_until <= now:
            return 0.0
        until = self.store.issue_hold(state.site, issue.upper())
        with self._lock:
            self._holds[key] = (until, now)
        return until

    def note_hold(self, site: str, issue: str, until: float) -> None:
        with self._lock:
            self._holds[(site, issue.upper())] = (until, self.clock())

    def take_slot(self, site: str, lane: str, now: float) -> float | None:
        """A slot leased earlier and not yet used (None when there is none still fresh)."""
        with self._lock:
            slots = self._slots.get((site, lane))
            while slots and slots[0] < now - self.policy.token_ttl_seconds:
                slots.popleft()
            return slots.popleft() if slots else None

    def keep_slots(self, site: str, lane: str, slots: list[float]) -> None:
        with self._lock:
            self._slots.setdefault((site, lane), deque()).extend(slots)


class SiteBudget:
    """One caller's use of a site's budget (a Jira transport): admit each request, learn from each answer."""

    def __init__(self, budgets: SiteBudgets, site: str, lane: str, cap: float | None) -> None:
        self._budgets = budgets
        self.site = site
        self.lane = lane
        self.cap = cap

    @property
    def clock(self) -> Callable[[], float]:
        return self._budgets.clock

    @property
    def sleep(self) -> Callable[[float], None]:
        return self._budgets.sleep

    @property
    def late_tolerance(self) -> float:
        """How late after its slot a request may still go (later, it books a new slot)."""
        return self._budgets.policy.token_ttl_seconds

    def admit(self, request: RequestKind, *, can_wait: float, not_before: float = 0.0) -> float:
        """Seconds to wait before sending `request` (its slot is booked); BudgetExhausted when longer than
        `can_wait`. `not_before`: an earliest time of the request's own (a Retry-After)."""
        budgets, policy = self._budgets, self._budgets.policy
        now = budgets.clock()
        state = budgets.view(self.site)
        earliest, reason = max(now, not_before), "Retry-After"
        if request.write and request.issue:
            hold = budgets.issue_hold(state, request.issue)
            if hold > earliest:
                earliest, reason = hold, PER_ISSUE
        if state.paused_until > earliest:
            earliest, reason = state.paused_until, state.pause_reason or "paused"
        latest = now + max(can_wait, 0.0)
        rate = site_rate(state, self.cap, now, policy)
        if rate is None:
            return self._granted(earliest - now, can_wait, reason)
        slot = budgets.take_slot(self.site, self.lane, now)
        if slot is not None:
            return self._granted(max(slot, earliest) - now, can_wait, "site rate")
        for _ in range(policy.max_attempts):
            plan = plan_booking(
                state, self.lane, rate=rate, now=now, earliest=earliest, latest=latest, policy=policy
            )
            if isinstance(plan, CannotAfford):
                raise BudgetExhausted(plan.wait, reason if earliest > now else "site rate")
            answer = budgets.store.book(self.site, self.lane, plan)
            state = budgets.remember(answer.state)
            if answer.slot is not None:
                spacing = plan.increment / plan.tokens
                budgets.keep_slots(
                    self.site, self.lane, [answer.slot + i * spacing for i in range(1, plan.tokens)]
                )
                return self._granted(answer.slot - now, can_wait, "site rate")
            if state.paused_until > earliest:
                earliest, reason = state.paused_until, state.pause_reason or "paused"
            rate = site_rate(state, self.cap, now, policy) or rate
        raise BudgetExhausted(1.0 / rate, "contention on the site's budget")

    @staticmethod
    def _granted(wait: float, can_wait: float, reason: str) -> float:
        wait = max(0.0, wait)
        if wait > max(can_wait, 0.0):
            raise BudgetExhausted(wait, reason)
        return wait

    def observe(self, request: RequestKind, status: int, headers: RateLimitHeaders) -> None:
        """Learn from Jira's answer: a 429 by its reason; any other answer by how much budget it says is left."""
        budgets, policy = self._budgets, self._budgets.policy
        if status != 429 and not (
            policy.near_limit_share and headers.burst_nearly_spent(policy.near_limit_share)
        ):
            return  # the common answer: nothing to learn, nothing read
        now = budgets.clock()
        lesson = lesson_from_answer(
            request, status, headers, budgets.view(self.site), self.cap, now=now, policy=policy
        )
        store, since = budgets.store, now - policy.hold_seconds
        if isinstance(lesson, HoldIssue):
            budgets.note_hold(self.site, lesson.issue, lesson.until)
            budgets.remember(store.hold_issue(self.site, lesson.issue, lesson.until))
        elif isinstance(lesson, Pause):
            budgets.remember(store.pause(self.site, lesson.until, lesson.reason))
        elif isinstance(lesson, Slow):
            budgets.remember(
                store.slow(self.site, lesson.rate, at=now, unless_since=since, reason=lesson.reason)
            )
        elif isinstance(lesson, CountOnly):
            budgets.remember(store.count_throttle(self.site, lesson.reason))


def jira_site_key(base_url: str) -> str:
    """The budget's key of a Jira site (its normalised base URL); other APIs key their sites their own way."""
    return f"jira:{base_url}"
