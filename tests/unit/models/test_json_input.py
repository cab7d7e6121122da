"""Strict JSON from callers: what Python's json accepts but we refuse, each with a reason."""

from __future__ import annotations

import pytest

from aha_jira.models.json_input import MAX_JSON_DEPTH, JsonRefused, parse_json


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_up_to_the_limit_is_read() -> None:
    document = parse_json(nested(MAX_JSON_DEPTH))
    for _ in range(MAX_JSON_DEPTH - 1):
        document = document[0]
    assert document == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (nested(MAX_JSON_DEPTH + 1), "nested deeper than 64"),
        ('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), "nested deeper than 64"),
        (nested(10_000), "nested deeper than 64"),
        ("[" * 10_000, "nested deeper than 64"),
        ('{"name": "a", "name": "b"}', "appears twice"),
        ('{"x": NaN}', "NaN is not a JSON number"),
        ('{"x": -Infinity}', "-Infinity is not a JSON number"),
        ("1" * 5000, "not valid JSON"),
        ("{", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_refused_with_a_reason(raw: str | bytes, reason: str) -> None:
    with pytest.raises(JsonRefused, match=reason):
        parse_json(raw)


def test_ordinary_documents_parse_as_json_does() -> None:
    assert parse_json(b'{"a": [1, 2.5, "x", null, true], "b": {"c": {}}}') == {
        "a": [1, 2.5, "x", None, True],
        "b": {"c": {}},
    }


def test_a_number_python_reads_as_infinity_is_refused() -> None:
    with pytest.raises(JsonRefused, match="too large") as refused:
        parse_json('{"items": [{"value": 1e400}]}')
    assert refused.value.path == "items.0.value"
    assert parse_json('{"value": 1e308}') == {"value": 1e308}
