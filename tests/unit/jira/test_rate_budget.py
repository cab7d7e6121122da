"""The site budget's policy as pure functions of its state and a time given by the test (no clock, no store):
the site's rate (learned, capped), each integration's lane and share, and what each answer teaches."""

from __future__ import annotations

import pytest

from aha_jira.jira.rate_budget import (
    BudgetPolicy,
    CannotAfford,
    CountOnly,
    HoldIssue,
    Pause,
    RequestKind,
    Slow,
    active_lanes,
    learned_rate_now,
    lease_size,
    lesson_from_answer,
    plan_booking,
    site_rate,
)
from aha_jira.jira.rate_limits import RateLimitHeaders
from aha_jira.jira.transport import request_kind
from aha_jira.models.rate_budget import LaneBooking, SiteBudgetState

NOW = 1_800_000_000.0
POLICY = BudgetPolicy()
SITE = "jira:https://acme.atlassian.net"
WRITE = RequestKind(write=True, issue="MOB-7")


def state(**fields: object) -> SiteBudgetState:
    return SiteBudgetState(site=SITE, **fields)  # type: ignore[arg-type]


def answer(status: int = 429, **headers: object) -> tuple[int, RateLimitHeaders]:
    return status, RateLimitHeaders(**headers)  # type: ignore[arg-type]


# --- the site's rate --------------------------------------------------------------------------------


def test_a_free_site_has_no_rate() -> None:
    assert site_rate(state(), None, NOW) is None


def test_the_cap_limits_the_site_and_the_lower_of_cap_and_learned_rate_wins() -> None:
    assert site_rate(state(), 5.0, NOW) == 5.0
    learned = state(learned_rate=8.0, learned_at=NOW)
    assert site_rate(learned, None, NOW) == 8.0
    assert site_rate(learned, 5.0, NOW) == 5.0
    assert site_rate(learned, 20.0, NOW) == 8.0


def test_a_learned_rate_grows_additively_and_is_forgotten_without_new_signals() -> None:
    learned = state(learned_rate=10.0, learned_at=NOW)
    assert learned_rate_now(learned, NOW + 10, POLICY) == pytest.approx(
        10.0 * (1 + 10 * POLICY.increase_share)
    )
    assert learned_rate_now(learned, NOW + POLICY.forget_seconds, POLICY) is None
    assert site_rate(learned, None, NOW + POLICY.forget_seconds) is None  # free again


def test_the_rate_never_falls_below_the_floor() -> None:
    assert site_rate(state(learned_rate=0.01, learned_at=NOW), None, NOW) == POLICY.min_rate


# --- lanes: one per integration, equal shares -------------------------------------------------------


def test_a_busy_lane_extends_its_schedule_one_share_at_a_time() -> None:
    plan = plan_booking(
        state(lanes={"mob": NOW + 0.3}), "mob", rate=10.0, now=NOW, earliest=NOW, latest=NOW + 5
    )
    assert isinstance(plan, LaneBooking)
    assert (plan.form, plan.start, plan.tokens) == ("extend", NOW + 0.3, 1)
    assert plan.increment == pytest.approx(0.1)


def test_two_active_integrations_each_get_half_the_site() -> None:
    busy = state(lanes={"mob": NOW + 0.3, "web": NOW + 0.2})
    assert active_lanes(busy, "mob", NOW) == 2
    plan = plan_booking(busy, "mob", rate=10.0, now=NOW, earliest=NOW, latest=NOW + 5)
    assert isinstance(plan, LaneBooking) and plan.increment == pytest.approx(0.2)


def test_a_lane_idle_longer_than_lane_idle_seconds_no_longer_takes_a_share() -> None:
    idle = state(lanes={"mob": NOW + 0.3, "web": NOW - POLICY.lane_idle_seconds - 1})
    assert active_lanes(idle, "mob", NOW) == 1


def test_a_lane_whose_next_slot_is_beyond_what_the_caller_can_wait_books_nothing() -> None:
    plan = plan_booking(
        state(lanes={"mob": NOW + 8}), "mob", rate=10.0, now=NOW, earliest=NOW, latest=NOW + 5
    )
    assert plan == CannotAfford(8.0)


