"""Test connection's silence rule, and the sweep's JQL window."""

from __future__ import annotations

import pytest

from aha_jira.connection.webhook_check import GRACE_SECONDS, silent
from aha_jira.models.webhook_health import SiteHealth
from aha_jira.reconcile.changes import window_jql

NOW = 1_800_000_000.0
MINUTE = 60.0


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        (None, False),
        (SiteHealth(), False),
        (SiteHealth(last_delivery_at=NOW - 60 * MINUTE), False),  # quiet: nothing changed
        (SiteHealth(last_linked_change_at=NOW - 10 * MINUTE), True),  # never delivered
        (SiteHealth(last_linked_change_at=NOW - 30), False),  # its delivery may be on its way
        (SiteHealth(last_delivery_at=NOW - 20 * MINUTE, last_linked_change_at=NOW - 10 * MINUTE), True),
        (SiteHealth(last_delivery_at=NOW - 14 * MINUTE, last_linked_change_at=NOW - 10 * MINUTE), False),
        (SiteHealth(last_delivery_at=NOW - 20 * MINUTE, last_linked_change_at=NOW - 30 * MINUTE), False),
        # Noted up to a minute early: a change that close to the last noted delivery was delivered.
        (
            SiteHealth(
                last_delivery_at=NOW - 20 * MINUTE,
                last_linked_change_at=NOW - 20 * MINUTE + GRACE_SECONDS - 1,
            ),
            False,
        ),
    ],
)
def test_silence(health: SiteHealth | None, expected: bool) -> None:
    assert silent(health, now=NOW, silent_minutes=15) is expected


def test_the_window_counts_whole_minutes_back_and_quotes_the_projects() -> None:
    now = 1_800_000_000_000
    assert window_jql(["MOB", "REQ"], now - 61_000, now) == (
        'project in ("MOB", "REQ") AND updated >= "-2m" ORDER BY updated ASC'
    )
    assert window_jql(['A"B'], now, now) == 'project in ("A\\"B") AND updated >= "-1m" ORDER BY updated ASC'
