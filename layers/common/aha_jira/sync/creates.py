"""Creates: the feature's issue, then its requirements' issues in bulk, each behind a reservation.

A record already linked goes to the edits instead; a requirement's issue is created already joined to its
feature's issue. Jira may refuse some elements of a bulk create and create the others: the created ones are
linked, the refused ones given back and reported together.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aha_jira.errors import AhaJiraError
from aha_jira.jira.client import BULK_CREATE_LIMIT
from aha_jira.jira.errors import JiraError, JiraRejected
from aha_jira.models.feature import AhaRequirement
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_payloads import BulkCreateResult
from aha_jira.models.send import JiraIssueRef
from aha_jira.settings import retry_timing
from aha_jira.sync.drafting import IssueDraft, stamp_property
from aha_jira.sync.edits import update_if_changed
from aha_jira.sync.failures import RetryLater, Superseded, ensure_time_for_a_write, transient_or_refused
from aha_jira.sync.placement import placement
from aha_jira.sync.refusals import refusal_from_errors
from aha_jira.sync.reservations import (
    Reserved,
    after_failed_create,
    give_back,
    keep_held,
    link_issue,
    reserve,
)
from aha_jira.sync.send_attempt import SendAttempt


def _live(link: IssueLink | None) -> bool:
    """Linked to an issue that still exists. A record whose issue was deleted in Jira is created again by
    the next send (the user pushed it again: they want it in Jira); its reservation replaces the link."""
    return link is not None and link.state == "linked" and not link.jira.deleted_in_jira


def sync_feature_issue(send: SendAttempt, draft: IssueDraft, link: IssueLink | None) -> JiraIssueRef:
    """The feature's (or its epic's) issue: edited when linked, otherwise reserved, then reconciled or
    created."""
    if link is not None and _live(link):
        return update_if_changed(send, draft, link)
    body = {
        "fields": draft.create_fields,
        "properties": [stamp_property(draft.reference, send.token, send.integration_id)],
    }
    reserved = reserve(
        send, [draft], kind="epic" if draft.kind == "epic" else "feature", feature_reference=draft.reference
    )
    if draft.reference in reserved.already_linked:
        return update_if_changed(send, draft, reserved.already_linked[draft.reference])
    if draft.reference in reserved.found:
        # Created by an earlier attempt, maybe from an older payload: bring it up to this one.
        return update_if_changed(send, draft, reserved.found[draft.reference], counted=False)
    try:
        ensure_time_for_a_write(send)
    except RetryLater:
        give_back(send, reserved)
        raise
    keep_held(send, reserved)
    try:
        created = send.client.create_issue(body)
    except JiraError as error:
        after_failed_create(send, reserved.held, error)
        raise transient_or_refused(send, error, draft.reference) from None
    link_issue(send, reserved.held[draft.reference], draft, created.id, created.key)
    return send.issues[draft.reference]


def sync_requirements(
    send: SendAttempt,
    feature_issue: JiraIssueRef,
    requirements: list[AhaRequirement],
    drafts: list[IssueDraft],
    links: dict[str, IssueLink],
) -> None:
    """The requirements' issues: edited when linked; the others reserved, then reconciled or created in
    bulk under the feature's issue. Raises the refusals of the elements Jira refused, once the rest is done."""
    new: list[IssueDraft] = []
    for draft in drafts:
        link = links.get(draft.reference)
        if link is not None and _live(link):
            update_if_changed(send, draft, link)
        else:
            new.append(draft)
    if not new:
        return
    reserved = reserve(send, new, kind="requirement", feature_reference=send.feature.reference_num)
    for reference, link in reserved.already_linked.items():
        update_if_changed(send, next(d for d in new if d.reference == reference), link)
    to_create = [
        draft for draft in new if draft.reference in reserved.held and draft.reference not in reserved.found
    ]
    refused: dict[str, tuple[dict[str, str], list[str]]] = {}
    settled: set[str] = set()  # reservations linked, given back, or left uncertain by a failed create
    try:
        for reference, found in reserved.found.items():
            # Created by an earlier attempt, maybe from an older payload: bring it up to this one.
            update_if_changed(send, next(d for d in new if d.reference == reference), found, counted=False)
        for chunk in _chunks(to_create, BULK_CREATE_LIMIT):
            bodies = [_requirement_body(send, draft, feature_issue) for draft in chunk]
            ensure_time_for_a_write(send)
            # The earlier chunks may have taken long (the rate limit): this one's leases must still run.
            kept = Reserved(
                held={draft.reference: reserved.held[draft.reference] for draft in chunk},
                took_over={
                    d.reference: reserved.took_over[d.reference]
                    for d in chunk
                    if d.reference in reserved.took_over
                },
            )
            keep_held(send, kept)
            reserved.held.update(kept.held)
            held = kept.held
            result: BulkCreateResult | None
            try:
                result = send.client.create_issues(bodies)
            except JiraRejected as error:
                # Every element refused: Jira answers 400 with each element's errors.
                send.jira_status = error.status
                result = _refused_bulk(error)
                if result is None:
                    after_failed_create(send, held, error)
                    settled.update(held)
                    raise transient_or_refused(send, error, chunk[0].reference) from None
            except JiraError as error:
                after_failed_create(send, held, error)
                settled.update(held)
                raise transient_or_refused(send, error, chunk[0].reference) from None
            settled.update(held)
            refused.update(_apply_bulk_result(send, chunk, held, result))
    except (RetryLater, AhaJiraError, Superseded):
        # Later chunks were reserved but never sent: free them for the retry.
        unsent = {
            ref: link
            for ref, link in reserved.held.items()
            if ref not in settled and ref not in reserved.found
        }
        took_over = {ref: at for ref, at in reserved.took_over.items() if ref in unsent}
        give_back(send, Reserved(held=unsent, took_over=took_over))
        raise
    if refused:
        raise refusal_from_errors(refused, send.snapshot)


