"""`POST .../releases/{release_ref}/send?dry_run=true`: what the release send would do, writing nothing.

Each feature and requirement is drafted exactly as the send drafts it (`sync/drafting`), then compared with
its stored link: no live link is a create, a content hash that differs (or a requirement now under another
feature) an update, an equal one unchanged. The Jira writes follow the send's own: one per create of a
feature, one bulk create per 50 new requirements, one edit per update, and one per fix version to create
(counted once for the whole release). A draft the stored create metadata refuses (a required field left
unmapped, an issue type no longer in the project) is a problem: the send would refuse that feature before any
write, so it plans none.

Nothing is written anywhere: no item, no message, no Jira write; the look-up cache is only read. Jira is read
only when a linked record's assignee is not in the cache (its hash depends on the account id), once per
e-mail; a version not in the snapshot or the cache is planned as created, not looked up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from aha_jira.aha.errors import AhaError
from aha_jira.connection.roadmap_access import aha_client_for
from aha_jira.errors import AhaJiraError, PayloadTooLarge
from aha_jira.integrations.query import load_integration
from aha_jira.jira.client import BULK_CREATE_LIMIT
from aha_jira.jira.errors import JiraError
from aha_jira.models.feature import AhaFeature, AhaRelease
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.release import (
    PlanAction,
    PlannedFeature,
    PlannedRequirement,
    PlanProblem,
    ReleasePlan,
    ReleaseSendBody,
    check_release,
)
from aha_jira.ports import LOOKUP_MISS, LookupCache
from aha_jira.releases.services import ReleaseServices, RoadmapRefused, RoadmapUnavailable, ready_snapshot
from aha_jira.releases.start import release_features_in_aha
from aha_jira.sync.drafting import DraftRefused, IssueDraft, draft_feature, draft_requirement

if TYPE_CHECKING:
    from aha_jira.jira.client import JiraClient

# A dry run with an empty body reads each feature from Aha! within one API request (29 s).
MAX_AHA_PLAN_FEATURES = 50


def plan_release(
    integration_id: str,
    release_ref: str,
    body: ReleaseSendBody | None,
    services: ReleaseServices,
    *,
    features: list[AhaFeature] | None = None,
) -> ReleasePlan:
    """The plan of a release send of `body` (or of `features` already read from Aha!)."""
    integration = load_integration(integration_id, services.send.integrations)
    snapshot = ready_snapshot(integration, services.send)
    if body is not None:
        features = check_release(body, release_ref).features
    elif features is None:
        features = _features_from_aha(integration, release_ref, services)
    planned_features = features
    references = [
        reference
        for feature in planned_features
        for reference in (feature.reference_num, *(r.reference_num for r in feature.requirements))
    ]
    links = services.send.links.get_many(integration_id, references)

    def reader() -> JiraClient:
        from aha_jira.connection.jira_access import jira_client_for  # noqa: PLC0415 - only for a read

        return jira_client_for(
            integration,
            services.send.secret_store,
            installations=services.send.installations,
            api_version=snapshot.api_version,
            budgets=services.send.rate_budgets,
            sites=services.send.integrations,
        )

    lookups = PlanLookups(snapshot, services.send.lookup_cache, integration_id, reader)
    plan = [_plan_feature(feature, integration, snapshot, lookups, links) for feature in planned_features]
    versions = sorted(lookups.versions_to_create.values())
    return ReleasePlan(
        release=release_ref,
        plan=plan,
        jira_writes=sum(item.jira_writes for item in plan) + len(versions),
        versions_to_create=versions,
    )


def _features_from_aha(
    integration: StoredIntegration, release_ref: str, services: ReleaseServices
) -> list[AhaFeature]:
    """The release's features as Aha! has them (the dry run of an empty body): one read per feature, within
    what one request can wait for at Aha!'s 300 requests a minute."""
    references = release_features_in_aha(integration, release_ref, services)
    if len(references) > MAX_AHA_PLAN_FEATURES:
        raise PayloadTooLarge(
            f"Release {release_ref} has {len(references)} features in Aha!; a dry run reads at most "
            f"{MAX_AHA_PLAN_FEATURES} from Aha! (one request each, at Aha!'s 300 a minute).",
            hint='Send the release and its features in the body ({"release", "features"}): the dry run of a '
            "body reads nothing from Aha!.",
            code="too_many_features",
        )
    client = aha_client_for(integration, services.send.secret_store, budgets=services.send.rate_budgets)
    features: list[AhaFeature] = []
    for reference in references:
        try:
            features.append(AhaFeature.model_validate(client.feature(reference).document))
        except AhaError as error:
            raise RoadmapUnavailable(
                f"Aha! could not give {reference}: {error.message}",
                hint="Nothing was written; try the dry run again, or send the features in the body.",
                code=error.code,
            ) from None
        except ValidationError as error:
            raise RoadmapRefused(
                f"Aha!'s {reference} cannot be sent: {error.errors()[0].get('msg')}",
                hint="Fix the feature in Aha!, or send the features in the body.",
                code="invalid_feature",
            ) from None
    return features


