"""The Aha! calls of the events about a record that exists in Aha! (DESIGN.md "Aha! type"):

- `record.linked`: the Jira issue's `key`, `id` and `url` as integration fields on the feature, under
  `roadmap.integration_ref` (Aha!'s API has none on requirements);
- `record.status_changed`: `PUT /features/{ref}` (or `/requirements/{ref}`) with `workflow_status.name`: one
  call per change of the mapped status, none when it is the status already delivered (the memo forgets it
  before a PUT: one whose answer is lost may be done, and a newer event back to that status must still PUT);
- `record.time_tracked`: Aha!'s time tracking events add up, so the connector keeps what it posted for the
  record (`memo.posted_minutes`, its events' ids) and posts only the difference; before it posts, it reads
  the record's work done and records the intent, so a post that was done while its answer was lost is
  recognised on the next attempt (the work done went up by it) and never posted twice. That attempt first
  lets the post settle (`Waiting` until `ROADMAP_TIME_SETTLE_SECONDS` after its answer was given up on):
  Aha! may still apply a request it was slow to answer, and a read before then would miss it. Less time than
  posted takes the connector's own events back: counted off and kept as an intent before the DELETE, which
  the next time event (this one's retry, or a newer one that supersedes it) finishes first, so a delete
  done while its answer was lost is never counted as still posted;
- `record.detached`: a comment on the record, posted once (an intent, then the comments read back).

Each function takes the Aha! client, the record's delivery and the event, and answers an `Outcome` or raises
an `AhaError` (the connector turns it into one).
"""

from __future__ import annotations

from contextlib import suppress
from html import escape
from typing import Any

from aha_jira.aha.client import AhaClient
from aha_jira.aha.errors import AhaError, AhaNotFound
from aha_jira.aha.payloads import RecordAttributes, RecordKind
from aha_jira.models.roadmap_event import DELETED_IN_JIRA, RoadmapEvent
from aha_jira.roadmap.outcomes import Delivered, Outcome, RecordDelivery, Skipped, Waiting
from aha_jira.settings import roadmap_delivery_timing


