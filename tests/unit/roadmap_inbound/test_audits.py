"""Which record an activity webhook's audit is about, and whether a send carries its change
(`roadmap_inbound/audits.py`), on audits in the simulator's shape and in the lower-case form of Aha!'s
audits API."""

from __future__ import annotations

from typing import Any

import pytest

from aha_jira.models.aha_webhook import AhaAudit
from aha_jira.roadmap_inbound.audits import AuditSubject, audit_subject, feature_of


def audit(**fields: Any) -> AhaAudit:
    base: dict[str, Any] = {"audit_action": "update", "auditable_type": "Feature", "auditable_id": "11"}
    return AhaAudit.model_validate({**base, **fields})


URL = "https://acme.aha.io"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"auditable_url": f"{URL}/features/PROD-1", "changes": [{"field_name": "Name", "value": "a"}]},
            AuditSubject("feature", "11", "PROD-1", "PROD-1"),
        ),
        (
            {
                "auditable_type": "requirement",
                "auditable_id": 12,
                "auditable_url": f"{URL}/requirements/PROD-1-2",
            },
            AuditSubject("requirement", "12", "PROD-1-2", "PROD-1"),
        ),
        (
            {
                "auditable_type": "Note",
                "associated_type": "Requirement",
                "associated_id": "13",
                "auditable_url": f"{URL}/requirements/PROD-4-10",
            },
            AuditSubject("requirement", "13", "PROD-4-10", "PROD-4"),
        ),
        (
            {
                "audit_action": "destroy",
                "auditable_type": "Requirement",
                "auditable_url": f"{URL}/requirements/P-1-1",
            },
            AuditSubject("requirement", "11", "P-1-1", "P-1"),
        ),
        ({"auditable_url": None}, AuditSubject("feature", "11", None, None)),
        ({"auditable_url": f"{URL}/epics/PROD-E-1"}, AuditSubject("feature", "11", None, None)),
        ({"auditable_url": "not a url ::: []"}, AuditSubject("feature", "11", None, None)),
    ],
    ids=[
        "a feature's name",
        "a requirement (lower case, numeric id)",
        "a requirement's description",
        "a requirement deleted",
        "no URL",
        "a URL of another record",
        "a URL that is none",
    ],
)
def test_the_record_an_audit_is_about(fields: dict[str, Any], expected: AuditSubject) -> None:
    assert audit_subject(audit(**fields)) == expected


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"audit_action": "destroy"}, "deleted in Aha!"),
        (
            {"changes": [{"field_name": "Work done", "value": "1h"}, {"field_name": "Remaining estimate"}]},
            "work done",
        ),
        ({"auditable_type": "Comment", "associated_type": "Feature", "associated_id": "1"}, "Comment"),
        (
            {"auditable_type": "TimeTrackingEvent", "associated_type": "feature", "associated_id": "1"},
            "not carry",
        ),
        (
            {"auditable_type": "IntegrationField", "associated_type": "Feature", "associated_id": "1"},
            "not carry",
        ),
        ({"auditable_type": "Release"}, "not a feature's or a requirement's"),
        ({"auditable_type": "Note", "associated_type": "Release", "associated_id": "1"}, "not a feature's"),
        ({"auditable_type": "Note", "associated_type": "Feature"}, "not a feature's"),  # no associated id
    ],
    ids=[
        "a feature deleted",
        "time only",
        "a comment",
        "a time tracking event",
        "an integration field",
        "a release",
        "a release's note",
        "a note of no record",
    ],
)
def test_what_a_send_does_not_carry_is_said_why(fields: dict[str, Any], said: str) -> None:
    subject = audit_subject(audit(**fields))
    assert isinstance(subject, str) and said in subject


def test_a_requirement_s_feature_is_its_reference_less_the_last_number() -> None:
    assert feature_of("requirement", "PROD-12-3") == "PROD-12"
    assert feature_of("requirement", "PROD") is None
    assert feature_of("feature", "PROD-12") == "PROD-12"
    assert feature_of("requirement", None) is None
