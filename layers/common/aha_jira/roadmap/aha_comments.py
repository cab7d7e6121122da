"""The Aha! calls of a Jira comment on a linked record (`record.commented`, `record.comment_updated`,
`record.comment_deleted`; DESIGN.md "Two-way content"): one call per comment change.

- written: `POST /features/{ref}/comments` (or `/requirements/`, `/epics/`), the body Jira's rich text read back
  as HTML, its Jira author named and linked to the comment in Jira:
  `<p><b>Jane Doe</b> (<a href=".../browse/MOB-12?focusedCommentId=10019">Jira MOB-12</a>):</p>...`;
- edited: `PUT /comments/{id}` of the Aha! copy (a copy deleted in Aha! meanwhile is not posted again);
- deleted: `DELETE /comments/{id}` of the copy.

Exactly once: each Jira comment's Aha! copy is remembered in its own item (`ports.CommentLinks`), never in
the record's memo or link. Before it posts, the connector records the intent; an attempt that finds an intent
without a copy (the post was done and its answer lost) looks for the copy among the record's comments by the
Jira comment's permalink before posting again. Each comment's events carry Jira's version (`data.comment.
version`): an older one than the copy's is skipped (deliveries arrive in any order), a deleted comment stays
deleted (a late create or edit is skipped), and a roadmap comment the integration wrote to Jira is never
carried back (an echo).
"""

from __future__ import annotations

import re
from contextlib import suppress
from html import escape
from typing import Any

from aha_jira.aha.client import AhaClient
from aha_jira.aha.errors import AhaNotFound
from aha_jira.models.comment_link import CommentLink
from aha_jira.models.roadmap_event import COMMENT_DELETED, RoadmapEvent
from aha_jira.roadmap.outcomes import Delivered, Outcome, RecordDelivery, Skipped

_PERMALINK = re.compile(r"focusedCommentId=(\d+)")


def permalink(event: RoadmapEvent, comment_id: str) -> str:
    jira = event.data.get("jira") or {}
    url = jira.get("url") or ""
    return f"{url}?focusedCommentId={comment_id}#comment-{comment_id}" if url else ""


def attributed_html(event: RoadmapEvent, comment: dict[str, Any]) -> str:
    """The Aha! comment: who wrote it in Jira, where (linked to the comment), then its body."""
    jira = event.data.get("jira") or {}
    author = (comment.get("author") or {}).get("name") or "A Jira user"
    where = f"Jira {jira.get('key') or 'issue'}"
    link = permalink(event, str(comment.get("id")))
    said = f'<a href="{escape(link)}">{escape(where)}</a>' if link else escape(where)
    return f"<p><b>{escape(str(author))}</b> ({said}):</p>{comment.get('body') or ''}"


def _posted_earlier(client: AhaClient, event: RoadmapEvent, reference: str, comment_id: str) -> str | None:
    """The id of the record's Aha! comment that links to the Jira comment (an earlier attempt's post)."""
    for found in client.comments(event.kind, reference):
        if comment_id in _PERMALINK.findall(found.body or ""):
            return found.id
    return None


def deliver_comment(client: AhaClient, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
    store = record.services.comments
    comment = event.data.get("comment") or {}
    comment_id = str(comment.get("id") or "")
    if store is None or not comment_id:
        return Skipped("the event names no comment" if store else "this delivery worker keeps no comments")
    version = int(comment.get("version") or 0)
    link = store.get(record.integration_id, record.reference, "jira", comment_id) or CommentLink(
        record.integration_id, record.reference, "jira", comment_id, origin="jira"
    )
    skip = _not_carried(link)
    if skip is not None:
        return skip
    if link.peer_id is None and link.intent is not None:
        found = _posted_earlier(client, event, record.reference, comment_id)
        link = link.changed(peer_id=found, intent=None)
        if found is not None:
            store.save(link)
    if event.type == COMMENT_DELETED:
        return _delete(client, record, link, version)
    if link.peer_id is not None and version <= link.version:
        return Skipped(f"Aha! has this version of Jira comment {comment_id} or a newer one")
    body = attributed_html(event, comment)
    if link.peer_id is not None:
        return _edit(client, record, link, body, version)
    store.save(link.changed(intent=f"post:{version}"))
    posted = client.add_comment(event.kind, record.reference, body)
    store.save(link.changed(peer_id=posted.id, intent=None, version=version))
    return Delivered(f"Jira comment {comment_id}: Aha! comment {posted.id} posted")


def _not_carried(link: CommentLink) -> Skipped | None:
    if link.origin != "jira":
        return Skipped("a roadmap comment the integration wrote to Jira (its echo)")
    if link.deleted:
        return Skipped("the comment was deleted in Jira: a late change of it is not carried")
    return None


def _edit(client: AhaClient, record: RecordDelivery, link: CommentLink, body: str, version: int) -> Outcome:
    store = record.services.comments
    assert store is not None and link.peer_id is not None
    try:
        client.update_comment(link.peer_id, body)
    except AhaNotFound:
        store.save(link.changed(version=version))
        return Skipped(f"the Aha! copy of Jira comment {link.comment_id} was deleted in Aha!")
    store.save(link.changed(version=version))
    return Delivered(f"Jira comment {link.comment_id}: Aha! comment {link.peer_id} edited")


def _delete(client: AhaClient, record: RecordDelivery, link: CommentLink, version: int) -> Outcome:
    store = record.services.comments
    assert store is not None
    gone = link.changed(deleted=True, intent=None, version=max(version, link.version))
    if link.peer_id is None:
        store.save(gone)
        return Skipped(f"Jira comment {link.comment_id} was deleted before it reached Aha!")
    # Not found: deleted before (an attempt whose answer was lost), or by someone in Aha!.
    with suppress(AhaNotFound):
        client.delete_comment(link.peer_id)
    store.save(gone)
    return Delivered(f"Jira comment {link.comment_id}: Aha! comment {link.peer_id} deleted")
