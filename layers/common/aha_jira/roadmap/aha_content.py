"""The Aha! calls of the two-way content events (`mapping.two_way`, DESIGN.md "Two-way content"):

- `record.renamed`: `PUT /features/{ref}` (or `/requirements/{ref}`) with `name`;
- `record.described`: the same with `description` (HTML, read back from Jira's ADF or wiki markup).

Both set the record's whole value, so repeating one is harmless, and only the newest waiting one is delivered
(the types are states: an older one still waiting is superseded). Aha!'s webhook fired by these writes is
not sent back to Jira (`roadmap_inbound/echo.py`: the API key's own audit, or content equal to Jira's).
"""

from __future__ import annotations

from aha_jira.aha.client import AhaClient
from aha_jira.aha.payloads import RecordAttributes
from aha_jira.models.roadmap_event import RoadmapEvent
from aha_jira.roadmap.outcomes import Delivered, Outcome, RecordDelivery, Skipped

_NO_EPICS = "Aha! epics are not renamed or described from Jira (only features and requirements are)"


def _jira_key(event: RoadmapEvent) -> str:
    jira = event.data.get("jira") or {}
    return str(jira.get("key") or "its Jira issue")


def deliver_renamed(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    if event.kind == "epic":
        return Skipped(_NO_EPICS)
    name = event.data.get("name")
    if not isinstance(name, str) or not name.strip():
        return Skipped("the event carries no name")
    client.update_record(event.kind, record.reference, RecordAttributes(name=name))
    return Delivered(f"renamed '{name}' (the summary of {_jira_key(event)})")


def deliver_described(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    if event.kind == "epic":
        return Skipped(_NO_EPICS)
    description = event.data.get("description")
    if not isinstance(description, str):
        return Skipped("the event carries no description")
    client.update_record(event.kind, record.reference, RecordAttributes(description=description))
    return Delivered(f"description set from {_jira_key(event)} ({len(description)} characters of HTML)")