def test_an_idle_member_starts_at_once_and_a_newcomer_where_the_others_bookings_end() -> None:
    member = plan_booking(
        state(lanes={"mob": NOW - 1, "web": NOW + 3}), "mob", rate=10.0, now=NOW, earliest=NOW, latest=NOW + 5
    )
    assert isinstance(member, LaneBooking) and (member.form, member.start) == ("start", NOW)
    newcomer = plan_booking(
        state(lanes={"web": NOW + 3}), "mob", rate=10.0, now=NOW, earliest=NOW, latest=NOW + 5
    )
    assert isinstance(newcomer, LaneBooking) and (newcomer.form, newcomer.start) == ("start", NOW + 3)


def test_a_newcomer_books_its_place_even_beyond_what_its_caller_can_wait() -> None:
    """So that its caller, told to come back later, finds its share waiting (not a queue as long again)."""
    plan = plan_booking(
        state(lanes={"web": NOW + 20}), "mob", rate=10.0, now=NOW, earliest=NOW, latest=NOW + 5
    )
    assert isinstance(plan, LaneBooking) and plan.start == NOW + 20


def test_no_slot_before_the_earliest_the_request_may_go() -> None:
    plan = plan_booking(
        state(lanes={"mob": NOW + 0.3}), "mob", rate=10.0, now=NOW, earliest=NOW + 2, latest=NOW + 5
    )
    assert isinstance(plan, LaneBooking) and (plan.form, plan.start) == ("start", NOW + 2)


def test_lanes_idle_for_an_hour_are_removed() -> None:
    old = state(lanes={"mob": NOW, "gone": NOW - POLICY.lane_forget_seconds - 1})
    plan = plan_booking(old, "mob", rate=10.0, now=NOW, earliest=NOW, latest=NOW + 5)
    assert isinstance(plan, LaneBooking) and plan.stale_lanes == ("gone",)


@pytest.mark.parametrize(("lane_rate", "tokens"), [(0.5, 1), (10, 1), (19.9, 1), (20, 2), (45, 4), (100, 5)])
def test_several_slots_are_booked_at_once_only_where_requests_come_fast(
    lane_rate: float, tokens: int
) -> None:
    assert lease_size(lane_rate) == tokens


# --- what answers teach -----------------------------------------------------------------------------


def test_a_burst_429_slows_the_site_from_the_rate_in_force() -> None:
    status, headers = answer(reason="jira-burst-based", retry_after=1.0)
    learned = state(learned_rate=10.0, learned_at=NOW - 5)
    lesson = lesson_from_answer(WRITE, status, headers, learned, None, now=NOW)
    assert lesson == Slow(
        pytest.approx(10.0 * (1 + 5 * POLICY.increase_share) * POLICY.slow_factor), "jira-burst-based"
    )


def test_a_first_burst_429_starts_from_the_limit_jira_names_or_a_default() -> None:
    status, named = answer(reason="jira-burst-based", limit=40.0)
    assert lesson_from_answer(WRITE, status, named, state(), None, now=NOW) == Slow(
        pytest.approx(40 * POLICY.slow_factor), "jira-burst-based"
    )
    status, unnamed = answer()  # a 429 that names neither reason nor limit (Data Center, a proxy)
    assert lesson_from_answer(WRITE, status, unnamed, state(), None, now=NOW) == Slow(
        pytest.approx(POLICY.initial_rate * POLICY.slow_factor), "unnamed"
    )


def test_a_capped_site_is_slowed_from_its_cap() -> None:
    status, headers = answer(reason="jira-burst-based")
    assert lesson_from_answer(WRITE, status, headers, state(), 4.0, now=NOW) == Slow(
        pytest.approx(4.0 * POLICY.slow_factor), "jira-burst-based"
    )


def test_one_decrease_per_hold_period_whoever_sees_the_429() -> None:
    status, headers = answer(reason="jira-burst-based")
    recent = state(learned_rate=10.0, learned_at=NOW - POLICY.hold_seconds / 2)
    assert lesson_from_answer(WRITE, status, headers, recent, None, now=NOW) == CountOnly("jira-burst-based")


