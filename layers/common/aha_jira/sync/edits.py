"""Edits: a linked issue is edited only when its record changed since the last send."""

from __future__ import annotations

from aha_jira.integration_log import Outcome, Timer, record_action
from aha_jira.jira.errors import JiraError
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.send import JiraIssueRef
from aha_jira.sync.drafting import IssueDraft
from aha_jira.sync.failures import ensure_still_current, ensure_time_for_a_write, transient_or_refused
from aha_jira.sync.placement import placement
from aha_jira.sync.send_attempt import SendAttempt, issue_summary


def update_if_changed(
    send: SendAttempt, draft: IssueDraft, link: IssueLink, *, counted: bool = True
) -> JiraIssueRef:
    """Edit the linked issue when the draft changed since the last send, or when the requirement moved
    to this feature from another (the hash does not cover where it belongs). `counted=False` for an issue
    this send reports as created (reconciled), which is neither unchanged nor updated."""
    assert link.issue_key is not None and link.issue_id is not None
    ref = JiraIssueRef(key=link.issue_key, id=link.issue_id, url=send.browse_url(link.issue_key))
    send.issues[draft.reference] = ref
    feature_reference = send.feature.reference_num
    moved = draft.kind == "requirement" and link.feature_reference != feature_reference
    if link.content_hash == draft.content_hash and not moved:
        if counted:
            send.unchanged.append(draft.reference)
        return ref
    edit = draft.edit
    if moved:
        place_fields, place_update = placement(send.snapshot, send.issues[feature_reference])
        edit = {
            **draft.edit,
            "fields": {**draft.edit.get("fields", {}), **place_fields},
            "update": {**draft.edit.get("update", {}), **place_update},
        }
    ensure_time_for_a_write(send)
    ensure_still_current(send)
    timer = Timer()
    try:
        send.client.edit_issue(link.issue_key, edit)
    except JiraError as error:
        raise transient_or_refused(send, error, draft.reference) from None
    record_action(
        f"{draft.kind}.updated",
        Outcome.SUCCEEDED,
        integration_id=send.integration_id,
        reference=draft.reference,
        jira_key=link.issue_key,
        jira_status=204,
        duration_ms=timer.ms(),
        message=f"Updated {link.issue_key} ({draft.kind} {draft.reference} changed since the last send)"
        + (f"; moved under {feature_reference}" if moved else ""),
        feature_reference=feature_reference,
    )
    send.services.links.save_synced(
        link.model_copy(
            update={
                "content_hash": draft.content_hash,
                "synced_at": send.now_iso(),
                "feature_reference": feature_reference
                if draft.kind == "requirement"
                else link.feature_reference,
            }
        ).with_jira(name=issue_summary(draft), summary=issue_summary(draft))
    )
    if counted:
        send.updated.append(draft.reference)
    return ref
