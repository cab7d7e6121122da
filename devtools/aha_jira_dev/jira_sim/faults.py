"""Fault injection, rule by rule, for tests and benchmarks.

A rule matches on method (``*`` for any) and a path regex (searched in the request path) and applies
``times`` times (None = until cleared). Its action is one of, or a combination of:

* ``status`` (e.g. 429, 500, 502, 503) with optional ``retry_after`` seconds, extra ``headers`` and ``body``;
  429 and 503 answers carry ``Retry-After`` (default 1) and 429 answers the ``X-RateLimit-*`` headers;
* ``delay`` seconds before the request is handled (alone, the request then proceeds normally);
* ``drop_after_commit``: the request is performed fully (e.g. the issue is created and its webhook fired), then
  the connection is closed without a response;
* ``drop_before``: the connection is closed before anything is done;
* ``rate_limit``: at most N calls a second match the rule; beyond that the answer is 429 with ``Retry-After``.
  Calls within the limit go on to the next rule and then to the normal handler.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aha_jira_dev.simulation import faults as common
from aha_jira_dev.simulation.faults import INTERNAL, Decision

from .routing import Response

__all__ = ["DEFAULT_BODIES", "Decision", "FaultRule", "Faults", "status_response", "throttled"]

DEFAULT_BODIES: dict[int, str] = {
    429: "Rate limit exceeded.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable. Jira is temporarily unable to handle the request.",
    504: "Gateway timeout.",
}


@dataclass
class FaultRule(common.FaultRule):
    rate_limit: float | None = None
    _window: deque[float] = field(default_factory=deque, metadata=INTERNAL)


class Faults(common.FaultRules[FaultRule]):
    rule_type = FaultRule

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = self._new_rule(spec)
        if rule.rate_limit is not None and rule.rate_limit <= 0:
            raise ValueError("rate_limit must be positive")
        if rule.rate_limit is not None and "times" not in spec:
            rule.times = None
        if not (rule.status or rule.delay or rule.drop_after_commit or rule.drop_before or rule.rate_limit):
            raise ValueError("a fault rule needs status, delay, drop_after_commit, drop_before or rate_limit")
        return self._append(rule)

    def decide(self, method: str, path: str) -> Decision:
        decision = Decision()
        now = time.monotonic()
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.rate_limit is not None:
                    window = rule._window
                    while window and now - window[0] >= 1.0:
                        window.popleft()
                    if len(window) < rule.rate_limit:
                        window.append(now)
                        continue
                    rule.hits += 1
                    decision.rule_ids.append(rule.id)
                    decision.response = throttled(rule, int(rule.rate_limit))
                    break
                if rule.times is not None and rule.hits >= rule.times:
                    continue
                if common.fire(rule, decision, status_response):
                    break
            self._rules = [r for r in self._rules if r.times is None or r.hits < r.times or r.rate_limit]
        return decision


def status_response(rule: FaultRule) -> Response:
    status = int(rule.status or 500)
    headers = dict(rule.headers)
    if status in (429, 503):
        headers.setdefault("Retry-After", str(rule.retry_after if rule.retry_after is not None else 1))
    elif rule.retry_after is not None:
        headers.setdefault("Retry-After", str(rule.retry_after))
    if status == 429:
        reset = datetime.now(UTC) + timedelta(seconds=int(headers["Retry-After"]))
        headers.setdefault("X-RateLimit-Limit", "100")
        headers.setdefault("X-RateLimit-Remaining", "0")
        headers.setdefault("X-RateLimit-Reset", reset.strftime("%Y-%m-%dT%H:%MZ"))
        headers.setdefault("RateLimit-Reason", "jira-burst-based")
    body = rule.body
    if body is None:
        body = {"errorMessages": [DEFAULT_BODIES.get(status, "Simulated failure.")], "errors": {}}
    return Response(status, body, headers=headers)


def throttled(rule: FaultRule, limit: int) -> Response:
    retry_after = rule.retry_after if rule.retry_after is not None else 1
    reset = datetime.now(UTC) + timedelta(seconds=retry_after)
    headers = {
        "Retry-After": str(retry_after),
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
        "RateLimit-Reason": "jira-burst-based",
    }
    return Response(429, {"errorMessages": [DEFAULT_BODIES[429]], "errors": {}}, headers=headers)