def test_a_per_issue_429_holds_that_issue_for_its_retry_after() -> None:
    status, headers = answer(reason="jira-per-issue-on-write", retry_after=3.0)
    lesson = lesson_from_answer(
        RequestKind(write=True, issue="mob-7"), status, headers, state(), None, now=NOW
    )
    assert lesson == HoldIssue("MOB-7", NOW + 3.0)


def test_a_per_issue_429_of_no_known_issue_slows_the_site_instead() -> None:
    status, headers = answer(reason="jira-per-issue-on-write", retry_after=3.0)
    lesson = lesson_from_answer(RequestKind(write=True), status, headers, state(), None, now=NOW)
    assert isinstance(lesson, Slow) and lesson.reason == "jira-per-issue-on-write"


@pytest.mark.parametrize("reason", ["jira-quota-tenant-based", "jira-quota-global-based"])
def test_a_quota_429_pauses_the_site_until_the_window_resets(reason: str) -> None:
    status, headers = answer(reason=reason, retry_after=1200.0, reset_in=1500.0)
    assert lesson_from_answer(WRITE, status, headers, state(), None, now=NOW) == Pause(NOW + 1200.0, reason)
    status, reset_only = answer(reason=reason, reset_in=1500.0)  # no Retry-After: X-RateLimit-Reset
    assert lesson_from_answer(WRITE, status, reset_only, state(), None, now=NOW) == Pause(
        NOW + 1500.0, reason
    )
    status, neither = answer(reason=reason)
    assert lesson_from_answer(WRITE, status, neither, state(), None, now=NOW) == Pause(
        NOW + POLICY.default_quota_pause, reason
    )


def test_an_answer_with_half_its_burst_budget_left_slows_the_site_a_little_before_any_429() -> None:
    status, nearly = answer(200, limit=20.0, remaining=9.0)
    assert lesson_from_answer(WRITE, status, nearly, state(), None, now=NOW) == Slow(
        pytest.approx(20 * POLICY.near_factor), None
    )
    status, plenty = answer(200, limit=20.0, remaining=11.0, near_limit=True)  # the numbers decide
    assert lesson_from_answer(WRITE, status, plenty, state(), None, now=NOW) is None


def test_nearlimit_alone_slows_the_site_unless_it_means_the_points_quota() -> None:
    status, bare = answer(200, near_limit=True)
    assert isinstance(lesson_from_answer(WRITE, status, bare, state(), None, now=NOW), Slow)
    status, quota = answer(200, near_limit=True, quota_remaining=120.0)
    assert lesson_from_answer(WRITE, status, quota, state(), None, now=NOW) is None


def test_early_warnings_can_be_switched_off() -> None:
    status, nearly = answer(200, limit=20.0, remaining=1.0, near_limit=True)
    policy = BudgetPolicy(near_limit_share=0.0)
    assert lesson_from_answer(WRITE, status, nearly, state(), None, now=NOW, policy=policy) is None


# --- which requests a per-issue limit concerns ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "write", "issue"),
    [
        ("GET", "/rest/api/3/issue/MOB-7", False, None),
        ("POST", "/rest/api/3/search/jql", False, None),
        ("POST", "/rest/api/3/issue/bulkfetch", False, None),
        ("POST", "/rest/api/3/issue", True, None),
        ("POST", "/rest/api/3/issue/bulk", True, None),
        ("PUT", "/rest/api/3/issue/MOB-7", True, "MOB-7"),
        ("PUT", "/rest/api/2/issue/10042/properties/aha-jira", True, "10042"),
        ("POST", "/rest/api/3/issue/MOB-7/transitions", True, "MOB-7"),
        ("DELETE", "/rest/api/3/issue/MOB-7/comment/5", True, "MOB-7"),
    ],
)
def test_request_kinds(method: str, path: str, write: bool, issue: str | None) -> None:
    assert request_kind(method, path) == RequestKind(write=write, issue=issue)
