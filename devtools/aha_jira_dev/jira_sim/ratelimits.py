"""Jira Cloud's rate limits, per simulated site, off until configured.

Jira Cloud applies three independent limits (Atlassian, "Rate limiting" and "Build an app that respects rate
limits"); a 429 names the one that refused in ``RateLimit-Reason``:

* **burst** (``jira-burst-based``): requests per second, a token bucket per endpoint class (``read``: GETs and
  the read-only POSTs such as ``search/jql`` and the bulk fetches; ``write``: every other POST/PUT/DELETE) or,
  with ``scope: "endpoint"``, per HTTP method and path template. ``Retry-After`` is the wait for one token.
* **per-issue writes** (``jira-per-issue-on-write``): at most ``writes`` writes (any POST/PUT/DELETE under
  ``issue/{issueIdOrKey}``: edits, transitions, comments, worklogs, attachments, properties) to one issue in any
  ``window_seconds``. ``Retry-After`` is when the oldest write leaves the window.
* **hourly points quota** (``jira-quota-tenant-based``; ``global_quota``: ``jira-quota-global-based``): each call
  costs 1 point, a read 1 more per object it returns (``points_per_object``, issues/comments/changelogs...), a
  write only the base point; once the window's points are spent every call is refused until the window resets
  (``window_seconds``, 3600 like Jira; tests use seconds; windows follow one another from the moment the
  limits are configured). ``retry_header`` picks ``Retry-After``,
  ``Beta-Retry-After`` or ``both``; ``apps_only`` limits the quota to app traffic (Connect JWT), as Atlassian
  enforces points for apps while API-token traffic keeps the burst limits.

Every 429 carries ``Retry-After`` (whole seconds, at least 1; or ``Beta-Retry-After``), ``X-RateLimit-Limit``,
``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (``yyyy-MM-ddTHH:mmZ``, the request time plus the wait) and
``RateLimit-Reason``. Answers that pass carry ``X-RateLimit-Limit``/``X-RateLimit-Remaining`` of the burst
bucket, ``Beta-RateLimit-Policy``/``Beta-RateLimit`` of the quota, and ``X-RateLimit-NearLimit: true`` while less
than 20% of any budget is left.

Time is a ``RateClock``: real monotonic time times ``scale`` plus whatever ``advance`` added, so tests step over
a window without sleeping. Waits in headers are real seconds (a simulated wait divided by the scale).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .routing import Response

BURST = "jira-burst-based"
PER_ISSUE = "jira-per-issue-on-write"
QUOTA_TENANT = "jira-quota-tenant-based"
QUOTA_GLOBAL = "jira-quota-global-based"
REASONS = (BURST, PER_ISSUE, QUOTA_TENANT, QUOTA_GLOBAL)
NEAR_LIMIT_RATIO = 0.2

# POSTs that only read (Jira classes them with the GETs).
READ_POSTS = frozenset(
    {
        "/rest/api/{v}/search/jql",
        "/rest/api/{v}/search",
        "/rest/api/{v}/search/approximate-count",
        "/rest/api/{v}/issue/bulkfetch",
        "/rest/api/{v}/changelog/bulkfetch",
        "/rest/api/{v}/comment/list",
    }
)
Refusal = tuple[str, float, int, str]  # reason, simulated wait, limit, retry header
OBJECT_LISTS = ("issues", "comments", "worklogs", "values", "issueChangeLogs", "changeHistories")


class RateClock:
    """Seconds on a scalable, steppable clock (``now()``); ``source`` injects any monotonic clock."""

    def __init__(self, source: Callable[[], float] | None = None) -> None:
        self._source = source or time.monotonic
        self._lock = threading.Lock()
        self._origin = self._source()
        self._base = 0.0
        self.scale = 1.0

    def now(self) -> float:
        with self._lock:
            return self._base + (self._source() - self._origin) * self.scale

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._base += seconds

    def set_scale(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        with self._lock:
            reading = self._source()
            self._base += (reading - self._origin) * self.scale
            self._origin = reading
            self.scale = scale

    def real_seconds(self, simulated: float) -> int:
        """A simulated wait as Retry-After: whole real seconds, at least 1."""
        return max(1, math.ceil(simulated / self.scale - 1e-9))


@dataclass
class Bucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now


@dataclass
class QuotaConfig:
    points: int
    window_seconds: float = 3600.0
    points_per_object: int = 1
    retry_header: str = "Retry-After"
    apps_only: bool = False


@dataclass
class Config:
    burst: dict[str, tuple[float, float]] = field(default_factory=dict)  # class -> (rate, capacity)
    burst_scope: str = "class"
    per_issue: tuple[int, float] | None = None  # (writes, window seconds)
    quotas: dict[str, QuotaConfig] = field(default_factory=dict)  # reason -> config

    @property
    def active(self) -> bool:
        return bool(self.burst or self.per_issue or self.quotas)


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be a positive number")
    return float(value)


def _keys(given: dict[str, Any], allowed: set[str], name: str) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise ValueError(f"unknown keys in {name}: {unknown}; known: {sorted(allowed)}")


def parse_config(spec: dict[str, Any]) -> Config:  # noqa: PLR0912
    """The JSON configuration (``PUT /_sim/rate-limits``); ValueError names what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("the rate-limit configuration is a JSON object")
    _keys(spec, {"burst", "per_issue_write", "quota", "global_quota"}, "the configuration")
    config = Config()
    burst = spec.get("burst")
    if burst is not None:
        if not isinstance(burst, dict):
            raise ValueError("burst is an object such as {'read': {'rate': 50}, 'write': {'rate': 10}}")
        _keys(burst, {"read", "write", "scope"}, "burst")
        scope = burst.get("scope", "class")
        if scope not in ("class", "endpoint"):
            raise ValueError("burst.scope is 'class' or 'endpoint'")
        config.burst_scope = scope
        for cls in ("read", "write"):
            limit = burst.get(cls)
            if limit is None:
                continue
            if not isinstance(limit, dict):
                raise ValueError(f"burst.{cls} is an object {{'rate': n, 'capacity': n}}")
            _keys(limit, {"rate", "capacity"}, f"burst.{cls}")
            rate = _positive(limit.get("rate"), f"burst.{cls}.rate")
            capacity = _positive(limit.get("capacity", rate), f"burst.{cls}.capacity")
            config.burst[cls] = (rate, max(capacity, 1.0))
    per_issue = spec.get("per_issue_write")
    if per_issue is not None:
        if not isinstance(per_issue, dict):
            raise ValueError("per_issue_write is an object {'writes': n, 'window_seconds': s}")
        _keys(per_issue, {"writes", "window_seconds"}, "per_issue_write")
        writes = _positive(per_issue.get("writes"), "per_issue_write.writes")
        window = _positive(per_issue.get("window_seconds", 1), "per_issue_write.window_seconds")
        config.per_issue = (int(writes), window)
    for key, reason in (("quota", QUOTA_TENANT), ("global_quota", QUOTA_GLOBAL)):
        quota = spec.get(key)
        if quota is None:
            continue
        if not isinstance(quota, dict):
            raise ValueError(f"{key} is an object {{'points': n, 'window_seconds': s, ...}}")
        _keys(quota, {"points", "window_seconds", "points_per_object", "retry_header", "apps_only"}, key)
        header = quota.get("retry_header", "Retry-After")
        if header not in ("Retry-After", "Beta-Retry-After", "both"):
            raise ValueError(f"{key}.retry_header is 'Retry-After', 'Beta-Retry-After' or 'both'")
        per_object = quota.get("points_per_object", 1)
        if isinstance(per_object, bool) or not isinstance(per_object, int) or per_object < 0:
            raise ValueError(f"{key}.points_per_object is a whole number, 0 or more")
        config.quotas[reason] = QuotaConfig(
            points=int(_positive(quota.get("points"), f"{key}.points")),
            window_seconds=_positive(quota.get("window_seconds", 3600), f"{key}.window_seconds"),
            points_per_object=per_object,
            retry_header=header,
            apps_only=bool(quota.get("apps_only", False)),
        )
    return config


