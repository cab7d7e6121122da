"""The local stack plays the template's EventBridge schedules: each `Type: Schedule` event's function invoked
with a scheduled event every N seconds (its rate, or `<FUNCTION>_INTERVAL_SECONDS`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.schedules import (
    ScheduleRunner,
    interval_variable,
    local_schedules,
    rate_seconds,
    schedule_sources,
    scheduled_event,
)
from aha_jira_dev.local_stack.template import Template, load_template

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  TickSchedule:
    Type: String
    Default: rate(1 minute)
Resources:
  TickFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/tick/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: !Ref TickSchedule
  NightlyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/nightly_report/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 3 * * ? *)
            Input: '{"kind": "nightly"}'
  PausedFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/paused/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        Paused:
          Type: Schedule
          Properties:
            Schedule: rate(2 hours)
            Enabled: false
"""

HANDLER = """
EVENTS = []


def lambda_handler(event, context):
    EVENTS.append(event)
    if event.get("kind") == "nightly" and len(EVENTS) == 1:
        raise RuntimeError("the first nightly run fails")
    return {"runs": len(EVENTS), "remaining_ms": context.get_remaining_time_in_millis()}
"""


@pytest.fixture
def schedule_template(tmp_path: Path) -> Template:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    for folder in ("tick", "nightly_report", "paused"):
        (tmp_path / "functions" / folder).mkdir(parents=True)
        (tmp_path / "functions" / folder / "app.py").write_text(HANDLER)
    return load_template(tmp_path / "template.yaml")


def _events(handlers: HandlerRegistry, function: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = handlers.handler(function).__globals__["EVENTS"]
    return events


def test_schedules_are_read_from_the_template(schedule_template: Template) -> None:
    sources = {source.function: source for source in schedule_sources(schedule_template)}
    assert sources["TickFunction"].expression == "rate(1 minute)" and sources["TickFunction"].enabled
    assert sources["NightlyFunction"].expression == "cron(0 3 * * ? *)"
    assert sources["NightlyFunction"].input == '{"kind": "nightly"}'
    assert sources["PausedFunction"].enabled is False
    # By default: each rate as it is; a cron schedule and a disabled one do not run locally.
    [tick] = local_schedules(schedule_template, {})
    assert tick.function.logical_id == "TickFunction" and tick.interval_seconds == 60.0
    assert tick.variable == "TICK_INTERVAL_SECONDS"
    chosen = local_schedules(
        schedule_template,
        {
            "TICK_INTERVAL_SECONDS": "0",
            "NIGHTLY_REPORT_INTERVAL_SECONDS": "2.5",
            "PAUSED_INTERVAL_SECONDS": "1",
        },
    )
    assert [(s.function.logical_id, s.interval_seconds) for s in chosen] == [("NightlyFunction", 2.5)]


def test_rates_in_seconds() -> None:
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0/5 * * * ? *)") is None
    assert rate_seconds("rate(five minutes)") is None


def test_the_scheduled_event_is_eventbridges(schedule_template: Template) -> None:
    [tick] = local_schedules(schedule_template, {})
    event = scheduled_event(tick)
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
    assert event["detail"] == {} and event["version"] == "0" and event["id"]
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert event["time"].endswith("Z")
    assert scheduled_event(tick)["id"] != event["id"]


def test_the_runner_invokes_each_schedule_every_interval_and_survives_a_failing_run(
    schedule_template: Template,
) -> None:
    handlers = HandlerRegistry(schedule_template)
    environ = {"TICK_INTERVAL_SECONDS": "0.05", "NIGHTLY_REPORT_INTERVAL_SECONDS": "0.05"}
    runner = ScheduleRunner(schedule_template, handlers=handlers, environ=environ)
    with runner:
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline
            and min(runner.runs.get("TickFunction", 0), runner.runs.get("NightlyFunction", 0)) < 3
        ):
            time.sleep(0.02)
    ticks, nightly = _events(handlers, "TickFunction"), _events(handlers, "NightlyFunction")
    assert len(ticks) >= 3 and all(event["detail-type"] == "Scheduled Event" for event in ticks)
    assert len({event["id"] for event in ticks}) == len(ticks)
    # The schedule's Input instead of EventBridge's event; the first run raised and the next ones came.
    assert len(nightly) >= 3 and all(event == {"kind": "nightly"} for event in nightly)
    assert _events(handlers, "PausedFunction") == []
    stopped = runner.runs["TickFunction"]
    time.sleep(0.2)
    assert runner.runs["TickFunction"] == stopped


def test_the_roadmap_sweep_runs_every_roadmap_delivery_interval_seconds(
    repo_template: Template, aws: LocalResources, handler_registry: HandlerRegistry
) -> None:
    [schedule] = [s for s in local_schedules(repo_template, {}) if s.function.name == "roadmap_delivery"]
    assert schedule.interval_seconds == 60 and schedule.variable == "ROADMAP_DELIVERY_INTERVAL_SECONDS"
    [quick] = [
        s
        for s in local_schedules(repo_template, {"ROADMAP_DELIVERY_INTERVAL_SECONDS": "0.1"})
        if s.function.name == "roadmap_delivery"
    ]
    assert quick.interval_seconds == 0.1
    runner = ScheduleRunner(
        repo_template, handlers=handler_registry, environ={"ROADMAP_DELIVERY_INTERVAL_SECONDS": "0"}
    )
    assert all(s.function.name != "roadmap_delivery" for s in runner.schedules)
    # EventBridge's event reaches the sweep (nothing is pending: nothing to enqueue).
    assert ScheduleRunner(repo_template, handlers=handler_registry).fire(quick) == {"enqueued": 0}


def test_the_reconcile_runs_every_reconcile_interval_seconds(
    repo_template: Template, aws: LocalResources, handler_registry: HandlerRegistry
) -> None:
    [schedule] = [s for s in local_schedules(repo_template, {}) if s.function.name == "reconcile"]
    assert schedule.interval_seconds == 300 and schedule.variable == "RECONCILE_INTERVAL_SECONDS"
    assert interval_variable(schedule.function) == "RECONCILE_INTERVAL_SECONDS"
    [quick] = [
        s
        for s in local_schedules(repo_template, {"RECONCILE_INTERVAL_SECONDS": "0.1"})
        if s.function.name == "reconcile"
    ]
    assert quick.interval_seconds == 0.1
    runner = ScheduleRunner(
        repo_template, handlers=handler_registry, environ={"RECONCILE_INTERVAL_SECONDS": "0"}
    )
    assert all(s.function.name != "reconcile" for s in runner.schedules)
    result = ScheduleRunner(repo_template, handlers=handler_registry).fire(quick)
    assert result == {"sites": [], "repaired": 0, "jira_calls": 0}
