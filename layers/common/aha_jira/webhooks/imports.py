"""Import issues created in Jira (`jira:issue_created`) as new roadmap records.

Who imports an issue, per integration of the site (enabled, with `import.enabled`):
- a **requirement** when the issue's parent (a sub-task, or the child of an Epic) is the Jira issue of one
  of the integration's features, or when the issue has the mapped requirement type and is linked to one;
- otherwise a **feature** when the issue is in the integration's project and its type is listed under
  `import.issue_types` (by name, case-insensitive, or id).
An issue already linked to a record of the integration (our own send created it) is not imported again;
issues the integration's own Jira user creates are echoes of sends and never reach this module.

The new reference is allocated from an atomic counter (features: `<product>-N`, past every reference a send
brought; requirements: `<feature reference>-N`, past the feature's own requirements). The record, its link
and a claim on the Jira issue are written in the delivery's transaction: a second delivery of the same
creation, whatever its identifier, finds the claim and imports nothing more. Writing the reference back to
the Jira issue is a call to Jira, so it is queued (`ImportWriteBack`) and done by the retry worker.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from aha_jira.models.feature_record import FeatureRecord
from aha_jira.models.issue_link import IssueLink, RecordKind
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.models.references import is_reference, reference_number
from aha_jira.models.send import ImportWriteBack
from aha_jira.ports import ImportFeatureStore, ImportLinkStore
from aha_jira.webhooks.issue_changes import plan_issue_imported
from aha_jira.webhooks.plans import Plan, unchanged
from aha_jira.webhooks.routing import IntegrationContext, SiteRouting

if TYPE_CHECKING:
    from aha_jira.models.jira_payloads import JiraIssue


@dataclass(frozen=True)
class Candidate:
    integration: IntegrationContext
    kind: RecordKind
    feature: IssueLink | None = None  # a requirement's feature record


@dataclass(frozen=True)
class PlannedImport:
    """One integration's import of the created issue: the record to write (`plan.updated`) and the
    transaction items writing it (`writes`; empty once the import is off, `plan` then says why)."""

    candidate: Candidate
    plan: Plan
    writes: list[dict[str, Any]] = field(default_factory=list)
    feature_record: FeatureRecord | None = None

    @property
    def reference(self) -> str:
        return self.plan.current.reference


# Where each part sits in `PlannedImport.writes`; the commit reads a failed condition's meaning from it.
LINK_WRITE, CLAIM_WRITE, RECORD_WRITE = 0, 1, 2


def find_candidates(
    event: JiraWebhookEvent, routing: SiteRouting, links: ImportLinkStore
) -> tuple[list[Candidate], str]:
    """The integrations that import the created issue, and why none does when the list is empty."""
    issue = event.issue
    assert issue is not None  # an issue event carries its issue
    site_url = routing.site.site_url
    importing = {
        integration_id: context
        for integration_id, context in routing.integrations.items()
        if context.enabled and context.import_enabled
    }
    if not importing:
        return [], "no integration of this Jira site imports issues created in Jira"
    already = {link.integration_id for link, _ in routing.routes(links.find_by_issue(site_url, issue.id))}
    importing = {key: value for key, value in importing.items() if key not in already}
    if not importing:
        return [], "the issue is already linked to a roadmap record"

    chosen = _requirement_candidates(event, routing, links, importing)
    for integration_id, context in sorted(importing.items()):
        if integration_id not in chosen and _imports_as_feature(event, context):
            chosen[integration_id] = Candidate(context, "feature")
    if chosen:
        return [chosen[key] for key in sorted(chosen)], ""
    fields = issue.fields
    shown = fields.issuetype.name if fields.issuetype and fields.issuetype.name else "(unknown type)"
    project = fields.project.key if fields.project and fields.project.key else "(unknown)"
    return [], (
        f"no integration imports a {shown} created in project {project} (import.issue_types, project, "
        "or a parent linked to a roadmap feature)"
    )


def _requirement_candidates(
    event: JiraWebhookEvent,
    routing: SiteRouting,
    links: ImportLinkStore,
    importing: dict[str, IntegrationContext],
) -> dict[str, Candidate]:
    """Integrations with a feature linked to the issue's parent (or, for their requirement type, to an
    issue it links to)."""
    assert event.issue is not None
    fields = event.issue.fields
    type_name = (fields.issuetype.name or "").casefold() if fields.issuetype else ""
    related = [(fields.parent.id if fields.parent else None, True)]
    related += [(link.other_issue_id, False) for link in fields.issuelinks]
    chosen: dict[str, Candidate] = {}
    for other_id, by_parent in related:
        if not other_id:
            continue
        for link, context in routing.routes(links.find_by_issue(routing.site.site_url, other_id)):
            wanted = context.integration_id in importing and context.integration_id not in chosen
            if not wanted or link.kind != "feature" or link.jira.detached:
                continue
            if by_parent or type_name == context.requirement_issue_type.casefold():
                chosen[context.integration_id] = Candidate(context, "requirement", link)
    return chosen


def _imports_as_feature(event: JiraWebhookEvent, context: IntegrationContext) -> bool:
    assert event.issue is not None
    fields = event.issue.fields
    project = fields.project
    if not context.owns_project(project.key if project else None, project.id if project else None):
        return False
    type_name = (fields.issuetype.name or "").casefold() if fields.issuetype else ""
    type_id = fields.issuetype.id if fields.issuetype else None
    return type_name in context.import_issue_types or bool(type_id and type_id in context.import_issue_types)


def plan_import(
    candidate: Candidate,
    event: JiraWebhookEvent,
    routing: SiteRouting,
    *,
    links: ImportLinkStore,
    features: ImportFeatureStore,
    now: str,
) -> PlannedImport:
    """Allocate the new record's reference and prepare its writes."""
    issue = event.issue
    assert issue is not None
    context = candidate.integration
    if candidate.kind == "requirement":
        assert candidate.feature is not None
        feature_reference = candidate.feature.reference
        record = features.get(context.integration_id, feature_reference)
        if record is None:
            base = _new_link(
                context,
                feature_reference,
                kind="requirement",
                feature_reference=feature_reference,
                routing=routing,
                event=event,
            )
            return PlannedImport(
                candidate, unchanged(base, "ignored", "the parent feature has no roadmap record (yet)")
            )
        reference = provisional_reference(context, issue.key)
        if reference is None:
            known = [
                *record.requirement_references,
                *record.removed_requirements,
                *record.imported_requirements,
            ]
            highest = max((reference_number(feature_reference, ref) or 0 for ref in known), default=0)
            number = features.next_requirement_number(
                context.integration_id, feature_reference, at_least=highest
            )
            reference = f"{feature_reference}-{number}"
        base = _new_link(
            context,
            reference,
            kind="requirement",
            feature_reference=feature_reference,
            routing=routing,
            event=event,
        )
        plan = plan_issue_imported(event, base, context, now)
        assert plan.updated is not None
        writes = [
            *links.import_writes(plan.updated),
            features.import_requirement_write(context.integration_id, feature_reference, reference),
        ]
        return PlannedImport(candidate, plan, writes)

    reference = provisional_reference(context, issue.key) or (
        f"{context.product}-{features.next_feature_number(context.product)}"
    )
    base = _new_link(
        context, reference, kind="feature", feature_reference=reference, routing=routing, event=event
    )
    plan = plan_issue_imported(event, base, context, now)
    assert plan.updated is not None
    feature_record = FeatureRecord(
        integration_id=context.integration_id,
        reference=reference,
        name=plan.updated.jira.name or issue.key or reference,
        roadmap_status=plan.updated.jira.roadmap_status,
        created_at=now,
        updated_at=now,
        imported=True,
    )
    writes = [*links.import_writes(plan.updated), features.import_feature_write(feature_record)]
    return PlannedImport(candidate, plan, writes, feature_record)


