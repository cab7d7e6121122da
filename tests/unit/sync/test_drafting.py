"""Drafting: what Jira issue a feature or requirement becomes, rule by rule, with hand-built snapshots."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

import pytest

from aha_jira.jira.rich_text import adf_to_text
from aha_jira.models.feature import AhaFeature
from aha_jira.models.jira_payloads import FieldRef
from aha_jira.sync.drafting import (
    STAMP_PROPERTY,
    DraftRefused,
    IssueDraft,
    draft_feature,
    draft_requirement,
    stamp_property,
)
from tests.unit.sync.builders import (
    ACCEPTANCE,
    CF,
    GH,
    RISK,
    STORY,
    SUBTASK,
    TEAM,
    RecordingLookups,
    base_screen,
    feature,
    integration,
    meta,
    reference_feature,
    snapshot,
    subtask_screen,
)

ALWAYS = {"project", "issuetype", "summary"}


def draft(record: AhaFeature | None = None, lookups: RecordingLookups | None = None, **kw: Any) -> IssueDraft:
    mapping = kw.pop("mapping", {})
    return draft_feature(
        record or feature(), integration(**mapping), snapshot(**kw), lookups or RecordingLookups()
    )


def requirement_draft(
    record: AhaFeature | None = None, lookups: RecordingLookups | None = None, **kw: Any
) -> IssueDraft:
    mapping = kw.pop("mapping", {})
    parent = record or feature()
    return draft_requirement(
        parent.requirements[0], parent, integration(**mapping), snapshot(**kw), lookups or RecordingLookups()
    )


def meta_ref(field_id: str, name: str, custom: str) -> FieldRef:
    return FieldRef.model_validate(
        {"id": field_id, "name": name, "custom": True, "schema": {"type": "number", "custom": custom}}
    )


def screen_without(*field_ids: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    return {key: value for key, value in (base or base_screen()).items() if key not in field_ids}


def refusal(**kw: Any) -> DraftRefused:
    with pytest.raises(DraftRefused) as caught:
        draft(**kw)
    return caught.value


# --- the basics ---------------------------------------------------------------------------------------


def test_feature_create_body_on_cloud() -> None:
    result = draft()
    fields = result.create_fields
    assert result.reference == "MOB-12" and result.kind == "feature"
    assert fields["project"] == {"id": "10000"}
    assert fields["issuetype"] == {"id": STORY}
    assert fields["summary"] == "Offline mode"
    assert fields["labels"] == ["mobile", "offline-first"]
    assert fields["fixVersions"] == [{"id": "10001"}]
    assert fields["customfield_10024"] == "https://acme.aha.io/features/MOB-12"
    assert "parent" not in fields and "issuelinks" not in fields


def test_requirement_uses_the_requirement_type_and_no_parent() -> None:
    result = requirement_draft()
    assert result.kind == "requirement" and result.reference == "MOB-12-1"
    assert result.create_fields["issuetype"] == {"id": SUBTASK}
    assert result.create_fields["summary"] == "Cache the last sync"
    # The engine adds the parent (or the link); a required parent is not the draft's to fill.
    assert "parent" not in result.create_fields


def test_only_fields_on_the_create_screen_are_sent() -> None:
    bare = {key: base_screen()[key] for key in ("summary", "issuetype", "project")}
    result = draft(
        feature(assigned_to_user={"email": "pm@acme.example"}, original_estimate=60, work_units=10),
        RecordingLookups(users={"pm@acme.example": {"accountId": "pm"}}),
        feature_screen=bare,
    )
    assert set(result.create_fields) == ALWAYS
    assert result.edit == {"fields": {"summary": "Offline mode"}, "update": {}}


def test_summary_is_one_line_and_at_most_255_characters() -> None:
    # A name has at most 255 characters (models.limits); one with emoji can still be longer for Jira.
    # (Line breaks never reach the drafter: the send body refuses control characters in names.)
    long_name = "Offline mode   " + "x" * 200 + "😀" * 40
    summary = draft(feature(name=long_name)).create_fields["summary"]
    assert summary.startswith("Offline mode x")
    # Cut at 255 UTF-16 code units, never inside an emoji.
    assert 254 <= len(summary.encode("utf-16-le")) // 2 <= 255 and summary.endswith("…")


def test_summary_counts_characters_as_jira_does() -> None:
    # Jira counts UTF-16 code units: an emoji takes two, and is never cut in half.
    summary = draft(feature(name="😀" * 200)).create_fields["summary"]
    assert summary == "😀" * 127 + "…"


def test_blank_name_falls_back_to_the_description_then_the_reference() -> None:
    assert draft(feature(name="   ")).create_fields["summary"] == "Works without a network."
    assert draft(feature(name="   ", description={"body": "<p> </p>"})).create_fields["summary"] == "MOB-12"


# --- description and the link back -------------------------------------------------------------------


def test_description_is_adf_followed_by_a_link_paragraph() -> None:
    description = draft().create_fields["description"]
    assert description["type"] == "doc" and description["version"] == 1
    first, last = description["content"][0], description["content"][-1]
    assert adf_to_text({"type": "doc", "version": 1, "content": [first]}) == "Works without a network."
    assert last == {
        "type": "paragraph",
        "content": [
            {
                "type": "text",
                "text": "MOB-12",
                "marks": [{"type": "link", "attrs": {"href": "https://acme.aha.io/features/MOB-12"}}],
            }
        ],
    }


def test_description_is_wiki_on_data_center() -> None:
    description = draft(deployment="datacenter").create_fields["description"]
    assert description == "Works *without* a network.\n\n[MOB-12|https://acme.aha.io/features/MOB-12]"


def test_empty_description_still_links_back() -> None:
    record = feature(description={"body": ""})
    assert draft(record, deployment="datacenter").create_fields["description"] == (
        "[MOB-12|https://acme.aha.io/features/MOB-12]"
    )
    assert len(draft(record).create_fields["description"]["content"]) == 1


def test_wiki_link_back_escapes_what_would_end_the_link() -> None:
    record = feature(url="https://acme.aha.io/features/MOB-12?tab=a|b")
    description = draft(record, deployment="datacenter").create_fields["description"]
    assert description.endswith("[MOB-12|https://acme.aha.io/features/MOB-12?tab=a%7Cb]")


def test_no_url_no_link_back() -> None:
    result = draft(feature(url=None))
    assert len(result.create_fields["description"]["content"]) == 1
    assert "customfield_10024" not in result.create_fields


def test_aha_reference_url_field_is_found_by_type_and_name() -> None:
    renamed = [
        field.model_copy(update={"name": "Aha! link"}) if field.id == "customfield_10024" else field
        for field in snapshot().fields
    ]
    assert draft(fields=renamed).create_fields["customfield_10024"] == "https://acme.aha.io/features/MOB-12"
    unrelated = [
        field.model_copy(update={"name": "Design doc"}) if field.id == "customfield_10024" else field
        for field in snapshot().fields
    ]
    screen = base_screen()
    screen["customfield_10024"] = meta("customfield_10024", "Design doc", "string", custom=CF + "url")
    assert "customfield_10024" not in draft(fields=unrelated, feature_screen=screen).create_fields


def test_url_field_not_on_screen_is_not_sent() -> None:
    result = draft(feature_screen=screen_without("customfield_10024"))
    assert "customfield_10024" not in result.create_fields
    assert "customfield_10024" not in result.edit["fields"]


# --- labels -------------------------------------------------------------------------------------------


def test_labels_have_no_spaces_keep_order_and_are_unique() -> None:
    record = feature(tags=["  offline  first ", "mobile", "offline first", "", "   ", "a  b c", "x" * 300])
    found = draft(record).create_fields["labels"]
    assert found == ["offline-first", "mobile", "a-b-c", "x" * 255]


def test_labels_are_only_added_on_edit() -> None:
    result = draft()
    assert "labels" not in result.edit["fields"]
    assert result.edit["update"]["labels"] == [{"add": "mobile"}, {"add": "offline-first"}]


def test_no_labels_without_send_tags_or_tags_or_screen() -> None:
    for result in (
        draft(mapping={"send_tags": False}),
        draft(feature(tags=[])),
        draft(feature_screen=screen_without("labels")),
    ):
        assert "labels" not in result.create_fields
        assert "labels" not in result.edit["update"]


# --- fix versions -------------------------------------------------------------------------------------


def test_fix_version_comes_from_the_lookup_and_is_only_added_on_edit() -> None:
    lookups = RecordingLookups()
    result = draft(lookups=lookups)
    assert ("version", "2.0") in lookups.calls
    assert result.create_fields["fixVersions"] == [{"id": "10001"}]
    assert result.edit["update"]["fixVersions"] == [{"add": {"id": "10001"}}]
    assert "fixVersions" not in result.edit["fields"]


def test_requirements_inherit_the_feature_release() -> None:
    lookups = RecordingLookups()
    result = requirement_draft(lookups=lookups)
    assert lookups.calls == [("version", "2.0")]
    assert result.create_fields["fixVersions"] == [{"id": "10001"}]


@pytest.mark.parametrize(
    ("record", "options"),
    [
        (feature(release=None), {}),
        (feature(), {"mapping": {"send_release": False}}),
        (feature(), {"feature_screen": screen_without("fixVersions")}),
    ],
)
def test_no_fix_version_and_no_lookup(record: AhaFeature, options: dict[str, Any]) -> None:
    lookups = RecordingLookups()
    result = draft(record, lookups, **options)
    assert "fixVersions" not in result.create_fields
    assert "fixVersions" not in result.edit["update"]
    assert not [call for call in lookups.calls if call[0] == "version"]


def test_a_release_without_a_version_id_sends_no_fix_version() -> None:
    result = draft(lookups=RecordingLookups(versions={}))
    assert "fixVersions" not in result.create_fields


def test_required_fix_versions_without_release_is_refused_before_any_lookup() -> None:
    screen = base_screen()
    screen["fixVersions"] = screen["fixVersions"].model_copy(update={"required": True})
    lookups = RecordingLookups()
    with pytest.raises(DraftRefused) as caught:
        draft(feature(release=None), lookups, feature_screen=screen)
    assert caught.value.field_id == "fixVersions"
    assert "release" in caught.value.hint
    # With a release, the version is looked up only once every other rule has passed.
    assert draft(lookups=lookups, feature_screen=screen).create_fields["fixVersions"] == [{"id": "10001"}]


# --- estimates ----------------------------------------------------------------------------------------


def test_minutes_become_time_tracking() -> None:
    result = draft(feature(original_estimate=90, remaining_estimate=30.4, work_units=10))
    assert result.create_fields["timetracking"] == {"originalEstimate": "90m", "remainingEstimate": "30m"}
    # Once work is logged Jira owns the remaining estimate; an edit only moves the original.
    assert result.edit["fields"]["timetracking"] == {"originalEstimate": "90m"}
    assert "customfield_10004" not in result.create_fields


def test_minutes_without_remaining_use_the_original() -> None:
    result = draft(feature(original_estimate=45, work_units=10))
    assert result.create_fields["timetracking"] == {"originalEstimate": "45m", "remainingEstimate": "45m"}


def test_points_go_to_the_story_points_field() -> None:
    result = draft(feature(original_estimate=5.0, work_units=20))
    assert result.create_fields["customfield_10004"] == 5
    assert isinstance(result.create_fields["customfield_10004"], int)
    assert result.edit["fields"]["customfield_10004"] == 5
    assert "timetracking" not in result.create_fields
    assert draft(feature(original_estimate=2.5, work_units=20)).create_fields["customfield_10004"] == 2.5


def test_jira_software_story_points_type_wins_over_a_named_number() -> None:
    points = meta("customfield_10016", "Story point estimate", "number", custom=GH + "jsw-story-points")
    screen = {**base_screen(), "customfield_10016": points}
    fields = [
        *snapshot().fields,
        meta_ref("customfield_10016", "Story point estimate", GH + "jsw-story-points"),
    ]
    result = draft(feature(original_estimate=3, work_units=20), feature_screen=screen, fields=fields)
    assert result.create_fields["customfield_10016"] == 3
    assert "customfield_10004" not in result.create_fields


def test_a_number_field_not_named_story_points_is_not_used() -> None:
    fields = [
        field.model_copy(update={"name": "Business Value"}) if field.id == "customfield_10004" else field
        for field in snapshot().fields
    ]
    screen = base_screen()
    screen["customfield_10004"] = meta("customfield_10004", "Business Value", "number", custom=CF + "float")
    result = draft(feature(original_estimate=3, work_units=20), feature_screen=screen, fields=fields)
    assert "customfield_10004" not in result.create_fields


def test_estimates_need_units_and_a_screen() -> None:
    assert "timetracking" not in draft(feature(original_estimate=60)).create_fields
    no_time = draft(
        feature(original_estimate=60, work_units=10), feature_screen=screen_without("timetracking")
    )
    assert "timetracking" not in no_time.create_fields
    no_points = draft(
        feature(original_estimate=3, work_units=20), feature_screen=screen_without("customfield_10004")
    )
    assert "customfield_10004" not in no_points.create_fields


# --- assignee -----------------------------------------------------------------------------------------


def test_assignee_found_by_email() -> None:
    lookups = RecordingLookups(users={"pm@acme.example": {"accountId": "5f-pm"}})
    result = draft(feature(assigned_to_user={"email": "pm@acme.example"}), lookups)
    assert result.create_fields["assignee"] == {"accountId": "5f-pm"}
    assert result.edit["fields"]["assignee"] == {"accountId": "5f-pm"}
    assert ("user", "pm@acme.example") in lookups.calls


def test_unknown_assignee_is_left_out_without_error() -> None:
    lookups = RecordingLookups()
    result = draft(feature(assigned_to_user={"email": "gone@acme.example"}), lookups)
    assert "assignee" not in result.create_fields and "assignee" not in result.edit["fields"]
    assert lookups.calls[0] == ("user", "gone@acme.example")


def test_no_assignee_lookup_without_email_or_screen() -> None:
    lookups = RecordingLookups()
    draft(feature(assigned_to_user={"name": "No Mail"}), lookups)
    draft(
        feature(assigned_to_user={"email": "pm@acme.example"}),
        lookups,
        feature_screen=screen_without("assignee"),
    )
    assert not [call for call in lookups.calls if call[0] == "user"]


# --- mapped fields ------------------------------------------------------------------------------------


def req_screen() -> dict[str, Any]:
    return {**base_screen(), TEAM.field_id: TEAM, RISK.field_id: RISK, ACCEPTANCE.field_id: ACCEPTANCE}


def req_requirement_screen() -> dict[str, Any]:
    return {**subtask_screen(), TEAM.field_id: TEAM, RISK.field_id: RISK}


REQ_MAPPING = {
    "fields": {
        "customfield_10300": {"value": "mobile"},
        "customfield_10301": {"from": "custom_fields.risk_score"},
        "customfield_10302": {"from": "custom_fields.acceptance"},
    }
}


def req_feature(**changes: Any) -> AhaFeature:
    custom_fields = [
        {"key": "risk_score", "name": "Risk score", "value": "7", "type": "number"},
        {"key": "acceptance", "name": "Acceptance", "value": "<p>Works <em>offline</em></p>", "type": "note"},
    ]
    return feature(custom_fields=changes.pop("custom_fields", custom_fields), **changes)


def test_constant_and_attribute_mappings_are_converted_by_schema() -> None:
    result = draft(req_feature(), mapping=REQ_MAPPING, feature_screen=req_screen())
    fields = result.create_fields
    assert fields["customfield_10300"] == {"id": "10401"}
    assert fields["customfield_10301"] == 7
    assert fields["customfield_10302"]["type"] == "doc"
    assert adf_to_text(fields["customfield_10302"]) == "Works offline"
    for field_id in ("customfield_10300", "customfield_10301", "customfield_10302"):
        assert result.edit["fields"][field_id] == fields[field_id]


def test_textarea_is_wiki_on_data_center() -> None:
    result = draft(req_feature(), mapping=REQ_MAPPING, feature_screen=req_screen(), deployment="datacenter")
    assert result.create_fields["customfield_10302"] == "Works _offline_"


def test_requirements_inherit_attributes_they_lack_and_use_their_own() -> None:
    record = req_feature()
    record.requirements[0].custom_fields = [record.custom_fields[0].model_copy(update={"value": 2})]
    mapping = {"fields": {**REQ_MAPPING["fields"], "customfield_10302": {"from": "release.name"}}}
    screen = {**req_requirement_screen(), ACCEPTANCE.field_id: ACCEPTANCE}
    result = requirement_draft(
        record, mapping=mapping, feature_screen=req_screen(), requirement_screen=screen
    )
    assert result.create_fields["customfield_10301"] == 2
    assert adf_to_text(result.create_fields["customfield_10302"]) == "2.0"


def test_mapped_field_meant_for_the_other_type_is_skipped() -> None:
    # Acceptance Criteria is on the Story screen only: requirements skip it, features send it.
    result = requirement_draft(
        req_feature(),
        mapping=REQ_MAPPING,
        feature_screen=req_screen(),
        requirement_screen=req_requirement_screen(),
    )
    assert "customfield_10302" not in result.create_fields
    assert result.create_fields["customfield_10300"] == {"id": "10401"}


def test_mapping_wins_over_what_the_integration_fills() -> None:
    mapping = {
        "fields": {
            "labels": {"value": ["from mapping"]},
            "customfield_10024": {"value": "https://example.com/spec"},
            "priority": {"value": "highest"},
        }
    }
    result = draft(mapping=mapping)
    assert result.create_fields["labels"] == ["from-mapping"]
    assert result.edit["fields"]["labels"] == ["from-mapping"]
    assert "labels" not in result.edit["update"]
    assert result.create_fields["customfield_10024"] == "https://example.com/spec"
    assert result.create_fields["priority"] == {"id": "1"}


def test_constant_in_jira_shape_passes_when_allowed() -> None:
    mapping = {"fields": {**REQ_MAPPING["fields"], "customfield_10300": {"value": {"id": "10402"}}}}
    result = draft(req_feature(), mapping=mapping, feature_screen=req_screen())
    assert result.create_fields["customfield_10300"] == {"id": "10402"}


def test_absent_attribute_sends_nothing_on_create_and_clears_on_edit() -> None:
    screen = {**base_screen(), "customfield_10301": RISK.model_copy(update={"required": False})}
    result = draft(
        feature(),
        mapping={"fields": {"customfield_10301": {"from": "custom_fields.risk_score"}}},
        feature_screen=screen,
    )
    assert "customfield_10301" not in result.create_fields
    assert result.edit["fields"]["customfield_10301"] is None


def test_mapped_user_field_is_looked_up_by_email() -> None:
    reviewer = meta("customfield_10600", "Reviewer", "user", custom=CF + "userpicker")
    lookups = RecordingLookups(users={"erin@acme.example": {"name": "erin"}})
    result = draft(
        feature(),
        lookups,
        mapping={"fields": {"customfield_10600": {"value": "erin@acme.example"}}},
        feature_screen={**base_screen(), "customfield_10600": reviewer},
        deployment="datacenter",
    )
    assert result.create_fields["customfield_10600"] == {"name": "erin"}


# --- refusals -----------------------------------------------------------------------------------------


def test_constant_outside_allowed_values_is_refused_naming_field_and_mapping_key() -> None:
    mapping = {"fields": {**REQ_MAPPING["fields"], "customfield_10300": {"value": "Design"}}}
    error = refusal(record=req_feature(), mapping=mapping, feature_screen=req_screen())
    assert error.status == 422 and error.code == "field_not_accepted"
    assert "customfield_10300" in error.message and "Team" in error.message
    assert "Platform, Mobile, Web" in error.message
    assert "mapping.fields.customfield_10300" in error.hint
    assert error.details == [{"field_id": "customfield_10300", "field_name": "Team", "issue_type": "Story"}]
    assert error.to_body()["error"]["code"] == "field_not_accepted"


def test_attribute_that_is_not_a_number_is_refused() -> None:
    record = req_feature(custom_fields=[{"key": "risk_score", "value": "high"}])
    error = refusal(record=record, mapping=REQ_MAPPING, feature_screen=req_screen())
    assert error.field_id == "customfield_10301" and error.field_name == "Risk Score"
    assert "'high'" in error.message and "custom_fields.risk_score" in error.message
    assert "mapping.fields.customfield_10301" in error.hint


def test_mapped_field_on_no_create_screen_is_refused() -> None:
    error = refusal(mapping={"fields": {"customfield_10500": {"value": "x"}}})
    assert error.field_id == "customfield_10500" and error.field_name == "Off screen"
    assert "customfield_10500" in error.message and "Off screen" in error.message
    assert "mapping.fields.customfield_10500" in error.hint


def test_unknown_field_id_is_refused_with_its_id() -> None:
    error = refusal(mapping={"fields": {"customfield_99999": {"value": "x"}}})
    assert error.field_id == "customfield_99999" and error.field_name == "customfield_99999"


def test_required_field_without_value_is_refused() -> None:
    # Risk Score is required and the feature has no such custom field.
    mapping = {
        "fields": {
            "customfield_10300": {"value": "Mobile"},
            "customfield_10301": {"from": "custom_fields.risk"},
        }
    }
    error = refusal(record=feature(), mapping=mapping, feature_screen=req_screen())
    assert error.field_id == "customfield_10301" and error.field_name == "Risk Score"
    assert "requires" in error.message and "customfield_10301" in error.message
    assert "mapping.fields.customfield_10301" in error.hint


def test_required_field_not_mapped_at_all_is_refused() -> None:
    error = refusal(mapping={"fields": {"customfield_10301": {"value": 3}}}, feature_screen=req_screen())
    assert error.field_id == "customfield_10300"
    assert "mapping.fields" in error.hint


def test_required_fields_with_defaults_or_filled_by_engine_or_jira_pass() -> None:
    # reporter (default), priority (default) and the sub-task's required parent are not the draft's.
    assert requirement_draft().create_fields["issuetype"] == {"id": SUBTASK}


def test_structural_fields_cannot_be_mapped() -> None:
    error = refusal(mapping={"fields": {"parent": {"value": {"key": "MOB-1"}}}})
    assert error.field_id == "parent" and "Remove mapping.fields.parent" in error.hint


def test_attribute_path_must_name_a_feature_attribute() -> None:
    error = refusal(mapping={"fields": {"customfield_10024": {"from": "nmae"}}})
    assert "nmae" in error.message and "mapping.fields.customfield_10024" in error.hint


def test_attribute_paths_read_nested_values() -> None:
    text = meta("customfield_10500", "Status text", "string", custom=CF + "textfield")
    screen = {**base_screen(), "customfield_10500": text}
    for path, expected in (
        ("workflow_status.name", "Ready to develop"),
        ("name", "Offline mode"),
        ("release.release_date", "2026-12-01"),
        ("reference_num", "MOB-12"),
    ):
        result = draft(mapping={"fields": {"customfield_10500": {"from": path}}}, feature_screen=screen)
        assert result.create_fields["customfield_10500"] == expected, path


def test_missing_issue_type_is_refused_naming_the_mapping_key() -> None:
    broken = snapshot().model_copy(update={"feature_issue_type_id": None})
    with pytest.raises(DraftRefused) as caught:
        draft_feature(feature(), integration(), broken, RecordingLookups())
    assert caught.value.field_id == "issuetype" and "mapping.feature_issue_type" in caught.value.hint


def test_refused_draft_creates_no_version() -> None:
    lookups = RecordingLookups()
    with pytest.raises(DraftRefused):
        draft(lookups=lookups, mapping={"fields": {"customfield_10500": {"value": "x"}}})
    assert not [call for call in lookups.calls if call[0] == "version"]


# --- epic name ----------------------------------------------------------------------------------------


def test_epic_name_is_filled_with_the_summary_on_create() -> None:
    epic_name = meta("customfield_10009", "Epic Name", "string", custom=GH + "gh-epic-label", required=True)
    result = draft(feature_screen={**base_screen(), "customfield_10009": epic_name})
    assert result.create_fields["customfield_10009"] == "Offline mode"
    assert "customfield_10009" not in result.edit["fields"]


# --- the edit body and the hash -----------------------------------------------------------------------


def test_edit_never_names_a_field_twice_and_only_screen_fields() -> None:
    lookups = RecordingLookups(users={"pm@acme.example": {"accountId": "pm"}})
    record = req_feature(assigned_to_user={"email": "pm@acme.example"}, original_estimate=60, work_units=10)
    result = draft(record, lookups, mapping=REQ_MAPPING, feature_screen=req_screen())
    fields, update = result.edit["fields"], result.edit["update"]
    assert not set(fields) & set(update)
    assert set(fields) | set(update) <= set(req_screen())
    assert not {"project", "issuetype"} & set(fields)
    assert set(fields) == {
        "summary",
        "description",
        "timetracking",
        "assignee",
        "customfield_10024",
        "customfield_10300",
        "customfield_10301",
        "customfield_10302",
    }
    assert set(update) == {"labels", "fixVersions"}


def test_hash_is_sha256_of_reference_and_edit() -> None:
    result = draft()
    canonical = json.dumps(
        {"reference": "MOB-12", "edit": result.edit},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert result.content_hash == hashlib.sha256(canonical.encode()).hexdigest()


def test_hash_is_stable_and_changes_with_what_is_managed() -> None:
    base = draft().content_hash
    assert draft().content_hash == base
    assert draft(feature(tags=["mobile", "offline first", "new"])).content_hash != base
    assert draft(feature(description={"body": "<p>Changed</p>"})).content_hash != base
    assert draft(feature(name="Offline mode v2")).content_hash != base
    assert draft(feature(reference_num="MOB-13")).content_hash != base
    # What is not managed does not count.
    assert draft(feature(workflow_status={"name": "Shipped"})).content_hash == base


def test_stamp_property_carries_reference_token_and_integration() -> None:
    assert stamp_property("MOB-12", "tok-1", "mobile") == {
        "key": STAMP_PROPERTY,
        "value": {"reference": "MOB-12", "token": "tok-1", "integration_id": "mobile"},
    }
    assert STAMP_PROPERTY == "aha-jira"


def test_drafts_are_json() -> None:
    result = draft(req_feature(), mapping=REQ_MAPPING, feature_screen=req_screen())
    json.dumps(result.create_fields, allow_nan=False)
    json.dumps(result.edit, allow_nan=False)


# --- Aha!'s own payloads ------------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["create_feature_event", "update_feature_event"])
@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_reference_payloads_draft(event: str, deployment: Literal["cloud", "datacenter"]) -> None:
    record = reference_feature(event)
    lookups = RecordingLookups(versions={"summer": "10002"})
    result = draft_feature(record, integration(), snapshot(deployment=deployment), lookups)
    fields = result.create_fields
    assert fields["summary"] == "Feature with attachments"
    assert fields["fixVersions"] == [{"id": "10002"}]
    assert fields["customfield_10024"] == "http://watersco.aha.io/features/PROD-2"
    assert "labels" not in fields and "assignee" not in fields  # no tags, nobody assigned
    if deployment == "cloud":
        assert adf_to_text(fields["description"]) == "PROD-2"
    else:
        assert fields["description"] == "[PROD-2|http://watersco.aha.io/features/PROD-2]"
    requirements = [
        draft_requirement(item, record, integration(), snapshot(deployment=deployment), lookups)
        for item in record.requirements
    ]
    assert [item.reference for item in requirements] == ["PROD-2-1"]
    assert requirements[0].create_fields["fixVersions"] == [{"id": "10002"}]
    text = requirements[0].create_fields["description"]
    text = adf_to_text(text) if deployment == "cloud" else text
    assert text.startswith("First requirement")
    assert "PROD-2-1" in text


def test_the_update_event_changes_only_the_requirement_hash() -> None:
    created, updated = reference_feature("create_feature_event"), reference_feature("update_feature_event")
    lookups = RecordingLookups(versions={"summer": "10002"})
    args = (integration(), snapshot(), lookups)
    assert draft_feature(created, *args).content_hash == draft_feature(updated, *args).content_hash
    before = draft_requirement(created.requirements[0], created, *args)
    after = draft_requirement(updated.requirements[0], updated, *args)
    assert before.content_hash != after.content_hash
