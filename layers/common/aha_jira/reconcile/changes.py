"""The linked issues that changed in Jira since the last sweep, with their state now, for the fewest calls.

Cloud: `POST /search/jql` for the ids of the issues of the group's projects updated since the mark (ids and
the `aha-jira` property only: up to 5,000 a page), the records their property names read in one batch, then
`POST /issue/bulkfetch` of only the linked ones with only the fields a repair needs (100 a call). Issues
nobody links cost nothing past the first, cheap search. Data Center (no bulk fetch): `GET /search` with the
fields and the property at once.

Calls per sweep: ceil(changed / 5,000) + ceil(linked changed / 100) on Cloud, ceil(changed / 100) on Data
Center, whatever the number of issues linked.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from aha_jira.jira.client import JiraClient
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_payloads import JiraIssue
from aha_jira.ports import ReconcileLinkStore
from aha_jira.reconcile.issue_state import FIELDS, STAMP_PROPERTY, IssueState, issue_state
from aha_jira.webhooks.routing import SiteRouting

IDS_PAGE = 5000
FIELDS_PAGE = 100


@dataclass(frozen=True)
class Changed:
    state: IssueState
    link: IssueLink
    asked_at_ms: int  # when Jira was asked for this state (our clock, before the call)


@dataclass
class ChangedScan:
    found: list[Changed]
    changed: int = 0  # issues the search found (linked or not)
    linked: int = 0  # of which a record of this site links


def window_jql(projects: list[str], since_ms: int, now_ms: int) -> str:
    """The issues of `projects` updated since `since_ms`, oldest change first. JQL dates count whole minutes
    in the searching user's time zone: a relative `-Nm` rounded up avoids both."""
    minutes = max(1, math.ceil((now_ms - since_ms) / 60_000))
    keys = ", ".join('"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in projects)
    return f'project in ({keys}) AND updated >= "-{minutes}m" ORDER BY updated ASC'


def changed_linked_issues(
    client: JiraClient,
    routing: SiteRouting,
    links: ReconcileLinkStore,
    *,
    projects: list[str],
    since_ms: int,
    now_ms: int,
) -> ChangedScan:
    jql = window_jql(projects, since_ms, now_ms)
    if not client.is_cloud:
        asked = _now_ms()
        issues = list(client.search(jql, FIELDS, properties=[STAMP_PROPERTY], page_size=FIELDS_PAGE))
        linked = _linked(issues, routing, links)
        found = [
            Changed(state, link, asked) for issue, link in linked if (state := issue_state(issue)) is not None
        ]
        return ChangedScan(found=found, changed=len(issues), linked=len(linked))
    issues = list(client.search(jql, ["id"], properties=[STAMP_PROPERTY], page_size=IDS_PAGE))
    linked = _linked(issues, routing, links)
    by_id = {issue.id: link for issue, link in linked}
    asked = _now_ms()
    fetched = client.bulk_fetch(list(by_id), FIELDS) if by_id else []
    found = [
        Changed(state, by_id[issue.id], asked)
        for issue in fetched
        if issue.id in by_id and (state := issue_state(issue)) is not None
    ]
    return ChangedScan(found=found, changed=len(issues), linked=len(linked))


def _linked(
    issues: list[JiraIssue], routing: SiteRouting, links: ReconcileLinkStore
) -> list[tuple[JiraIssue, IssueLink]]:
    """The issues a record of this site's integrations is linked to, found by the record the issue's
    property names (one batch read per integration) and checked against the record's own issue id."""
    wanted: dict[str, dict[str, JiraIssue]] = {}
    for issue in issues:
        stamp = issue.properties.get(STAMP_PROPERTY)
        if not isinstance(stamp, dict):
            continue
        integration, reference = stamp.get("integration_id"), stamp.get("reference")
        if (
            isinstance(integration, str)
            and isinstance(reference, str)
            and integration in routing.integrations
        ):
            wanted.setdefault(integration, {})[reference] = issue
    found: list[tuple[JiraIssue, IssueLink]] = []
    for integration, by_reference in sorted(wanted.items()):
        for reference, link in links.get_many(integration, list(by_reference)).items():
            issue = by_reference[reference]
            if link.issue_id == issue.id and routing.routes([link]):
                found.append((issue, link))
    return found


def _now_ms() -> int:
    return int(time.time() * 1000)
