"""A small evaluator of the CloudWatch Logs Insights subset our queries use, over JSON log lines.

It serves the local stack's log reader (`file_reader.py`: the local stack has no CloudWatch) and the tests
that run every saved query of template.yaml over captured lines, so the queries that ship are the ones
tested. It is development tooling: it never ships in the layer. The subset:

- commands separated by `|`; `#` starts a comment line;
- `fields a, b, @timestamp` and `display ...` (the columns of the result);
- `filter <expr>` with `and`, `or`, `not`, parentheses, `=`, `!=`, `<`, `<=`, `>`, `>=`,
  `like /regex/` or `like "substring"`, `not like`, `=~ /regex/`, `in [..]`, `not in [..]`, `ispresent(f)`,
  `isblank(f)`, `toMillis(@timestamp)`; a missing field compares false with everything, as in SQL;
- `stats count(*)|count(f)|sum(f)|min(f)|max(f)|latest(f) [as name], ... [by f, ...]`;
- `sort f [asc|desc], ...` (descending by default, as in Logs Insights) and `limit n`.

Fields are the line's JSON keys (nested objects flattened with dots), `@timestamp` (milliseconds since the
epoch), `@message` (the raw line) and `@log` (the log group). The filter expressions are parsed in
`insights_expressions.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aha_jira.integration_log.reader import parse_powertools_timestamp
from aha_jira_dev.integration_log.insights_expressions import (
    Expr,
    QuerySyntaxError,
    Row,
    Token,
    parse_filter,
    strip_comments,
)
from aha_jira_dev.integration_log.insights_expressions import tokens as lex

# --- commands ---------------------------------------------------------------------------------------


@dataclass
class _Aggregate:
    function: str
    argument: str
    name: str


@dataclass
class Query:
    """A parsed query: run it with `run(rows)`."""

    text: str
    steps: list[Callable[[list[Row]], list[Row]]] = field(default_factory=list)
    columns: list[str] | None = None

    def run(self, rows: Iterable[Row]) -> list[Row]:
        current = list(rows)
        for step in self.steps:
            current = step(current)
        if self.columns is None:
            return current
        return [{name: row[name] for name in self.columns if name in row} for row in current]


def parse_query(text: str) -> Query:  # noqa: PLR0912 (one branch per command)
    query = Query(text)
    tokens = lex(strip_comments(text))
    commands: list[list[Token]] = [[]]
    for token in tokens:
        if token.text == "|":
            commands.append([])
        else:
            commands[-1].append(token)
    for command in commands:
        if not command:
            raise QuerySyntaxError("empty command")
        verb, rest = command[0].text.lower(), command[1:]
        if verb in {"fields", "display"}:
            names = [token.text for token in rest if token.text != ","]
            if query.columns is None or verb == "display":
                query.columns = names
            else:
                query.columns = [*query.columns, *(n for n in names if n not in query.columns)]
        elif verb == "filter":
            query.steps.append(_filter_step(parse_filter(rest)))
        elif verb == "sort":
            query.steps.append(_sort_step(rest))
        elif verb == "limit":
            if len(rest) != 1 or rest[0].kind != "number":
                raise QuerySyntaxError("limit takes one number")
            count = int(rest[0].text)
            query.steps.append(_limit_step(count))
        elif verb == "stats":
            step, columns = _stats_step(rest)
            query.steps.append(step)
            query.columns = columns
        else:
            raise QuerySyntaxError(f"unsupported command {verb!r}")
    return query


def _filter_step(predicate: Expr) -> Callable[[list[Row]], list[Row]]:
    return lambda rows: [row for row in rows if predicate(row)]


def _limit_step(count: int) -> Callable[[list[Row]], list[Row]]:
    return lambda rows: rows[:count]


def _sort_step(tokens: list[Token]) -> Callable[[list[Row]], list[Row]]:
    keys: list[tuple[str, bool]] = []
    index = 0
    while index < len(tokens):
        name = tokens[index].text
        descending = True
        index += 1
        if index < len(tokens) and tokens[index].text.lower() in {"asc", "desc"}:
            descending = tokens[index].text.lower() == "desc"
            index += 1
        if index < len(tokens) and tokens[index].text == ",":
            index += 1
        keys.append((name, descending))

    def step(rows: list[Row]) -> list[Row]:
        ordered = list(rows)
        for name, descending in reversed(keys):  # stable sorts, least significant key first
            present = [row for row in ordered if row.get(name) is not None]
            absent = [row for row in ordered if row.get(name) is None]
            present.sort(key=lambda row: _sort_key(row[name]), reverse=descending)
            ordered = present + absent
        return ordered

    return step


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


_AGGREGATES = {"count", "sum", "min", "max", "latest"}


def _stats_step(tokens: list[Token]) -> tuple[Callable[[list[Row]], list[Row]], list[str]]:
    aggregates: list[_Aggregate] = []
    by: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text.lower() == "by":
            by = [t.text for t in tokens[index + 1 :] if t.text != ","]
            break
        if token.text == ",":
            index += 1
            continue
        function = token.text.lower()
        if function not in _AGGREGATES:
            raise QuerySyntaxError(f"unsupported stats function {token.text!r}")
        if index + 3 >= len(tokens) or tokens[index + 1].text != "(" or tokens[index + 3].text != ")":
            raise QuerySyntaxError(f"malformed {token.text}(...)")
        argument = tokens[index + 2].text
        name = f"{token.text}({argument})"
        index += 4
        if index < len(tokens) and tokens[index].text.lower() == "as":
            name = tokens[index + 1].text
            index += 2
        aggregates.append(_Aggregate(function, argument, name))
    if not aggregates:
        raise QuerySyntaxError("stats needs at least one aggregate")

    def step(rows: list[Row]) -> list[Row]:
        groups: dict[tuple[Any, ...], list[Row]] = {}
        for row in rows:
            groups.setdefault(tuple(_hashable(row.get(name)) for name in by), []).append(row)
        out: list[Row] = []
        for key, members in groups.items():
            result: Row = dict(zip(by, key, strict=True))
            for aggregate in aggregates:
                result[aggregate.name] = _aggregate(aggregate, members)
            out.append(result)
        return out

    return step, [*by, *(aggregate.name for aggregate in aggregates)]


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def _aggregate(aggregate: _Aggregate, rows: list[Row]) -> Any:  # noqa: PLR0911
    if aggregate.function == "count":
        if aggregate.argument == "*":
            return len(rows)
        return sum(1 for row in rows if row.get(aggregate.argument) is not None)
    values = [row[aggregate.argument] for row in rows if row.get(aggregate.argument) is not None]
    if aggregate.function == "latest":
        dated = [row for row in rows if row.get(aggregate.argument) is not None]
        if not dated:
            return None
        return max(dated, key=lambda row: row.get("@timestamp") or 0)[aggregate.argument]
    if not values:
        return None
    if aggregate.function == "sum":
        return sum(float(value) for value in values)
    if aggregate.function == "min":
        return min(values, key=_sort_key)
    return max(values, key=_sort_key)


# --- log lines --------------------------------------------------------------------------------------


def flatten(document: Mapping[str, Any], prefix: str = "") -> Row:
    """Nested objects become dotted keys, as Logs Insights discovers JSON fields."""
    out: Row = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def row_from_line(line: str, *, log_group: str = "", timestamp_ms: int | None = None) -> Row | None:
    """One captured log line as Logs Insights sees it; None for a line that is not a JSON object."""
    try:
        document = json.loads(line)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    row = flatten(document)
    if timestamp_ms is None and isinstance(document.get("timestamp"), str):
        timestamp_ms = parse_powertools_timestamp(document["timestamp"])
    row["@timestamp"] = timestamp_ms
    row["@message"] = line
    row["@log"] = log_group
    return row


def run_query(
    query: str, rows: Iterable[Row], *, start_ms: int | None = None, end_ms: int | None = None
) -> list[Row]:
    """Run a query over rows within [start_ms, end_ms] (StartQuery's time range)."""
    parsed = parse_query(query)
    within = [
        row
        for row in rows
        if (start_ms is None or (row.get("@timestamp") or 0) >= start_ms)
        and (end_ms is None or (row.get("@timestamp") or 0) <= end_ms)
    ]
    return parsed.run(within)