def provisional_reference(context: IntegrationContext, issue_key: str | None) -> str | None:
    """On an Aha! integration the record is created in Aha!, which allocates its reference (the record is
    renamed then, `aha_jira.roadmap.aha_imports`); until then it carries `<product>-JIRA-<issue key>`, which
    no Aha! reference can be, so a provisional reference never names another record. None elsewhere: the
    integration allocates `<product>-N` itself."""
    if context.roadmap_type != "aha" or not issue_key:
        return None
    reference = f"{context.product}-JIRA-{issue_key}"
    return reference if is_reference(reference) else None


def already_imported(planned: PlannedImport, routing: SiteRouting, links: ImportLinkStore) -> PlannedImport:
    """The claim on the issue failed: another delivery of this creation imported it."""
    issue_id = str(planned.plan.current.issue_id)
    existing = links.imported_reference(
        planned.candidate.integration.integration_id, routing.site.site_url, issue_id
    )
    reason = f"the issue was imported before as {existing}" if existing else "the issue was imported before"
    return PlannedImport(planned.candidate, unchanged(planned.plan.current, "ignored", reason))


def writeback_job(planned: PlannedImport, public_base_url: str | None) -> ImportWriteBack:
    link = planned.plan.updated or planned.plan.current
    return ImportWriteBack(
        job_id=uuid.uuid4().hex,
        integration_id=link.integration_id,
        reference=link.reference,
        issue_id=str(link.issue_id),
        issue_key=link.issue_key,
        record_url=record_url(public_base_url, link),
    )


