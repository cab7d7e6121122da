"""The rotating check of a site's linked issues: deletions the webhook never delivered, and anything the
`updated` window could not show.

A deleted issue leaves no trace a search can find, so finding one costs a look at each linked issue. Each
sweep looks at a fixed number of them (`RECONCILE_AUDIT_ISSUES`, default 500: 5 bulk fetches on Cloud, one
search on Data Center), resuming where the last sweep stopped (the site's `audit_after`), so the cost of a
sweep never grows with the issues linked and every linked issue is looked at once every
ceil(linked / 500) sweeps. An issue Jira no longer returns is asked for once more on its own (a deletion is
rare, so these calls grow with deletions only) before its record is detached. Jira says "does not exist"
of an issue the account may not see, so nothing is detached when more than half of a slice is missing at
once or the account no longer sees the project (one more call, only when something is missing): the sweep
says so in the integration's log instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraNotFound
from aha_jira.models.issue_link import IssueLink
from aha_jira.ports import ReconcileLinkStore
from aha_jira.reconcile.changes import Changed
from aha_jira.reconcile.issue_state import CLOCK_SKEW_MS, FIELDS, issue_state

_QUERY_PAGE = 100
SEARCH_CHUNK = 500  # ids in one Data Center `id in (...)` search: a URL of a few kilobytes
# More than this share of a slice missing at once is no deletion: the account cannot see the issues.
DOUBT_SHARE = 0.5
DOUBT_MINIMUM = 5


@dataclass
class AuditResult:
    present: list[Changed] = field(default_factory=list)
    deleted: list[tuple[IssueLink, int]] = field(default_factory=list)  # (record, deletion mark ms)
    doubted: list[IssueLink] = field(default_factory=list)  # missing, but too many at once to believe


def auditable(link: IssueLink, site_url: str) -> bool:
    return (
        link.state == "linked"
        and bool(link.issue_id)
        and link.site_url == site_url
        and not link.jira.detached
    )


def audit_slice(
    links: ReconcileLinkStore,
    integration_ids: list[str],
    cursor: str | None,
    limit: int,
    *,
    site_url: str,
    skip: set[str],
) -> tuple[list[IssueLink], str | None]:
    """Up to `limit` of the integrations' linked records after `cursor` (`<integration id>|<reference>`),
    going round to the first ones when the last are reached, leaving out records of the issues in `skip`;
    and the cursor to resume from (None: from the first)."""
    ordered = sorted(integration_ids)
    if limit <= 0 or not ordered:
        return [], None
    start, _, after = (cursor or "").partition("|")
    if start not in ordered:
        start, after = next((i for i in ordered if i > start), ordered[0]), ""
    collect = _Collect(links, site_url, skip, limit)
    # From the cursor to the end, then from the first record up to the cursor.
    if collect.run(ordered[ordered.index(start) :], start, after or None, until=None):
        return collect.chosen, collect.cursor
    if cursor and collect.run(ordered, ordered[0], None, until=(start, after)):
        return collect.chosen, collect.cursor
    return collect.chosen, None


@dataclass
class _Collect:
    links: ReconcileLinkStore
    site_url: str
    skip: set[str]
    limit: int
    chosen: list[IssueLink] = field(default_factory=list)
    cursor: str | None = None

    def run(
        self, integrations: list[str], first: str, after: str | None, *, until: tuple[str, str] | None
    ) -> bool:
        """Collect records of `integrations` (the first one after `after`) up to `until`; True once full."""
        for integration in integrations:
            if until is not None and integration > until[0]:
                return False
            resume = after if integration == first else None
            while True:
                page, resume = self.links.linked_page(integration, resume, _QUERY_PAGE)
                for link in page:
                    if until is not None and (integration, link.reference) > until:
                        return False
                    if auditable(link, self.site_url) and link.issue_id not in self.skip:
                        self.chosen.append(link)
                        if len(self.chosen) >= self.limit:
                            self.cursor = f"{integration}|{link.reference}"
                            return True
                if resume is None:
                    break
        return False


def check_existence(client: JiraClient, slice_: list[IssueLink], *, projects: list[str]) -> AuditResult:
    """Which of the records' issues Jira still has (with their state) and which it has deleted. `projects`:
    the projects the issues belong to, which the account must still see for a missing issue to count."""
    result = AuditResult()
    if not slice_:
        return result
    # Jira's issue ids are numbers; a stored one that is not never reaches a JQL query.
    by_id = {
        str(link.issue_id): link
        for link in slice_
        if str(link.issue_id).isascii() and str(link.issue_id).isdigit()
    }
    asked = int(time.time() * 1000)
    if client.is_cloud:
        issues = client.bulk_fetch(list(by_id), FIELDS)
    else:
        issues = []
        ids = list(by_id)
        for start in range(0, len(ids), SEARCH_CHUNK):
            chunk = ids[start : start + SEARCH_CHUNK]
            jql = f"id in ({', '.join(chunk)})"
            issues += client.search(jql, FIELDS, page_size=len(chunk), validate_query="warn")
    for issue in issues:
        link = by_id.pop(issue.id, None)
        state = issue_state(issue)
        if link is not None and state is not None:
            result.present.append(Changed(state, link, asked))
    missing = list(by_id.values())
    if not missing:
        return result
    too_many = len(missing) > max(DOUBT_MINIMUM, DOUBT_SHARE * len(slice_))
    if too_many or not _projects_visible(client, projects):
        result.doubted = missing
        return result
    for link in missing:
        try:
            client.get_issue(str(link.issue_id), ["updated"])
        except JiraNotFound:
            result.deleted.append((link, int(time.time() * 1000) + CLOCK_SKEW_MS))
            continue
        # Still there (a search that lagged behind, an issue moved): the next round looks at it again.
    return result


def _projects_visible(client: JiraClient, projects: list[str]) -> bool:
    """Jira answers "does not exist" for an issue the account may not see: the account must still see the
    projects for the missing issues to be deleted ones."""
    for key in projects:
        try:
            client.project(key)
        except JiraNotFound:
            return False
    return True
