"""What an activity webhook's audit record says changed: which feature or requirement (the record itself, or
the record a description, attachment or custom field value belongs to), and whether it is anything a send
carries to Jira.

Aha! names types by class (`Feature`, `Note`, `TimeTrackingEvent`; its audits API shows them in lower case
too), and a record by its id; its reference is read from `auditable_url` (`.../features/PROD-1`,
`.../requirements/PROD-1-2`) when that points at the record, else left for the job to look up by id. A
requirement's feature is its reference less the last `-<n>` (Aha!'s `<feature>-<n>` references).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from aha_jira.models.aha_webhook import AhaAudit
from aha_jira.models.references import is_reference

RecordKind = Literal["feature", "requirement"]
_KINDS: dict[str, RecordKind] = {"feature": "feature", "requirement": "requirement"}
_COLLECTIONS: dict[RecordKind, str] = {"feature": "features", "requirement": "requirements"}
# What a send does not carry: comments (issue 17 takes them apart), time tracking and integration fields
# (what the connector itself writes to Aha!), votes, links to other records.
NOT_CARRIED_TYPES = frozenset(
    {"comment", "timetrackingevent", "integrationfield", "integrationfieldvalue", "vote", "recordlink"}
)
# Fields of a feature's or requirement's own audit that a send does not carry (lower case).
NOT_CARRIED_FIELDS = frozenset(
    {
        "work done",
        "remaining estimate",
        "score",
        "position",
        "progress",
        "comments count",
        "status changed on",
    }
)
_REQUIREMENT_NUMBER = re.compile(r"^(?P<feature>.+)-\d+$")


@dataclass(frozen=True)
class AuditSubject:
    """The record an audit is about: its kind and Aha! id, its reference when the audit names it, and the
    feature to send again (None: look it up from the record when the job runs)."""

    kind: RecordKind
    aha_id: str
    reference: str | None
    feature_reference: str | None


def _type(name: str | None) -> str:
    return (name or "").replace("_", "").replace(" ", "").casefold()


def audit_subject(audit: AhaAudit) -> AuditSubject | str:
    """The record whose change a send would carry, or why the audit is nothing to send (a sentence)."""
    own = _type(audit.auditable_type)
    action = audit.audit_action.casefold()
    if own in _KINDS:
        kind, aha_id = _KINDS[own], audit.auditable_id
        if kind == "feature" and action == "destroy":
            return "the feature was deleted in Aha!: its Jira issue stays as it is"
        fields = {change.field_name.strip().casefold() for change in audit.changes}
        if action == "update" and fields and fields <= NOT_CARRIED_FIELDS:
            return f"only {', '.join(sorted(fields))} changed, which a send does not carry"
    else:
        associated = _type(audit.associated_type)
        if associated not in _KINDS or audit.associated_id is None:
            return f"an audit of {audit.auditable_type}, which is not a feature's or a requirement's"
        if own in NOT_CARRIED_TYPES:
            return f"a {audit.auditable_type} change, which a send does not carry"
        kind, aha_id = _KINDS[associated], audit.associated_id
    reference = _reference_in_url(audit.auditable_url, kind)
    return AuditSubject(kind, aha_id, reference, feature_of(kind, reference))


def feature_of(kind: RecordKind, reference: str | None) -> str | None:
    if reference is None or kind == "feature":
        return reference
    found = _REQUIREMENT_NUMBER.match(reference)
    return found.group("feature") if found else None


def _reference_in_url(url: str | None, kind: RecordKind) -> str | None:
    try:
        segments = [part for part in urlsplit(url or "").path.split("/") if part]
    except ValueError:
        return None
    if len(segments) >= 2 and segments[-2] == _COLLECTIONS[kind] and is_reference(segments[-1]):
        return segments[-1]
    return None
