"""EventBridge schedules, played locally: every `Type: Schedule` event of the template runs its function.

In AWS a schedule's rule (`rate(1 minute)`, `cron(...)`) invokes the function with EventBridge's "Scheduled
Event" (or the event's `Input`, a JSON document, instead). Locally each schedule runs in a thread of its own,
first one interval after the start, then every interval. The interval is, in order:

- `SCHEDULE_INTERVAL_SECONDS_<EventName>` (the event's name in the template, e.g.
  `SCHEDULE_INTERVAL_SECONDS_RoadmapDeliverySweep=2`),
- `SCHEDULE_INTERVAL_SECONDS` (every schedule),
- the default the local stack gives the event (`intervals=`, e.g. a few seconds for the roadmap sweep, so a
  demo does not wait a minute; `runner.LOCAL_SCHEDULE_INTERVALS`),
- the expression's own rate (`rate(5 minutes)`: 300 s; a `cron(...)` expression: 60 s).

A schedule whose `Enabled` is false (or `State: DISABLED`) does not run. A failing run is logged, and the
next one comes at its time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import traceback
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.lambda_context import context_for
from aha_jira_dev.local_stack.log_redaction import loggable
from aha_jira_dev.local_stack.template import LOCAL_ACCOUNT_ID, LOCAL_REGION, Template

logger = logging.getLogger("aha_jira_dev.local_stack.schedules")

INTERVAL_VARIABLE = "SCHEDULE_INTERVAL_SECONDS"
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
CRON_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True)
class ScheduleEventSource:
    """One `Type: Schedule` event: a function run on a schedule expression."""

    function: str  # logical id
    event_name: str
    expression: str
    input: Any = None  # the event's `Input` (parsed JSON), passed instead of the scheduled event
    enabled: bool = True

    @property
    def expression_seconds(self) -> float:
        """The expression's own interval (a cron expression counts as a minute)."""
        found = _RATE.fullmatch(self.expression.strip())
        if found is None:
            return CRON_INTERVAL_SECONDS
        return float(int(found.group(1)) * _UNIT_SECONDS[found.group(2).rstrip("s")])


def schedule_event_sources(template: Template) -> list[ScheduleEventSource]:
    found: list[ScheduleEventSource] = []
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "Schedule":
                continue
            properties = event.get("Properties") or {}
            raw_input = properties.get("Input")
            enabled = properties.get("Enabled", True) is not False and properties.get("State") != "DISABLED"
            found.append(
                ScheduleEventSource(
                    function=logical_id,
                    event_name=event_name,
                    expression=str(properties.get("Schedule", "")),
                    input=json.loads(raw_input) if isinstance(raw_input, str) else raw_input,
                    enabled=enabled,
                )
            )
    return found


def interval_seconds(
    source: ScheduleEventSource,
    defaults: Mapping[str, float] | None = None,
    environment: Mapping[str, str] | None = None,
) -> float:
    env = os.environ if environment is None else environment
    for value in (env.get(f"{INTERVAL_VARIABLE}_{source.event_name}"), env.get(INTERVAL_VARIABLE)):
        if value:
            return max(0.05, float(value))
    if defaults and source.event_name in defaults:
        return defaults[source.event_name]
    return source.expression_seconds


def scheduled_event(source: ScheduleEventSource, *, now: datetime | None = None) -> Any:
    """What EventBridge passes: the event's `Input` when it has one, else a Scheduled Event."""
    if source.input is not None:
        return source.input
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rule = f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:rule/{source.function}-{source.event_name}"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT_ID,
        "time": at,
        "region": LOCAL_REGION,
        "resources": [rule],
        "detail": {},
    }


class ScheduleRunner:
    """Runs every enabled schedule of the template, each in its own thread."""

    def __init__(
        self,
        template: Template,
        *,
        handlers: HandlerRegistry | None = None,
        intervals: Mapping[str, float] | None = None,
        sources: Sequence[ScheduleEventSource] | None = None,
    ) -> None:
        self.template = template
        self.handlers = handlers or HandlerRegistry(template)
        self.defaults = dict(intervals or {})
        found = schedule_event_sources(template) if sources is None else list(sources)
        self.sources = [source for source in found if source.enabled]
        self.runs: dict[str, int] = {source.event_name: 0 for source in self.sources}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def interval(self, source: ScheduleEventSource) -> float:
        return interval_seconds(source, self.defaults)

    def run_once(self, source: ScheduleEventSource) -> Any:
        """Invoke the schedule's function once, as its rule would."""
        function = self.handlers.function(source.function)
        result = self.handlers.handler(source.function)(scheduled_event(source), context_for(function))
        self.runs[source.event_name] = self.runs.get(source.event_name, 0) + 1
        return result

    def start(self) -> ScheduleRunner:
        if self._threads:
            return self
        self._stop.clear()
        for source in self.sources:
            thread = threading.Thread(
                target=self._run, args=(source,), name=f"schedule-{source.event_name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _run(self, source: ScheduleEventSource) -> None:
        while not self._stop.wait(self.interval(source)):
            try:
                self.run_once(source)
            except Exception:
                logger.error(
                    "schedule %s of %s failed; it runs again in %.0f s:\n%s",
                    source.event_name,
                    source.function,
                    self.interval(source),
                    loggable(traceback.format_exc()),
                )

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []

    def __enter__(self) -> ScheduleRunner:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