def _refused_bulk(error: JiraRejected) -> BulkCreateResult | None:
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return BulkCreateResult.model_validate(body)
    return None


def _apply_bulk_result(
    send: SendAttempt, chunk: list[IssueDraft], held: dict[str, IssueLink], result: BulkCreateResult
) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Link what Jira created; give back the reservations of the elements it refused (and say why).

    Jira answers the created issues in request order, without the refused elements, and names each
    refused element by its index (`failedElementNumber`).
    """
    refused: dict[str, tuple[dict[str, str], list[str]]] = {}
    failed = {item.failed_element_number: item for item in result.errors}
    succeeded = iter(result.issues)
    lost: RetryLater | None = None  # a reservation another send took over: link the others first
    for index, draft in enumerate(chunk):
        if index in failed:
            send.services.links.release(held[draft.reference])
            element = failed[index].element_errors
            refused[draft.reference] = (
                {str(k): str(v) for k, v in (element.get("errors") or {}).items()},
                [str(m) for m in element.get("errorMessages") or []],
            )
            continue
        issue = next(succeeded, None)
        if issue is None:  # Jira answered fewer issues than it accepted: unknown, reconcile later
            send.services.links.mark_uncertain(held[draft.reference], lease_until=send.now())
            raise RetryLater(
                "Jira's bulk answer was incomplete", minimum_delay=retry_timing().search_consistency_seconds
            )
        try:
            link_issue(send, held[draft.reference], draft, issue.id, issue.key)
        except RetryLater as later:
            lost = lost or later
    if lost is not None:
        raise lost
    return refused


def _requirement_body(send: SendAttempt, draft: IssueDraft, feature_issue: JiraIssueRef) -> dict[str, Any]:
    place_fields, place_update = placement(send.snapshot, feature_issue)
    body: dict[str, Any] = {
        "fields": {**draft.create_fields, **place_fields},
        "properties": [stamp_property(draft.reference, send.token, send.integration_id)],
    }
    if place_update:
        # The link travels in the create itself: no extra call per requirement.
        body["update"] = place_update
    return body


def _chunks(items: list[IssueDraft], size: int) -> Iterator[list[IssueDraft]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
