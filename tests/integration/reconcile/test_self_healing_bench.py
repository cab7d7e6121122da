"""The self-healing benchmark's workload at a small scale (`bench/self_healing.py`: 1,000 changes, 100 and
1,000 linked issues): changes with a fifth of their webhooks lost are all reflected within two sweeps, none
applied twice, and a sweep's Jira calls are the same whether 10 or 40 issues are linked."""

from __future__ import annotations

import pytest

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from bench.self_healing import run
from tests.fixtures.api import Call
from tests.integration.reconcile.conftest import Sweep, site_of


@pytest.mark.parametrize("linked", [10, 40])
def test_lost_webhooks_are_healed_within_two_sweeps_for_the_same_calls_whatever_the_issues_linked(  # noqa: PLR0917 (fixtures)
    linked: int,
    call_api: Call,
    jira_sim: JiraSimulator,
    gateway: LocalApiGateway,
    sweep: Sweep,
    aws: LocalResources,
) -> None:
    report = run(
        call_api,
        jira_sim,
        lambda: site_of(sweep()),
        webhook_base=gateway.url,
        links_table=aws.table_name("IssueLinksTable"),
        linked=linked,
        touched=10,
        changes=50,
        loss=0.3,
        seed=7,
    )
    assert report.lost > 0 and report.behind_after_webhooks > 0, report
    assert report.errors == [], report.errors
    assert report.sweeps_to_heal is not None and report.sweeps_to_heal <= 2, report.sweeps
    assert report.repairs == report.behind_after_webhooks and report.applied_twice == 0, report
    assert report.sweeps[-1].repaired == 0  # a sweep after the healing finds nothing
    assert sum(report.late_retries.values()) == report.lost and report.behind_after_retries == 0
    # The sweep after the changes: one window search, one bulk fetch of the ten changed, one slice checked
    # (and, for a deletion found, the project and each missing issue asked for once more).
    after = report.sweeps[0]
    assert after.deleted == 1 and after.linked_changed == 9, after
    assert (after.search_calls, after.fetch_calls, after.audit_calls) == (1, 1, 1 + 1 + 1), after
