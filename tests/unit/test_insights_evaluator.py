"""The Logs Insights evaluator (aha_jira_dev.integration_log.insights): each construct of the subset."""

from __future__ import annotations

import json

import pytest

from aha_jira_dev.integration_log.insights import (
    QuerySyntaxError,
    flatten,
    parse_powertools_timestamp,
    row_from_line,
    run_query,
)

ROWS = [
    {"@timestamp": 1000, "action": "feature.send", "outcome": "ok", "reference": "MOB-1", "n": 3},
    {
        "@timestamp": 2000,
        "action": "feature.send",
        "outcome": "failed",
        "reference": "MOB-1-2",
        "hint": "fix",
    },
    {"@timestamp": 3000, "action": "retry.queued", "outcome": "queued", "reference": "MOB-12", "n": 10},
    {"@timestamp": 4000, "action": "jira.webhook", "outcome": "skipped", "reference": None, "n": 2},
]


def refs(rows: list[dict[str, object]]) -> list[object]:
    return [row.get("reference") for row in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('filter outcome = "ok"', ["MOB-1"]),
        ('filter outcome != "ok"', ["MOB-1-2", "MOB-12", None]),
        ("filter reference like /^MOB-1(-\\d+)?$/", ["MOB-1", "MOB-1-2"]),
        ('filter reference like "OB-1"', ["MOB-1", "MOB-1-2", "MOB-12"]),
        ("filter reference not like /-2$/", ["MOB-1", "MOB-12"]),
        ("filter ispresent(hint)", ["MOB-1-2"]),
        ("filter not ispresent(hint) and ispresent(reference)", ["MOB-1", "MOB-12"]),
        ('filter outcome = "ok" or (action = "retry.queued" and n >= 10)', ["MOB-1", "MOB-12"]),
        ('filter outcome in ["ok", "queued"]', ["MOB-1", "MOB-12"]),
        ('filter outcome not in ["ok", "queued"]', ["MOB-1-2", None]),
        ("filter n > 2 and n < 10", ["MOB-1"]),
        ("filter @timestamp >= 2000 and toMillis(@timestamp) <= 3000", ["MOB-1-2", "MOB-12"]),
        ("filter action =~ /^retry\\./", ["MOB-12"]),
        ("sort @timestamp desc | limit 2", [None, "MOB-12"]),
        ("sort n asc", [None, "MOB-1", "MOB-12", "MOB-1-2"]),  # missing values last
        ("# a comment line\nfilter outcome = 'failed'", ["MOB-1-2"]),
    ],
)
def test_filters_sorts_and_limits(query: str, expected: list[object]) -> None:
    assert refs(run_query(query, ROWS)) == expected


def test_missing_fields_compare_false_both_ways() -> None:
    assert refs(run_query('filter hint = "x"', ROWS)) == []
    assert refs(run_query('filter hint != "x"', ROWS)) == ["MOB-1-2"]


def test_fields_project_and_stats_group() -> None:
    rows = run_query("fields reference, outcome | filter n > 2 | sort @timestamp asc", ROWS)
    assert rows == [{"reference": "MOB-1", "outcome": "ok"}, {"reference": "MOB-12", "outcome": "queued"}]
    stats = run_query(
        "stats count(*) as lines, sum(n) as total, max(@timestamp) as last, count(hint) by action | sort lines desc",
        ROWS,
    )
    assert stats == [
        {"action": "feature.send", "lines": 2, "total": 3.0, "last": 2000, "count(hint)": 1},
        {"action": "retry.queued", "lines": 1, "total": 10.0, "last": 3000, "count(hint)": 0},
        {"action": "jira.webhook", "lines": 1, "total": 2.0, "last": 4000, "count(hint)": 0},
    ]
    latest = run_query("stats latest(outcome) as outcome by action", ROWS)
    assert {row["action"]: row["outcome"] for row in latest}["feature.send"] == "failed"


def test_time_range_is_startquery_s() -> None:
    assert refs(run_query("sort @timestamp asc", ROWS, start_ms=2000, end_ms=3000)) == ["MOB-1-2", "MOB-12"]


@pytest.mark.parametrize(
    "query",
    [
        "parse @message 'x'",
        "filter outcome ==",
        "filter outcome = ",
        "stats median(n)",
        "filter a / 2",
        "limit many",
        "filter unknown_function(x)",
        "",
    ],
)
def test_outside_the_subset_is_an_error(query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        run_query(query, ROWS)


def test_log_lines_become_rows() -> None:
    line = json.dumps(
        {"timestamp": "2026-11-28 11:23:56,450+0000", "action": "x", "error": {"code": "y"}, "level": "INFO"}
    )
    row = row_from_line(line, log_group="/aws/lambda/f")
    assert row is not None
    assert row["@timestamp"] == parse_powertools_timestamp("2026-11-28T11:23:56.450+00:00") == 1795865036450
    assert row["error.code"] == "y" and row["@message"] == line and row["@log"] == "/aws/lambda/f"
    assert row_from_line("not json") is None and row_from_line("[1]") is None
    assert flatten({"a": {"b": {"c": 1}}, "d": 2}) == {"a.b.c": 1, "d": 2}
