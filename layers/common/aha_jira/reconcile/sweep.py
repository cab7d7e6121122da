"""The scheduled reconcile (DESIGN.md "Release sends and Jira's rate limits", "Self-healing"): Jira gives up on
a webhook after its retries, and admin webhooks get lost; every few minutes each Jira site is asked what its
linked issues look like now, and what a record missed is applied through the webhook's own ordered,
idempotent path (`repair`), logged as `webhook.missed`.

Per site (its mark leased, so two sweeps never work one site at once):
1. per group of integrations calling as one Jira account, the linked issues updated since the site's mark
   (less an overlap: JQL counts minutes, and Cloud's search lags a few seconds) with their state
   (`changes`), each record that missed something repaired (`issue_state`, `repair`);
2. a fixed slice of the site's linked issues looked at again, deletions among them (`audit`);
3. the mark moved to this sweep's start when every group answered (else kept: the next sweep looks again,
   and repeats nothing it already repaired), the newest linked change noted (`webhook_silent`), the repairs
   counted per integration (`webhook.health.missed_last_24h`).

Every call goes through the site's request budget (`wiring.rate_budgets`), as a send's would.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from aha_jira.integration_log import Outcome, record_action
from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraError
from aha_jira.ports import InstallationReader, ReconcileLinkStore, ReconcileSiteStore, SecretStore, SweepStore
from aha_jira.reconcile.audit import audit_slice, check_existence
from aha_jira.reconcile.changes import Changed, changed_linked_issues
from aha_jira.reconcile.issue_state import deletion_event, missed, repair_mark, settled, update_event
from aha_jira.reconcile.repair import repair
from aha_jira.reconcile.sites import AccountGroup, SiteWork, site_work, sites_with_integrations
from aha_jira.webhooks.receive import WebhookServices

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets

# A sweep stops starting new work this long before its deadline (its last repairs and the mark still fit).
_RESERVE_SECONDS = 15.0


@dataclass(frozen=True)
class ReconcileServices:
    integrations: ReconcileSiteStore
    secret_store: SecretStore
    installations: InstallationReader
    links: ReconcileLinkStore
    webhooks: WebhookServices  # the webhook's own services: its transaction, its delivery records
    marks: SweepStore
    rate_budgets: SiteBudgets


@dataclass(frozen=True)
class SweepOptions:
    audit_issues: int = 500  # linked issues looked at again per site and sweep
    overlap_minutes: int = 2
    first_lookback_minutes: int = 24 * 60  # a site's first sweep looks this far back
    # How long a sweep holds a site (None: until the function's deadline, and a little more).
    lease_seconds: float | None = None


class SiteSweep(BaseModel):
    """What one sweep did on one Jira site."""

    site_url: str
    outcome: Literal["swept", "partial", "busy", "gone"]
    changed: int = 0  # issues of the site's projects the window search found, linked or not
    linked_changed: int = 0
    too_fresh: int = 0  # changed too recently to repair now: the next sweep's window holds them
    repaired: int = 0
    deleted: int = 0
    audited: int = 0
    doubted: int = 0  # missing from a slice where too many were missing to detach them
    search_calls: int = 0
    fetch_calls: int = 0
    audit_calls: int = 0
    throttled_seconds: float = 0.0

    @property
    def jira_calls(self) -> int:
        return self.search_calls + self.fetch_calls + self.audit_calls


class SweepReport(BaseModel):
    sites: list[SiteSweep]

    def total(self, name: str) -> int:
        return sum(int(getattr(site, name)) for site in self.sites)


@dataclass
class _SiteRun:
    work: SiteWork
    services: ReconcileServices
    deadline: float
    report: SiteSweep
    handled: set[str] = field(default_factory=set)  # issue ids looked at this sweep
    failed: set[int] = field(default_factory=set)  # groups Jira could not be asked for
    note_changes: bool = True  # the window follows an earlier sweep: its changes are news
    repairs: Counter[str] = field(default_factory=Counter)
    newest_change_ms: int = 0
    clients: dict[int, JiraClient] = field(default_factory=dict)  # by group index

    def time_left(self) -> bool:
        return time.time() < self.deadline - _RESERVE_SECONDS


def sweep(
    services: ReconcileServices, *, deadline: float, options: SweepOptions | None = None
) -> SweepReport:
    """One sweep of every Jira site with integrations; `deadline` (epoch seconds) is the function's."""
    options = options or SweepOptions()
    sites: list[SiteSweep] = []
    for site_url, integration_ids in sorted(sites_with_integrations(services.integrations).items()):
        if time.time() >= deadline - _RESERVE_SECONDS:
            break
        sites.append(sweep_site(site_url, integration_ids, services, deadline=deadline, options=options))
    return SweepReport(sites=sites)