@dataclass
class Admission:
    """The limiter's verdict on one call: a 429 to answer, or what to charge once it is answered."""

    refused: Response | None = None
    headers: dict[str, str] = field(default_factory=dict)
    quotas: list[str] = field(default_factory=list)  # the quotas to charge for objects afterwards
    is_read: bool = False
    generation: int = 0


class RateLimits:
    def __init__(self, clock: RateClock | None = None) -> None:
        self.clock = clock or RateClock()
        self._lock = threading.Lock()
        self.config = Config()
        self.generation = 0
        self._reset_levels()
        self.reset_counters()

    # configuration -------------------------------------------------------------------------------------
    def configure(self, spec: dict[str, Any] | None) -> None:
        config = parse_config(spec) if spec else Config()
        with self._lock:
            self.config = config
            self._reset_levels()
            self._clear_counters()

    def _reset_levels(self) -> None:
        self._buckets: dict[str, Bucket] = {}
        self._writes: dict[str, deque[float]] = {}
        self._quota_used: dict[str, tuple[int, int]] = {}  # reason -> (window index, points used)
        self._origin = self.clock.now()  # quota windows start when the limits are configured
        self.generation += 1

    def reset_counters(self) -> None:
        with self._lock:
            self._clear_counters()

    def _clear_counters(self) -> None:
        self._calls = 0
        self._allowed = 0
        self._throttled: Counter[str] = Counter()
        self._by_class: dict[str, Counter[str]] = {"read": Counter(), "write": Counter()}
        self._per_second: Counter[int] = Counter()
        self._first: float | None = None
        self._last: float | None = None
        self._points = 0

    # admission -------------------------------------------------------------------------------------------
    def admit(self, method: str, template: str, issue_ref: str | None, auth_kind: str) -> Admission:
        """Check every configured limit, widest scope first (quota, burst, per issue); charge the call when
        all pass. ``issue_ref`` is the issue a write goes to (id), None for other calls."""
        is_read = method == "GET" or template in READ_POSTS
        cls = "read" if is_read else "write"
        with self._lock:
            now = self.clock.now()
            self._calls += 1
            self._by_class[cls]["calls"] += 1
            admission = Admission(is_read=is_read, generation=self.generation)
            if self.config.active:
                quotas = [
                    reason
                    for reason, q in self.config.quotas.items()
                    if not (q.apps_only and auth_kind != "jwt")
                ]
                refusal = (
                    self._check_quotas(quotas, now)
                    or self._check_burst(method, template, cls, now)
                    or self._check_per_issue(issue_ref, is_read, now)
                )
                if refusal is not None:
                    return self._refuse(admission, cls, refusal)
                self._charge(
                    admission,
                    quotas=quotas,
                    method=method,
                    template=template,
                    cls=cls,
                    issue_ref=issue_ref if not is_read else None,
                    now=now,
                )
            self._count_allowed(now)
            return admission

    def _check_quotas(self, quotas: list[str], now: float) -> Refusal | None:
        for reason in sorted(quotas, key=lambda r: r != QUOTA_GLOBAL):  # the global quota first
            q = self.config.quotas[reason]
            index, used = self._quota(reason, now)
            if used >= q.points:
                return reason, self._origin + (index + 1) * q.window_seconds - now, q.points, q.retry_header
        return None

    def _bucket(self, method: str, template: str, cls: str, now: float) -> Bucket | None:
        if cls not in self.config.burst:
            return None
        key = cls if self.config.burst_scope == "class" else f"{method} {template}"
        rate, capacity = self.config.burst[cls]
        bucket = self._buckets.setdefault(key, Bucket(rate, capacity, capacity, now))
        bucket.refill(now)
        return bucket

    def _check_burst(self, method: str, template: str, cls: str, now: float) -> Refusal | None:
        bucket = self._bucket(method, template, cls, now)
        if bucket is None or bucket.tokens >= 1:
            return None
        return BURST, (1 - bucket.tokens) / bucket.rate, int(bucket.capacity), "Retry-After"

    def _window(self, issue_ref: str, now: float) -> deque[float]:
        assert self.config.per_issue is not None
        seconds = self.config.per_issue[1]
        window = self._writes.setdefault(issue_ref, deque())
        while window and now - window[0] >= seconds:
            window.popleft()
        return window

    def _check_per_issue(self, issue_ref: str | None, is_read: bool, now: float) -> Refusal | None:
        if self.config.per_issue is None or issue_ref is None or is_read:
            return None
        writes, seconds = self.config.per_issue
        window = self._window(issue_ref, now)
        if len(window) < writes:
            return None
        return PER_ISSUE, window[0] + seconds - now, writes, "Retry-After"

    def _charge(
        self,
        admission: Admission,
        *,
        quotas: list[str],
        method: str,
        template: str,
        cls: str,
        issue_ref: str | None,
        now: float,
    ) -> None:
        """Take a point from each quota, a token from the bucket and a slot of the issue's window; note the
        headers a passing answer carries."""
        near = False
        for reason in quotas:
            q = self.config.quotas[reason]
            index, used = self._quota(reason, now)
            self._quota_used[reason] = (index, used + 1)
            self._points += 1
            remaining = q.points - used - 1
            near = near or remaining < NEAR_LIMIT_RATIO * q.points
            name = "global-app-quota" if reason == QUOTA_GLOBAL else "tenant-app-quota"
            reset_in = self.clock.real_seconds(self._origin + (index + 1) * q.window_seconds - now)
            admission.headers["Beta-RateLimit-Policy"] = f'"{name}";q={q.points};w={int(q.window_seconds)}'
            admission.headers["Beta-RateLimit"] = f'"{name}";r={remaining};t={reset_in}'
        admission.quotas = quotas
        bucket = self._bucket(method, template, cls, now)
        if bucket is not None:
            bucket.tokens -= 1
            admission.headers["X-RateLimit-Limit"] = str(int(bucket.capacity))
            admission.headers["X-RateLimit-Remaining"] = str(max(int(bucket.tokens), 0))
            near = near or bucket.tokens < NEAR_LIMIT_RATIO * bucket.capacity
        if issue_ref is not None and self.config.per_issue is not None:
            self._window(issue_ref, now).append(now)
        if near:
            admission.headers["X-RateLimit-NearLimit"] = "true"

    def settle(self, admission: Admission, response: Response) -> None:
        """After the call: a read pays a point per object it returned; the pass headers join the answer."""
        for name, value in admission.headers.items():
            response.headers.setdefault(name, value)
        if not admission.quotas or not admission.is_read or response.status >= 300:
            return
        objects = count_objects(response.body)
        if not objects:
            return
        with self._lock:
            if admission.generation != self.generation:
                return
            now = self.clock.now()
            for reason in admission.quotas:
                q = self.config.quotas.get(reason)
                if q is None or not q.points_per_object:
                    continue
                index, used = self._quota(reason, now)
                self._quota_used[reason] = (index, used + objects * q.points_per_object)
                self._points += objects * q.points_per_object

    def _quota(self, reason: str, now: float) -> tuple[int, int]:
        q = self.config.quotas[reason]
        index = int((now - self._origin) // q.window_seconds)
        stored_index, used = self._quota_used.get(reason, (index, 0))
        return (index, used) if stored_index == index else (index, 0)

    def _count_allowed(self, now: float) -> None:
        self._allowed += 1
        self._per_second[int(now)] += 1
        if len(self._per_second) > 7200:  # keep two hours of seconds
            for second in sorted(self._per_second)[:3600]:
                del self._per_second[second]
        self._first = now if self._first is None else self._first
        self._last = now

    def _refuse(self, admission: Admission, cls: str, refusal: Refusal) -> Admission:
        reason, wait, limit, retry_header = refusal
        self._throttled[reason] += 1
        self._by_class[cls]["throttled"] += 1
        seconds = self.clock.real_seconds(max(wait, 0.0))
        reset = datetime.now(UTC) + timedelta(seconds=seconds)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "RateLimit-Reason": reason,
            "X-RateLimit-NearLimit": "true",
        }
        if retry_header in ("Retry-After", "both"):
            headers["Retry-After"] = str(seconds)
        if retry_header in ("Beta-Retry-After", "both"):
            headers["Beta-Retry-After"] = str(seconds)
        body = {"errorMessages": ["Rate limit exceeded."], "errors": {}}
        admission.refused = Response(429, body, headers=headers)
        return admission

    # reporting -------------------------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """Configuration, counters and current levels (``GET /_sim/rate-limits``)."""
        with self._lock:
            now = self.clock.now()
            config = self.config
            elapsed = (
                (self._last - self._first) if self._first is not None and self._last is not None else 0.0
            )
            throttled_total = sum(self._throttled.values())
            levels: dict[str, Any] = {"burst": {}, "per_issue_write": {}, "quota": None, "global_quota": None}
            for key, bucket in self._buckets.items():
                bucket.refill(now)
                levels["burst"][key] = {
                    "tokens": round(bucket.tokens, 3),
                    "capacity": bucket.capacity,
                    "rate": bucket.rate,
                }
            if config.per_issue is not None:
                seconds = config.per_issue[1]
                busy = {k: sum(1 for t in w if now - t < seconds) for k, w in self._writes.items()}
                levels["per_issue_write"] = {k: n for k, n in sorted(busy.items()) if n}
            for reason, q in config.quotas.items():
                index, used = self._quota(reason, now)
                levels["quota" if reason == QUOTA_TENANT else "global_quota"] = {
                    "used": used,
                    "remaining": max(q.points - used, 0),
                    "resets_in_seconds": round(self._origin + (index + 1) * q.window_seconds - now, 3),
                }
            return {
                "active": config.active,
                "config": _config_json(config),
                "counters": {
                    "calls": self._calls,
                    "allowed": self._allowed,
                    "throttled": {reason: self._throttled[reason] for reason in REASONS},
                    "throttled_total": throttled_total,
                    "throttled_share": round(throttled_total / self._calls, 6) if self._calls else 0.0,
                    "by_class": {cls: dict(c) for cls, c in self._by_class.items()},
                    "points_used": self._points,
                    "elapsed_seconds": round(elapsed, 3),
                    "allowed_per_second": round(self._allowed / elapsed, 3) if elapsed > 0 else None,
                    "peak_allowed_per_second": max(self._per_second.values(), default=0),
                },
                "levels": levels,
                "clock": {"now": round(now, 3), "scale": self.clock.scale},
            }


def _config_json(config: Config) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if config.burst:
        out["burst"] = {cls: {"rate": r, "capacity": c} for cls, (r, c) in config.burst.items()}
        out["burst"]["scope"] = config.burst_scope
    if config.per_issue is not None:
        out["per_issue_write"] = {"writes": config.per_issue[0], "window_seconds": config.per_issue[1]}
    for reason, q in config.quotas.items():
        out["quota" if reason == QUOTA_TENANT else "global_quota"] = {
            "points": q.points,
            "window_seconds": q.window_seconds,
            "points_per_object": q.points_per_object,
            "retry_header": q.retry_header,
            "apps_only": q.apps_only,
        }
    return out


def count_objects(body: Any) -> int:
    """How many objects a read returned (issues, comments, changelogs...), for the points quota."""
    if isinstance(body, list):
        return len(body)
    if not isinstance(body, dict):
        return 0
    for key in OBJECT_LISTS:
        value = body.get(key)
        if isinstance(value, list):
            if key == "issueChangeLogs":
                return sum(len(x.get("changeHistories") or []) for x in value if isinstance(x, dict))
            return len(value)
    return 0