def pending_writebacks(
    event: JiraWebhookEvent, routing: SiteRouting, links: ImportLinkStore, public_base_url: str | None
) -> list[ImportWriteBack]:
    """Write-backs of records imported from this issue that never completed: a redelivered creation
    (after we failed to queue the write-back and answered 5xx) queues them again."""
    issue_id = event.issue_id
    if issue_id is None:
        return []
    return [
        ImportWriteBack(
            job_id=uuid.uuid4().hex,
            integration_id=link.integration_id,
            reference=link.reference,
            issue_id=issue_id,
            issue_key=link.issue_key,
            record_url=record_url(public_base_url, link),
        )
        for link, _ in routing.routes(links.find_by_issue(routing.site.site_url, issue_id))
        if link.imported and link.writeback_at is None
    ]


CATCH_UP_FIELDS = ["status", "resolution", "summary", "timespent", "timeestimate", "updated"]


def catch_up_event(issue: JiraIssue, *, now_ms: int | None = None) -> JiraWebhookEvent | None:
    """The issue as Jira has it now, as an issue event at its `updated` time: applied to a record just
    imported, it brings in changes whose own events arrived before the creation did (they found no record
    then), and it is older than any event still on its way (ordering keeps the newest). An `updated` in the
    future is taken as now (it must not outrank the events to come); None when the issue cannot be read as
    an event (no usable `updated`, or values out of bounds)."""
    updated = issue.fields.get("updated")
    if not isinstance(updated, str):
        return None
    try:
        at = datetime.strptime(updated, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return None
    now = int(time.time() * 1000) if now_ms is None else now_ms
    try:
        return JiraWebhookEvent.model_validate(
            {
                "timestamp": max(min(int(at.timestamp() * 1000), now), 0),
                "webhookEvent": "jira:issue_updated",
                "issue": {"id": issue.id, "key": issue.key, "fields": issue.fields},
            }
        )
    except ValidationError:
        return None


def record_url(public_base_url: str | None, link: IssueLink) -> str | None:
    if not public_base_url:
        return None
    return (
        f"{public_base_url.rstrip('/')}/integrations/{link.integration_id}/features/{link.feature_reference}"
    )


def _new_link(
    context: IntegrationContext,
    reference: str,
    *,
    kind: RecordKind,
    feature_reference: str,
    routing: SiteRouting,
    event: JiraWebhookEvent,
) -> IssueLink:
    issue = event.issue
    assert issue is not None
    return IssueLink(
        integration_id=context.integration_id,
        reference=reference,
        kind=kind,
        feature_reference=feature_reference,
        state="linked",
        token=uuid.uuid4().hex,
        site_url=routing.site.site_url,
        issue_id=issue.id,
        issue_key=issue.key,
        imported=True,
    )
