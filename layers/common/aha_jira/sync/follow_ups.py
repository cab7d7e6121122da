"""What a send does once every issue exists, record by record (the feature, then its requirements):

- a roadmap status change on a record linked before this send moves its issue (`transitions.py`);
- the record's attachments are uploaded (`attachments.py`), then, when its description shows some of them,
  the description is written again to show them from the issue (an edit only when that changes it);
- the roadmap URL the issue links back to is kept for the next send (a payload without `url` keeps it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aha_jira.models.feature import AhaRecord
from aha_jira.models.issue_link import IssueLink
from aha_jira.sync.attachments import hosted_images, upload_attachments
from aha_jira.sync.drafting import IssueDraft, RecordContext
from aha_jira.sync.edits import update_if_changed
from aha_jira.sync.failures import ensure_still_current
from aha_jira.sync.send_attempt import SendAttempt
from aha_jira.sync.transitions import push_status, status_changed

__all__ = ["RecordSent", "follow_up"]


@dataclass(frozen=True)
class RecordSent:
    """A record of this send: its payload, its draft, its link before the send (None: new), and how to
    draft it again with other context (the images now on its issue)."""

    record: AhaRecord
    draft: IssueDraft
    before: IssueLink | None
    redraft: Callable[[RecordContext], IssueDraft]
    context: RecordContext


def follow_up(send: SendAttempt, records: list[RecordSent]) -> None:
    links = send.services.links
    for item in records:
        before = item.before
        if before is None or item.draft.reference not in send.issues:
            continue
        if before.issue_key and status_changed(before, item.draft.roadmap_status):
            assert item.draft.roadmap_status is not None
            ensure_still_current(send)  # a superseded retry must not move the issue to an older status
            push_status(send, before, item.draft.roadmap_status)
        elif item.draft.roadmap_status and before.sent_status != item.draft.roadmap_status:
            links.save_status_sent(before, sent_status=item.draft.roadmap_status)
        if item.draft.record_url and before.record_url != item.draft.record_url:
            links.save_record_url(before, item.draft.record_url)
    with_files = [
        item
        for item in records
        if item.draft.reference in send.issues
        and item.record.all_attachments()
        and send.integration.mapping.send_attachments
    ]
    if not with_files:
        return
    now = links.get_many(send.integration_id, [item.draft.reference for item in with_files])
    for item in with_files:
        link = now.get(item.draft.reference)
        if link is None or link.state != "linked":
            continue
        link = upload_attachments(send, item.record, link)
        _show_hosted_images(send, item, link)


def _show_hosted_images(send: SendAttempt, item: RecordSent, link: IssueLink) -> None:
    if not link.attachments or "<img" not in item.record.description.body.lower():
        return
    context = RecordContext(
        known_url=item.context.known_url, images=hosted_images(link), parent_fields=item.context.parent_fields
    )
    draft = item.redraft(context)
    if draft.content_hash == link.content_hash:
        return
    reference = draft.reference
    update_if_changed(send, draft, link, counted=False)
    if reference in send.unchanged:
        send.unchanged.remove(reference)
        send.updated.append(reference)
