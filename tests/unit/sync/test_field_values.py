"""Schema-driven conversion of roadmap values into what each kind of Jira field takes."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pytest

from aha_jira.jira.rich_text import RichTextFormat
from aha_jira.sync.field_values import (
    ConversionContext,
    ValueNotAccepted,
    cleared,
    convert,
    fit_text,
    labels,
)
from tests.unit.sync.builders import CF, meta

USERS = {"pm@acme.example": "5f-pm"}
looked_up: list[str] = []


def find_user(email: str) -> dict[str, str] | None:
    looked_up.append(email)
    found = USERS.get(email.strip().casefold())
    return {"accountId": found} if found else None


CLOUD = ConversionContext(rich_text=RichTextFormat.ADF, cloud=True, find_user=find_user)
DC = ConversionContext(rich_text=RichTextFormat.WIKI, cloud=False, find_user=find_user)

SELECT = meta(
    "customfield_1",
    "Team",
    "option",
    custom=CF + "select",
    allowed=[{"id": "10400", "value": "Platform"}, {"id": "10401", "value": "Mobile"}],
)
MULTI = meta(
    "customfield_2",
    "Platforms",
    "array",
    items="option",
    custom=CF + "multiselect",
    allowed=[{"id": "1", "value": "iOS"}, {"id": "2", "value": "Android"}, {"id": "3", "value": "Web"}],
)
CASCADE = meta(
    "customfield_3",
    "Area",
    "option-with-child",
    custom=CF + "cascadingselect",
    allowed=[
        {
            "id": "20",
            "value": "Apps",
            "children": [{"id": "21", "value": "iOS"}, {"id": "22", "value": "Android"}],
        },
        {"id": "30", "value": "Backend", "children": []},
    ],
)
NUMBER = meta("customfield_4", "Risk Score", "number", custom=CF + "float")
DATE = meta("duedate", "Due date", "date", system="duedate")
DATETIME = meta("customfield_5", "Go live", "datetime", custom=CF + "datetime")
TEXT = meta("customfield_6", "Code name", "string", custom=CF + "textfield")
TEXTAREA = meta("customfield_7", "Acceptance", "string", custom=CF + "textarea")
URL = meta("customfield_8", "Spec", "string", custom=CF + "url")
USER = meta("customfield_9", "Reviewer", "user", custom=CF + "userpicker")
USERS_FIELD = meta("customfield_10", "Reviewers", "array", items="user", custom=CF + "multiuserpicker")
LABELS = meta("customfield_11", "Topics", "array", items="string", custom=CF + "labels")
PRIORITY = meta(
    "priority",
    "Priority",
    "priority",
    system="priority",
    allowed=[{"id": "1", "name": "Highest"}, {"id": "3", "name": "Medium"}],
)
VERSIONS = meta(
    "versions",
    "Affects versions",
    "array",
    items="version",
    system="versions",
    allowed=[{"id": "100", "name": "1.0"}],
)
COMPONENTS = meta("components", "Components", "array", items="component", system="components", allowed=[])
GROUP = meta("customfield_12", "Owners", "group", custom=CF + "grouppicker")
ANY = meta("customfield_13", "Epic Link", "any", custom="com.pyxis.greenhopper.jira:gh-epic-link")
UNLISTED = meta("customfield_14", "Size", "option", custom=CF + "select")


def refused(value: Any, field: Any, context: ConversionContext = CLOUD) -> str:
    with pytest.raises(ValueNotAccepted) as caught:
        convert(value, field, context)
    return caught.value.reason


@pytest.mark.parametrize("value", [None, "", "   ", []])
def test_empty_values_are_no_value(value: Any) -> None:
    for field in (SELECT, MULTI, NUMBER, DATE, TEXT, TEXTAREA, URL, USER, LABELS):
        assert convert(value, field, CLOUD) is None


def test_cleared_is_empty_list_for_arrays_and_null_otherwise() -> None:
    assert cleared(MULTI) == [] and cleared(LABELS) == []
    assert cleared(SELECT) is None and cleared(NUMBER) is None


# --- options ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["Mobile", "mobile", " MOBILE ", "10401", 10401, {"id": "10401"}, {"id": 10401}, {"value": "mobile"}],
)
def test_select_matches_value_case_insensitively_or_id(value: Any) -> None:
    assert convert(value, SELECT, CLOUD) == {"id": "10401"}


@pytest.mark.parametrize("value", ["Design", {"id": "99"}, {"value": "Desk"}, 1])
def test_select_outside_allowed_values_is_refused(value: Any) -> None:
    assert "Platform, Mobile" in refused(value, SELECT)


def test_select_refuses_shapes_that_name_no_option() -> None:
    refused(True, SELECT)
    refused({"colour": "red"}, SELECT)
    refused(["Mobile", "Web"], SELECT)


def test_select_without_allowed_values_goes_in_jira_shape() -> None:
    assert convert("Large", UNLISTED, CLOUD) == {"value": "Large"}
    assert convert({"id": "5"}, UNLISTED, CLOUD) == {"id": "5"}


def test_multi_select_takes_a_list_or_a_single_value() -> None:
    assert convert(["ios", "Web", "iOS"], MULTI, CLOUD) == [{"id": "1"}, {"id": "3"}]
    assert convert("android", MULTI, CLOUD) == [{"id": "2"}]
    assert "iOS, Android, Web" in refused(["iOS", "Windows"], MULTI)


def test_cascading_select() -> None:
    assert convert("apps", CASCADE, CLOUD) == {"id": "20"}
    assert convert(["Apps", "android"], CASCADE, CLOUD) == {"id": "20", "child": {"id": "22"}}
    assert convert({"value": "Apps", "child": {"value": "iOS"}}, CASCADE, CLOUD) == {
        "id": "20",
        "child": {"id": "21"},
    }
    assert "iOS, Android" in refused(["Apps", "Web"], CASCADE)
    refused(["Backend", "Anything"], CASCADE)
    refused(["a", "b", "c"], CASCADE)


def test_priority_and_versions_match_by_name_or_id() -> None:
    assert convert("highest", PRIORITY, CLOUD) == {"id": "1"}
    assert convert({"name": "Medium"}, PRIORITY, CLOUD) == {"id": "3"}
    assert convert("3", PRIORITY, CLOUD) == {"id": "3"}
    assert "Highest, Medium" in refused("Blocker", PRIORITY)
    assert convert(["1.0"], VERSIONS, CLOUD) == [{"id": "100"}]


def test_no_allowed_values_means_nothing_is_allowed() -> None:
    assert "none" in refused(["Backend"], COMPONENTS)


# --- numbers, dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(3, 3), (2.5, 2.5), ("7", 7), (" 7 ", 7), ("-1.25", -1.25), ("1e3", 1000.0)]
)
def test_numbers(value: Any, expected: float) -> None:
    result = convert(value, NUMBER, CLOUD)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value", ["high", True, "nan", math.inf, "inf", {"n": 1}, [1]])
def test_not_numbers(value: Any) -> None:
    assert "number" in refused(value, NUMBER)


def test_dates() -> None:
    assert convert("2026-12-01", DATE, CLOUD) == "2026-12-01"
    assert convert("2026-12-01T10:00:00Z", DATE, CLOUD) == "2026-12-01"
    assert convert(date(2026, 1, 2), DATE, CLOUD) == "2026-01-02"
    for bad in ("01/12/2026", "2026-13-01", "2026-12-01x", 20261201):
        assert "YYYY-MM-DD" in refused(bad, DATE)


def test_datetimes_are_in_jira_form() -> None:
    assert convert("2026-12-01T10:30:00Z", DATETIME, CLOUD) == "2026-12-01T10:30:00.000+0000"
    assert convert("2026-12-01T10:30:00.5+02:00", DATETIME, CLOUD) == "2026-12-01T10:30:00.500+0200"
    assert convert("2026-12-01", DATETIME, CLOUD) == "2026-12-01T00:00:00.000+0000"
    assert convert(datetime(2026, 1, 2, 3, 4, 5), DATETIME, CLOUD) == "2026-01-02T03:04:05.000+0000"
    refused("tomorrow", DATETIME)


# --- text ---------------------------------------------------------------------------------------------


def test_text_fields() -> None:
    assert convert("Falcon", TEXT, CLOUD) == "Falcon"
    assert convert(42, TEXT, CLOUD) == "42"
    refused({"a": 1}, TEXT)
    refused(["a"], TEXT)
    refused(True, TEXT)
    assert "255" in refused("x" * 256, TEXT)


def test_textarea_is_rich_text_for_the_deployment() -> None:
    adf = convert("<p>Done when <strong>green</strong></p>", TEXTAREA, CLOUD)
    assert adf["type"] == "doc" and adf["content"][0]["type"] == "paragraph"
    assert convert("<p>Done when <strong>green</strong></p>", TEXTAREA, DC) == "Done when *green*"
    document = {"type": "doc", "version": 1, "content": []}
    assert convert(document, TEXTAREA, CLOUD) is document
    refused(document, TEXTAREA, DC)


def test_system_description_is_rich_text() -> None:
    description = meta("description", "Description", "string", system="description")
    assert convert("<p>a</p>", description, DC) == "a"
    assert convert("<p>a</p>", description, CLOUD)["type"] == "doc"


def test_urls() -> None:
    assert convert(" https://example.com/a ", URL, CLOUD) == "https://example.com/a"
    for bad in ("example.com", "ftp://example.com", "javascript:alert(1)", "https://"):
        assert "web address" in refused(bad, URL)


# --- users and groups ---------------------------------------------------------------------------------


def test_users_by_email_are_looked_up() -> None:
    looked_up.clear()
    assert convert("PM@acme.example", USER, CLOUD) == {"accountId": "5f-pm"}
    assert convert({"email": "pm@acme.example"}, USER, CLOUD) == {"accountId": "5f-pm"}
    assert looked_up == ["PM@acme.example", "pm@acme.example"]
    # Someone not in Jira leaves the field empty rather than failing.
    assert convert("nobody@acme.example", USER, CLOUD) is None


def test_users_by_identity_pass_in_the_deployment_shape() -> None:
    assert convert("5f-abc", USER, CLOUD) == {"accountId": "5f-abc"}
    assert convert("erin", USER, DC) == {"name": "erin"}
    assert convert({"accountId": "5f-abc"}, USER, CLOUD) == {"accountId": "5f-abc"}
    refused(3, USER)


def test_multi_user_drops_unknown_people() -> None:
    assert convert(["pm@acme.example", "nobody@acme.example"], USERS_FIELD, CLOUD) == [{"accountId": "5f-pm"}]
    assert convert(["nobody@acme.example"], USERS_FIELD, CLOUD) is None


def test_groups() -> None:
    assert convert("jira-developers", GROUP, CLOUD) == {"name": "jira-developers"}
    refused(5, GROUP)


def test_label_fields_follow_the_label_rules() -> None:
    assert convert(["big idea", "big-idea", "x"], LABELS, CLOUD) == ["big-idea", "x"]
    assert convert("one label", LABELS, CLOUD) == ["one-label"]
    refused([{"a": 1}], LABELS)


def test_unknown_types_pass_through() -> None:
    assert convert("MOB-1", ANY, CLOUD) == "MOB-1"


# --- text limits --------------------------------------------------------------------------------------


def test_labels_helper() -> None:
    assert labels(["a b", " a  b ", "", None, 3, "ä ö"]) == ["a-b", "3", "ä-ö"]
    assert labels(["y" * 300]) == ["y" * 255]


def test_fit_text() -> None:
    assert fit_text("short", 10) == "short"
    assert fit_text("abcdefghij", 5, "…") == "abcd…"
    assert fit_text("a😀b", 2) == "a"  # the pair is not split
    assert fit_text("ab   cdef", 6, "…") == "ab…"