def sweep_site(
    site_url: str,
    integration_ids: list[str],
    services: ReconcileServices,
    *,
    deadline: float,
    options: SweepOptions,
) -> SiteSweep:
    started = time.time()
    lease = options.lease_seconds if options.lease_seconds is not None else max(deadline - started, 0) + 30
    mark = services.marks.claim(site_url, now=started, lease_seconds=lease)
    if mark is None:
        return SiteSweep(site_url=site_url, outcome="busy")
    work = site_work(site_url, integration_ids, services.integrations)
    if work is None or not work.groups:
        services.marks.finish(mark, swept_to=int(started * 1000), audit_after=None)
        return SiteSweep(site_url=site_url, outcome="gone")
    run = _SiteRun(work, services, deadline, SiteSweep(site_url=site_url, outcome="swept"))
    # A site's first window reaches back before anything noted its deliveries: its changes are no sign of a
    # silent webhook (`webhook_silent`).
    run.note_changes = mark.swept_to is not None
    now_ms = int(started * 1000)
    lookback = options.first_lookback_minutes * 60_000
    since_ms = (mark.swept_to if mark.swept_to is not None else now_ms - lookback) - (
        options.overlap_minutes * 60_000
    )
    complete = True
    for index, group in enumerate(work.groups):
        complete &= _sweep_changes(run, index, group, since_ms=since_ms, now_ms=now_ms)
    audit_after = _audit(run, mark.audit_after, options.audit_issues) if run.time_left() else mark.audit_after
    if not complete:
        run.report.outcome = "partial"
    for client in run.clients.values():
        run.report.throttled_seconds += client.transport.throttle.waited_seconds
    services.marks.finish(mark, swept_to=now_ms if complete else None, audit_after=audit_after)
    if run.newest_change_ms:
        services.marks.note_linked_change(site_url, run.newest_change_ms / 1000)
    for integration_id, count in sorted(run.repairs.items()):
        services.marks.add_missed(integration_id, count, now=time.time())
    _log_site(run.report)
    return run.report


def _client(run: _SiteRun, index: int, group: AccountGroup) -> JiraClient:
    client = run.clients.get(index)
    if client is None:
        services = run.services
        client = group.client(
            services.secret_store,
            installations=services.installations,
            budgets=services.rate_budgets,
            sites=services.integrations,
            deadline=run.deadline - _RESERVE_SECONDS,
        )
        run.clients[index] = client
    return client


def _sweep_changes(run: _SiteRun, index: int, group: AccountGroup, *, since_ms: int, now_ms: int) -> bool:
    """The group's changed linked issues, repaired; False when Jira could not be asked (the mark stays)."""
    if not run.time_left():
        return False
    try:
        client = _client(run, index, group)
        before = len(client.transport.calls)
        scan = changed_linked_issues(
            client,
            run.work.routing,
            run.services.links,
            projects=group.projects,
            since_ms=since_ms,
            now_ms=now_ms,
        )
    except JiraError as error:
        run.failed.add(index)
        _log_failure(group, error, "look for the issues that changed in Jira")
        return False
    calls = client.transport.calls[before:]
    run.report.search_calls += sum(1 for _, path in calls if "/search" in path)
    run.report.fetch_calls += sum(1 for _, path in calls if "/search" not in path)
    run.report.changed += scan.changed
    run.report.linked_changed += scan.linked
    for item in scan.found:
        _check(run, item, in_window=True)
    return True


