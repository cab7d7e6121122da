"""EventBridge schedules, played locally: every `Type: Schedule` (or `ScheduleV2`) event of the template
invokes its function in-process with a scheduled event, every N seconds, in a thread of its own.

N is the schedule's own `rate(...)` unless `<FUNCTION>_INTERVAL_SECONDS` says otherwise, `<FUNCTION>` being
the function's folder in capitals (`functions/reconcile` → `RECONCILE_INTERVAL_SECONDS`); 0 switches the
schedule off locally. A `cron(...)` schedule runs locally only with its variable set. The first run comes N
seconds after the start, as EventBridge's does after a rule is created. The event is EventBridge's
"Scheduled Event" (or the event's `Input`, when it has one), with the rule's ARN in `resources`. A run that
raises is logged and the next one comes on time; runs of one schedule never overlap (a run longer than N
delays the next, like a Lambda function with reserved concurrency 1 would).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.lambda_context import context_for
from aha_jira_dev.local_stack.log_redaction import loggable
from aha_jira_dev.local_stack.template import (
    LOCAL_ACCOUNT_ID,
    LOCAL_REGION,
    LOCAL_STACK_NAME,
    FunctionDef,
    Template,
)

logger = logging.getLogger("aha_jira_dev.local_stack.schedules")

_SCHEDULE_TYPES = ("Schedule", "ScheduleV2")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class ScheduleSource:
    """One schedule event of the template."""

    function: str  # logical id
    event_name: str
    expression: str  # rate(...) or cron(...), parameters resolved to their defaults
    enabled: bool
    input: str | None = None  # the event's `Input`: what EventBridge passes instead of its own event


@dataclass(frozen=True)
class LocalSchedule:
    source: ScheduleSource
    function: FunctionDef
    interval_seconds: float
    variable: str  # the environment variable that set (or could set) the interval


def rate_seconds(expression: str) -> float | None:
    """`rate(5 minutes)` → 300.0; None for a cron expression (or anything else)."""
    found = _RATE.match(expression.strip())
    if found is None:
        return None
    unit = found.group(2).rstrip("s")
    return float(int(found.group(1)) * _UNIT_SECONDS[unit])


def interval_variable(function: FunctionDef) -> str:
    """`RECONCILE_INTERVAL_SECONDS` for the function of folder `reconcile`."""
    return re.sub(r"[^A-Z0-9]+", "_", function.name.upper()) + "_INTERVAL_SECONDS"


def schedule_sources(template: Template) -> list[ScheduleSource]:
    sources: list[ScheduleSource] = []
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") not in _SCHEDULE_TYPES:
                continue
            properties = event.get("Properties") or {}
            expression = template.resolve(
                properties.get("Schedule") or properties.get("ScheduleExpression") or "",
                refs={},
                attributes={},
            )
            state = str(properties.get("State", "ENABLED")).upper()
            enabled = properties.get("Enabled", True)
            sources.append(
                ScheduleSource(
                    function=logical_id,
                    event_name=event_name,
                    expression=str(expression),
                    enabled=_truthy(enabled) and state == "ENABLED",
                    input=str(properties["Input"]) if properties.get("Input") else None,
                )
            )
    return sources


def local_schedules(template: Template, environ: Mapping[str, str] | None = None) -> list[LocalSchedule]:
    """The schedules to run locally, each with its interval (from its variable, else its rate)."""
    environ = os.environ if environ is None else environ
    schedules: list[LocalSchedule] = []
    for source in schedule_sources(template):
        function = template.function(source.function)
        variable = interval_variable(function)
        configured = (environ.get(variable) or "").strip()
        interval = float(configured) if configured else rate_seconds(source.expression)
        if not source.enabled or interval is None or interval <= 0:
            logger.info(
                "%s.%s (%s) does not run locally (set %s to a number of seconds)",
                source.function,
                source.event_name,
                source.expression,
                variable,
            )
            continue
        schedules.append(LocalSchedule(source, function, interval, variable))
    return schedules


def scheduled_event(schedule: LocalSchedule, *, now: datetime | None = None) -> dict[str, Any]:
    """What EventBridge passes the function: its "Scheduled Event", or the schedule's own `Input`."""
    if schedule.source.input is not None:
        event: dict[str, Any] = json.loads(schedule.source.input)
        return event
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rule = f"{LOCAL_STACK_NAME}-{schedule.source.function}{schedule.source.event_name}"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT_ID,
        "time": moment,
        "region": LOCAL_REGION,
        "resources": [f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


class ScheduleRunner:
    """Runs every enabled schedule of the template in its own thread."""

    def __init__(
        self,
        template: Template,
        *,
        handlers: HandlerRegistry | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self.handlers = handlers or HandlerRegistry(template)
        self.schedules = local_schedules(template, environ)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.runs: dict[str, int] = {}  # runs finished, by function logical id

    def fire(self, schedule: LocalSchedule) -> Any:
        """Invoke the schedule's function once, now; its result (None when it raised: logged)."""
        function = schedule.function
        try:
            handler = self.handlers.handler(function.logical_id)
            return handler(scheduled_event(schedule), context_for(function))
        except Exception:
            logger.error(
                "%s failed on its scheduled run (%s):\n%s",
                function.logical_id,
                schedule.source.expression,
                loggable(traceback.format_exc()),
            )
            return None
        finally:
            self.runs[function.logical_id] = self.runs.get(function.logical_id, 0) + 1

    def start(self) -> ScheduleRunner:
        if self._threads:
            return self
        self._stop.clear()
        for schedule in self.schedules:
            thread = threading.Thread(
                target=self._run,
                args=(schedule,),
                name=f"schedule-{schedule.function.logical_id}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _run(self, schedule: LocalSchedule) -> None:
        while not self._stop.wait(schedule.interval_seconds):
            self.fire(schedule)

    def stop(self) -> None:
        """Stop the schedules; waits for a run in progress (up to its function's timeout)."""
        self._stop.set()
        for thread, schedule in zip(self._threads, self.schedules, strict=True):
            thread.join(timeout=schedule.function.timeout_seconds + 5)
        self._threads = []

    def __enter__(self) -> ScheduleRunner:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
