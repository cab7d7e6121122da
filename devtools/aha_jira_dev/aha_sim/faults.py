"""Fault injection, rule by rule (``POST /_sim/faults`` or ``AhaSimulator.add_fault``).

A rule matches a method (``*`` for any) and a regex searched in the request path (``/api/v1/...``), fires at
most ``times`` times (None: until cleared) and, with ``probability`` below 1, only on that share of the
matching requests (drawn from the simulator's seeded random generator, so a reliability run replays). What it
does, one of or combined with ``delay``:

* ``status``: answer it instead of handling the request (``retry_after``, ``headers``, ``body`` optional);
  429 and 503 carry ``Retry-After`` (default 1 s), 429 also the ``X-Ratelimit-*`` headers;
* ``delay``: seconds to wait first (alone, the request then proceeds; a client whose read timeout is shorter
  sees a timeout);
* ``drop_after_commit``: perform the request fully (the write is applied, its webhooks fire), then close the
  connection without answering; with ``status_after_commit`` (e.g. 502) answer that status instead;
* ``drop_before``: close the connection before anything is done.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aha_jira_dev.simulation import faults as common
from aha_jira_dev.simulation.faults import KEPT

from .routing import Response, error_response

__all__ = ["DEFAULT_MESSAGES", "Decision", "FaultRule", "Faults", "status_response"]

DEFAULT_MESSAGES: dict[int, str] = {
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


@dataclass
class FaultRule(common.FaultRule):
    probability: float = 1.0
    status_after_commit: int | None = None
    matched: int = field(default=0, metadata=KEPT)  # requests it matched (fired or not)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


@dataclass
class Decision(common.Decision):
    status_after_commit: int | None = None


class Faults(common.FaultRules[FaultRule]):
    rule_type = FaultRule

    def __init__(self, seed: int | None = 0) -> None:
        super().__init__()
        self._random = random.Random(seed)

    def seed(self, seed: int | None) -> None:
        with self._lock:
            self._random = random.Random(seed)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = self._new_rule(spec)
        if not 0.0 < float(rule.probability) <= 1.0:
            raise ValueError("probability must be in (0, 1]")
        if rule.times is not None and rule.times < 1:
            raise ValueError("times must be at least 1 (or null: until cleared)")
        if rule.status_after_commit is not None:
            rule.drop_after_commit = True
        if not (rule.status or rule.delay or rule.drop_after_commit or rule.drop_before):
            raise ValueError("a fault rule needs status, delay, drop_after_commit or drop_before")
        return self._append(rule)

    def reset(self, seed: int | None) -> None:
        """No rules, ids from ``fault-1`` again, the generator re-seeded."""
        with self._lock:
            self._rules.clear()
            self._ids = itertools.count(1)
            self._random = random.Random(seed)

    def decide(self, method: str, path: str) -> Decision:
        decision = Decision()
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.matches(method, path):
                    continue
                rule.matched += 1
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                if common.fire(rule, decision, status_response):
                    if decision.drop_after_commit:
                        decision.status_after_commit = rule.status_after_commit
                    break
        return decision


def status_response(rule: FaultRule) -> Response:
    status = int(rule.status or 500)
    headers = dict(rule.headers)
    if status in (429, 503) or rule.retry_after is not None:
        headers.setdefault("Retry-After", str(rule.retry_after if rule.retry_after is not None else 1))
    if status == 429:
        headers.setdefault("X-Ratelimit-Limit", "300")
        headers.setdefault("X-Ratelimit-Remaining", "0")
        headers.setdefault("X-Ratelimit-Reset", str(int(time.time()) + int(headers["Retry-After"])))
    if rule.body is not None:
        return Response(status, rule.body, headers=headers, content_type="application/json; charset=utf-8")
    return error_response(status, DEFAULT_MESSAGES.get(status, "Simulated failure"), headers)