def deliver_linked(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    integration_ref = record.integration.roadmap.integration_ref
    if event.kind != "feature":
        return Skipped("Aha!'s API has no integration fields on requirements; the feature carries the link")
    if not integration_ref:
        return Skipped(
            "roadmap.integration_ref is not set, so the Jira link is not shown in Aha!",
            hint="Set roadmap.integration_ref to the id of the Aha! integration that should show Jira links.",
        )
    jira = event.data.get("jira") or {}
    fields = {name: str(jira[name]) for name in ("key", "id", "url") if jira.get(name)}
    if not fields:
        return Skipped("the event names no Jira issue")
    client.set_integration_fields(record.reference, integration_ref, fields)
    return Delivered(f"Jira {fields.get('key')} set as integration fields under {integration_ref}")


def deliver_status(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    status = event.data.get("status")
    jira_status = event.data.get("jira_status")
    if not status:
        return Skipped(
            f"Jira status '{jira_status}' is not mapped to a roadmap status",
            hint="Add it to mapping.statuses so Aha! follows the issue.",
        )
    if record.memo.get("status") == status:
        return Skipped(f"Aha! has the status '{status}' already (Jira: {jira_status})")
    if record.memo.pop("status", None) is not None:
        # From here Aha!'s status is unknown until the PUT answers: if its answer is lost, the PUT may be
        # done, and a newer event back to the old status (superseding this one) must PUT, not skip.
        record.keep()
    client.update_record(event.kind, record.reference, RecordAttributes(workflow_status=status))
    record.memo["status"] = status
    return Delivered(f"workflow status '{status}' (Jira: {jira_status})")


def _minutes(seconds: Any) -> int | None:
    return round(seconds / 60) if isinstance(seconds, int | float) else None


def _work_done(client: AhaClient, kind: RecordKind, reference: str) -> float:
    found = client.feature(reference) if kind == "feature" else client.requirement(reference)
    return float(found.work_done or 0)


def deliver_time(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    if event.kind == "epic":
        return Skipped("Aha! tracks no time on epics (its API has no time tracking events for them)")
    tracking = event.data.get("time_tracking") or {}
    return sync_time(
        client, record, event.kind, tracking.get("spent_seconds"), tracking.get("remaining_seconds")
    )


def sync_time(
    client: AhaClient, record: RecordDelivery, kind: RecordKind, spent: Any, remaining: Any
) -> Outcome:
    """Bring the record's work done in Aha! to `spent` (seconds) and its remaining estimate to `remaining`."""
    memo = record.memo
    unsettled = _unsettled_post(record)
    if unsettled is not None:
        return unsettled  # nothing read nor posted before it settles (a newer event waits for it too)
    target = _minutes(spent) or 0
    remaining_minutes = _minutes(remaining)
    for event_id in list(memo.get("time_deletes") or []):
        _delete_time_event(client, record, event_id)  # a take-back whose answer was lost: finished first
    _resolve_intent(client, record, kind)
    posted = int(memo.get("posted_minutes", 0))
    said: list[str] = []
    if target < posted:
        posted = _take_back(client, record, posted, target)
        said.append(f"took back own time tracking events down to {posted} min")
    if target > posted:
        delta = target - posted
        before = _work_done(client, kind, record.reference)
        intent = {"before": before, "minutes": delta, "at": record.now()}
        memo["time_intent"] = intent
        record.keep()  # the post below may be done while its answer is lost: the next attempt checks
        try:
            logged = client.log_time(
                kind, record.reference, work_done_minutes=delta, remaining_minutes=remaining_minutes
            )
        except AhaError as error:
            if error.may_have_committed:
                # The settle window runs from when the answer was given up on (the request may have waited
                # for the request budget before it went).
                intent["at"] = record.now()
            else:
                memo.pop("time_intent", None)  # Aha! did not take it (a 429, no connection): nothing to check
            record.keep()
            raise
        memo.pop("time_intent", None)
        posted += delta
        memo.setdefault("time_events", []).append([logged.id, delta])
        memo["remaining_minutes"] = remaining_minutes
        said.append(f"work done +{delta} min (total {posted} min)")
    elif remaining_minutes is not None and remaining_minutes != memo.get("remaining_minutes"):
        # No work to add: an event of no work carries the new remaining estimate (repeating it is harmless).
        client.log_time(kind, record.reference, work_done_minutes=0, remaining_minutes=remaining_minutes)
        memo["remaining_minutes"] = remaining_minutes
        said.append(f"remaining estimate {remaining_minutes} min")
    memo["posted_minutes"] = posted
    if not said:
        return Skipped(f"Aha! has this time tracking already ({posted} min of work done by Jira)")
    if posted > target:
        said.append(
            f"{posted - target} min more than Jira's could not be taken back (posted by an answer-less call)"
        )
    return Delivered("; ".join(said))


def _unsettled_post(record: RecordDelivery) -> Waiting | None:
    """An earlier attempt's post whose answer was given up on less than the settle window ago: Aha! may still
    apply it (a request it was slow to answer), so the record's work done says nothing yet about it."""
    intent = record.memo.get("time_intent")
    if not isinstance(intent, dict) or not isinstance(intent.get("at"), int | float):
        return None  # none, or kept before intents had a time: judged at once
    window = roadmap_delivery_timing().time_settle_seconds
    # At most one window at a time, should this clock be behind the one that kept the intent.
    left = min(float(intent["at"]) + window - record.now(), window)
    if left <= 0:
        return None
    return Waiting(
        f"waiting for a time tracking post of {intent.get('minutes')} min whose answer was lost to settle: "
        f"Aha! may still apply it; its work done is read in {left:.1f} s",
        seconds=left,
    )


def _resolve_intent(client: AhaClient, record: RecordDelivery, kind: RecordKind) -> None:
    """An earlier attempt recorded that it was about to post work and never heard back, and the post has
    settled since (`_unsettled_post`): read the record's work done to learn whether it was done."""
    intent = record.memo.pop("time_intent", None)
    if not intent:
        return
    now = _work_done(client, kind, record.reference)
    if now >= float(intent["before"]) + float(intent["minutes"]) - 0.5:
        record.memo["posted_minutes"] = int(record.memo.get("posted_minutes", 0)) + int(intent["minutes"])
        # Its id is unknown (the answer was lost): it cannot be taken back later.
        record.memo.setdefault("time_events", []).append([None, int(intent["minutes"])])
    record.keep()


def _take_back(client: AhaClient, record: RecordDelivery, posted: int, target: int) -> int:
    """Delete the connector's own time tracking events, newest first, while more than `target` is posted."""
    memo = record.memo
    events: list[list[Any]] = memo.setdefault("time_events", [])
    for entry in reversed(list(events)):
        if posted <= target:
            break
        event_id, minutes = entry
        if event_id is None:  # posted by an answer-less call: its id is unknown, it cannot be deleted
            continue
        # Counted off and kept as an intent before the call: a DELETE whose answer is lost may be done, and
        # the next time event (a newer one may supersede this one) finishes it before it counts anything.
        events.remove(entry)
        posted -= int(minutes)
        memo["posted_minutes"] = posted
        memo.setdefault("time_deletes", []).append(str(event_id))
        record.keep()
        _delete_time_event(client, record, str(event_id))
    return posted


def _delete_time_event(client: AhaClient, record: RecordDelivery, event_id: str) -> None:
    # Not found: deleted before (an answer-less delete now retried), or by someone in Aha!.
    with suppress(AhaNotFound):
        client.delete_time_tracking_event(event_id)
    pending: list[str] = record.memo.get("time_deletes") or []
    if event_id in pending:
        pending.remove(event_id)
    if not pending:
        record.memo.pop("time_deletes", None)


def comment_html(record: RecordDelivery, event: RoadmapEvent) -> str:
    jira = event.data.get("jira") or {}
    key = escape(str(jira.get("key") or "its Jira issue"))
    if event.data.get("reason") == DELETED_IN_JIRA:
        said = f"The Jira issue {key} was deleted"
    else:
        said = f"The Jira issue {key} is no longer followed"
    return f"<p>{said}: this {event.kind} is no longer linked to Jira (aha-jira integration {escape(record.integration_id)}).</p>"


def deliver_detached(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    body = comment_html(record, event)
    intents: dict[str, str] = record.memo.setdefault("comment_intents", {})
    # An earlier attempt may have posted it without hearing back: look before posting again.
    if str(event.id) in intents and any(
        (comment.body or "").strip() == body for comment in client.comments(event.kind, record.reference)
    ):
        intents.pop(str(event.id), None)
        return Delivered("comment found, posted by an earlier attempt")
    intents[str(event.id)] = body
    record.keep()
    client.add_comment(event.kind, record.reference, body)
    intents.pop(str(event.id), None)
    return Delivered("comment posted: the record is detached from Jira")