def _check(run: _SiteRun, item: Changed, *, in_window: bool = False) -> None:
    """Repair the record when it missed something of the issue's state (and the state has settled)."""
    state, link = item.state, item.link
    if state.issue_id in run.handled:
        return
    run.handled.add(state.issue_id)
    if in_window and run.note_changes:
        run.newest_change_ms = max(run.newest_change_ms, state.updated_ms)
    what = missed(link, state)
    if not what:
        return
    if not settled(state, item.asked_at_ms):
        run.report.too_fresh += 1
        return
    event = update_event(state)
    if event is None:
        return
    repaired = repair(
        run.work.routing, link, event, what, run.services.webhooks, mark=str(repair_mark(state))
    )
    run.repairs.update(repaired)
    run.report.repaired += len(repaired)


def _audit(run: _SiteRun, cursor: str | None, limit: int) -> str | None:
    """Look at the next slice of the site's linked issues; the cursor to resume from."""
    ids = [i for group in run.work.groups for i in group.integration_ids]
    chosen, after = audit_slice(
        run.services.links, ids, cursor, limit, site_url=run.work.site_url, skip=run.handled
    )
    group_of = {i: index for index, group in enumerate(run.work.groups) for i in group.integration_ids}
    for index, group in enumerate(run.work.groups):
        mine = [link for link in chosen if group_of.get(link.integration_id) == index]
        if not mine or index in run.failed or not run.time_left():
            continue
        try:
            client = _client(run, index, group)
            before = len(client.transport.calls)
            result = check_existence(client, mine, projects=group.projects)
        except JiraError as error:
            _log_failure(group, error, "check that the linked issues still exist")
            continue
        run.report.audit_calls += len(client.transport.calls) - before
        run.report.audited += len(mine)
        for item in result.present:
            _check(run, item)
        for link, at_ms in result.deleted:
            event = deletion_event(link, at_ms)
            repaired = repair(
                run.work.routing, link, event, ["deleted"], run.services.webhooks, mark="deleted"
            )
            run.repairs.update(repaired)
            run.report.repaired += len(repaired)
            run.report.deleted += len(repaired)
        if result.doubted:
            run.report.doubted += len(result.doubted)
            _log_doubted(group, len(result.doubted), len(mine))
    return after


def _log_failure(group: AccountGroup, error: JiraError, doing: str) -> None:
    for integration_id in group.integration_ids:
        record_action(
            "reconcile.sweep",
            Outcome.FAILED,
            integration_id=integration_id,
            message=f"The reconcile could not {doing}: {error.message}",
            hint=error.hint or "The next sweep tries again; test the connection if this lasts.",
            error_code=error.code,
            jira_status=error.status,
        )


def _log_doubted(group: AccountGroup, missing: int, looked_at: int) -> None:
    for integration_id in group.integration_ids:
        record_action(
            "reconcile.sweep",
            Outcome.FAILED,
            integration_id=integration_id,
            message=f"Jira did not return {missing} of {looked_at} linked issues at once; none was detached.",
            hint="Check that the integration's Jira account can still browse the project (test the connection).",
            error_code="issues_unreadable",
        )


def _log_site(report: SiteSweep) -> None:
    record_action(
        "reconcile.sweep",
        Outcome.SUCCEEDED if report.outcome == "swept" else Outcome.SKIPPED,
        integration_id=None,
        message=(
            f"Swept {report.site_url}: {report.changed} issues changed ({report.linked_changed} linked), "
            f"{report.repaired} records repaired, {report.audited} linked issues checked"
        ),
        jira_site=report.site_url,
        sweep_outcome=report.outcome,
        changed_issues=report.changed,
        linked_changed=report.linked_changed,
        repaired_records=report.repaired,
        deleted_issues=report.deleted,
        audited_issues=report.audited,
        too_fresh=report.too_fresh,
        jira_calls=report.jira_calls,
        throttled_seconds=round(report.throttled_seconds, 3),
    )
