"""Fault injection's common part: a rule matches a method (``*`` for any) and a regex searched in the request
path, fires at most ``times`` times (None: until cleared) and then delays the request, drops the connection
before anything is done (``drop_before``), answers a ``status`` instead of handling the request, or drops
the connection after the request was performed (``drop_after_commit``). Each simulator adds its own
conditions (Jira's per-second ``rate_limit``, Aha!'s ``probability``) and its error bodies."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .routing import Response

# Field metadata: what the simulator keeps (never in a rule's spec) and what it does not report either.
KEPT = {"kept": True}
INTERNAL = {"kept": True, "internal": True}


@dataclass
class FaultRule:
    """A rule's spec is its fields but those marked ``KEPT``; ``as_json`` reports all but ``INTERNAL`` ones."""

    id: str = field(metadata=KEPT)
    method: str = "*"
    path: str = ".*"
    times: int | None = 1
    status: int | None = None
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop_after_commit: bool = False
    drop_before: bool = False
    hits: int = field(default=0, metadata=KEPT)  # times it fired
    pattern: re.Pattern[str] | None = field(default=None, metadata=INTERNAL)

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if self.pattern is None:
            self.pattern = re.compile(self.path)
        return self.pattern.search(path) is not None

    @classmethod
    def spec_keys(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls) if not f.metadata.get("kept"))

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.metadata.get("internal")}


@dataclass
class Decision:
    rule_ids: list[str] = field(default_factory=list)
    delay: float = 0.0
    response: Response | None = None
    drop_after_commit: bool = False
    drop_before: bool = False


class FaultRules[R: FaultRule]:
    """The rules in force, in the order added (``fault-1``, ``fault-2``...)."""

    rule_type: type[R]

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[R] = []
        self._ids = itertools.count(1)

    def _new_rule(self, spec: dict[str, Any]) -> R:
        """The rule ``spec`` describes (ValueError on an unknown key, re.error on a bad path regex)."""
        unknown = set(spec) - self.rule_type.spec_keys()
        if unknown:
            raise ValueError(f"unknown fault rule keys: {sorted(unknown)}")
        rule = self.rule_type(id=f"fault-{next(self._ids)}", **spec)
        rule.pattern = re.compile(rule.path)
        return rule

    def _append(self, rule: R) -> R:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_json() for r in self._rules]


def fire[R: FaultRule](rule: R, decision: Decision, respond: Callable[[R], Response]) -> bool:
    """Apply a matching rule that fires to ``decision``; True when no later rule applies (it answers or
    drops the request)."""
    rule.hits += 1
    decision.rule_ids.append(rule.id)
    decision.delay += rule.delay
    if rule.drop_before:
        decision.drop_before = True
        return True
    if rule.status:
        decision.response = respond(rule)
        return True
    if rule.drop_after_commit:
        decision.drop_after_commit = True
        return True
    return False