class PlanLookups:
    """The send's two look-ups without their writes: a version the snapshot and the cache do not know is
    planned as created (and given a stand-in id), a user is read from the cache, or from Jira when the plan
    of a linked record depends on it (`exact`), and never cached."""

    def __init__(
        self,
        snapshot: JiraSnapshot,
        cache: LookupCache,
        integration_id: str,
        reader: Callable[[], JiraClient],
    ) -> None:
        self._snapshot = snapshot
        self._cache = cache
        self._integration_id = integration_id
        self._reader = reader
        self._client: JiraClient | None = None
        self._users: dict[str, str | None] = {}
        self._not_cached: set[str] = set()  # e-mails the cache had no answer for (read once per plan)
        self._versions: dict[str, str] = {}
        self.versions_to_create: dict[str, str] = {}  # key → the name the send would give it
        self.exact = False  # set per record: does its plan depend on the exact answer?

    @property
    def jira_calls(self) -> int:
        return len(self._client.transport.calls) if self._client is not None else 0

    def version_id(self, release: AhaRelease) -> str | None:
        name = release.name.strip()
        if not name:
            return None
        key = name.casefold()
        if key not in self._versions:
            known = [v for v in self._snapshot.versions if v.name.strip().casefold() == key]
            live = next((v for v in known if not v.archived), known[0] if known else None)
            cached = self._cache.get(self._integration_id, "version", key) if live is None else None
            if live is not None:
                self._versions[key] = live.id
            elif cached:
                self._versions[key] = cached
            else:
                self.versions_to_create[key] = name
                self._versions[key] = f"to-create:{key}"
        return self._versions[key]

    def assignee(self, email: str) -> dict[str, str] | None:
        key = email.strip().casefold()
        if not key:
            return None
        if key not in self._users:
            # A release's features share a few assignees: the cache is asked once per e-mail, not per record.
            cached = None if key in self._not_cached else self._cache.get(self._integration_id, "user", key)
            if cached is None:
                self._not_cached.add(key)
            if cached is not None:
                self._users[key] = None if cached == LOOKUP_MISS else cached
            elif not self.exact:
                # A record to create: who is assigned changes nothing in the plan.
                return {"accountId": "unknown"}
            else:
                self._users[key] = self._read_user(key)
        identity = self._users[key]
        if identity is None:
            return None
        return {"accountId": identity} if self._snapshot.deployment == "cloud" else {"name": identity}

    def _read_user(self, email: str) -> str | None:
        if self._client is None:
            self._client = self._reader()
        try:
            users = [user for user in self._client.find_users(email) if user.active]
        except JiraError:  # the plan goes on without it: the record is planned as an update
            return f"unknown:{email}"
        exact = [user for user in users if (user.email_address or "").strip().casefold() == email]
        # Cloud hides e-mail addresses by users' privacy settings: one answer with none shown is the match.
        found = exact[0] if exact else (users[0] if len(users) == 1 and not users[0].email_address else None)
        if found is None:
            return None
        return found.account_id if self._snapshot.deployment == "cloud" else found.name


def _live(link: IssueLink | None) -> bool:
    return link is not None and link.state == "linked" and not link.jira.deleted_in_jira


def _plan_feature(
    feature: AhaFeature,
    integration: StoredIntegration,
    snapshot: JiraSnapshot,
    lookups: PlanLookups,
    links: dict[str, IssueLink],
) -> PlannedFeature:
    problems: list[PlanProblem] = []

    def drafted(reference: str, draft: Callable[[], IssueDraft]) -> IssueDraft | None:
        lookups.exact = _live(links.get(reference))
        try:
            return draft()
        except DraftRefused as refused:
            problems.append(_problem(refused, snapshot))
        except AhaJiraError as refused:
            problems.append(PlanProblem(code=refused.code, message=refused.message, hint=refused.hint))
        return None

    feature_draft = drafted(
        feature.reference_num, lambda: draft_feature(feature, integration, snapshot, lookups)
    )
    requirement_drafts = {
        requirement.reference_num: drafted(
            requirement.reference_num,
            lambda r=requirement: draft_requirement(r, feature, integration, snapshot, lookups),  # type: ignore[misc]
        )
        for requirement in feature.requirements
    }
    feature_action = _action(feature_draft, links.get(feature.reference_num), feature.reference_num, None)
    requirements = [
        PlannedRequirement(
            reference=reference,
            action=_action(draft, links.get(reference), reference, feature.reference_num),
        )
        for reference, draft in requirement_drafts.items()
    ]
    creates = sum(1 for item in requirements if item.action == "create")
    writes = (
        (1 if feature_action != "unchanged" else 0)
        + math.ceil(creates / BULK_CREATE_LIMIT)
        + sum(1 for item in requirements if item.action == "update")
    )
    if feature_action == "unchanged" and writes:
        feature_action = "update"
    return PlannedFeature(
        reference=feature.reference_num,
        action=feature_action,
        # A refused draft stops the send before its first write.
        jira_writes=0 if problems else writes,
        problems=problems,
        requirements=requirements,
    )


def _action(
    draft: IssueDraft | None, link: IssueLink | None, reference: str, feature_reference: str | None
) -> PlanAction:
    if not _live(link):
        return "create"
    assert link is not None
    moved = feature_reference is not None and link.feature_reference != feature_reference
    if draft is None or moved or link.content_hash != draft.content_hash:
        return "update"
    return "unchanged"


def _problem(refused: DraftRefused, snapshot: JiraSnapshot) -> PlanProblem:
    if refused.field_id == "issuetype":
        code = "issue_type_not_found"
    else:
        screens = [issue_type.create_fields.get(refused.field_id) for issue_type in snapshot.issue_types]
        required = any(meta is not None and meta.required for meta in screens)
        code = "required_field_unmapped" if required else refused.code
    return PlanProblem(code=code, message=refused.message, hint=refused.hint)
