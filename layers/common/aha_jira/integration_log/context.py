"""What every integration-log line of one request (or one queue message) shares, set once.

A handler opens a scope per invocation (per SQS record for the retry worker) with its correlation id; a
use case that loads an integration binds its id and product. `record_action` merges the scope into each
line, so call sites pass only what is particular to the action. Context variables keep concurrent
requests apart (the local gateway runs each request in its own thread) and a scope's end restores the
previous state (a warm Lambda container runs invocation after invocation in one thread).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class LogContext:
    correlation_id: str | None = None
    started: float | None = None  # time.monotonic() when the scope opened
    # integration id -> product: one delivery may touch several integrations, so the product is looked up
    # by the line's own integration id, never taken from whichever integration was loaded last.
    products: Mapping[str, str] = field(default_factory=dict)


_current: ContextVar[LogContext] = ContextVar("aha_jira_log_context", default=LogContext())  # noqa: B039


def current_log_context() -> LogContext:
    return _current.get()


@contextmanager
def log_scope(correlation_id: str | None = None) -> Iterator[LogContext]:
    """One invocation (or one SQS record): a fresh context with its correlation id and start time."""
    token = _current.set(LogContext(correlation_id=correlation_id, started=time.monotonic()))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def api_request_id(event: Mapping[str, Any]) -> str | None:
    """The correlation id of an API Gateway REST proxy event: API Gateway's request id."""
    request_context = event.get("requestContext")
    if isinstance(request_context, Mapping):
        value = request_context.get("requestId")
        return str(value) if value else None
    return None


def bind_log_context(
    *, correlation_id: str | None = None, integration_id: str | None = None, product: str | None = None
) -> None:
    """Add to the current scope: a correlation id found later (a webhook's delivery identifier), or an
    integration once it is loaded (its product then appears on every line of that integration)."""
    context = _current.get()
    if correlation_id is not None:
        context = replace(context, correlation_id=correlation_id)
    if integration_id is not None and product is not None:
        context = replace(context, products={**context.products, integration_id: product})
    _current.set(context)


def scope_fields(integration_id: str | None) -> dict[str, Any]:
    """The fields the current scope gives a line of `integration_id`."""
    context = _current.get()
    fields: dict[str, Any] = {}
    if context.correlation_id is not None:
        fields["correlation_id"] = context.correlation_id
    if integration_id is not None and integration_id in context.products:
        fields["product"] = context.products[integration_id]
    if context.started is not None:
        fields["duration_ms"] = elapsed_ms(context.started)
    return fields


def elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


class Timer:
    """`timer = Timer()` before an action, `duration_ms=timer.ms()` on its line."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def ms(self) -> int:
        return elapsed_ms(self.started)
