"""A roadmap comment on a linked record becomes a Jira comment on its issue (DESIGN.md "Two-way content"):
`POST /integrations/{id}/features/{reference}/comments`, and Aha!'s webhook through the retry worker
(`roadmap_inbound/comments.py`). One Jira call per comment change: `POST .../issue/{key}/comment` (ADF on
Cloud v3, wiki markup on Data Center v2, the roadmap author named), `PUT .../comment/{id}` for an edit,
`DELETE` for a deletion.

Exactly once: each roadmap comment's Jira copy is remembered in its own item (`ports.CommentLinks`), claimed
by one writer at a time (two deliveries of one comment: the second is told 409 `comment_busy` and tries
again). The Jira comment carries the entity property `aha-jira-comment` (`{"integration_id", "reference",
"comment_id"}`), written with it in the same call; a write whose answer was lost leaves an intent, and the
next attempt looks for the stamp among the issue's comments before writing again. A comment that is the
integration's own copy of a Jira comment (`origin: jira`) is an echo: nothing goes back to Jira.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from aha_jira.errors import AhaJiraError, Conflict, NotFound
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.jira.errors import JiraError, JiraNotFound
from aha_jira.jira.rich_text import RichTextFormat, render
from aha_jira.models.comment_link import CommentLink
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.roadmap_comment import (
    COMMENT_ID_PATTERN,
    CommentOutcome,
    CommentSynced,
    JiraCommentRef,
    RoadmapCommentBody,
)
from aha_jira.ports import CommentLinks
from aha_jira.sync.send import SendServices, ready_snapshot

if TYPE_CHECKING:
    from aha_jira.jira.client import JiraClient

COMMENT_PROPERTY = "aha-jira-comment"
_COMMENT_ID = re.compile(COMMENT_ID_PATTERN)
CLAIM_SECONDS = 60.0


@dataclass(frozen=True)
class CommentServices:
    send: SendServices  # the integration, its Jira snapshot and credentials, the records' links
    comments: CommentLinks


class CommentBusy(Conflict):
    code = "comment_busy"


class JiraCommentFailed(AhaJiraError):
    """Jira did not take the comment: 503 when it may a moment later (retried by the caller), else 502."""

    status = 502
    code = "jira_refused"

    def __init__(self, error: JiraError) -> None:
        transient = error.transient
        super().__init__(
            f"Jira did not take the comment: {error.message}",
            hint="Try again: the same comment id is carried once."
            if transient
            else error.hint or "Check the integration's Jira account may comment on the issue.",
            code="jira_unavailable" if transient else "jira_refused",
        )
        self.transient = transient
        if transient:
            self.status = 503


def check_comment_id(comment_id: str) -> None:
    """404 for a comment id in a path that cannot be one (not echoed)."""
    if not _COMMENT_ID.fullmatch(comment_id):
        raise NotFound(
            "No roadmap comment has this id: ids are 1-64 letters, digits, '_', '.', ':' or '-', starting "
            "with a letter or digit.",
            hint="Use the id the comment was posted with.",
            code="comment_not_found",
        )


def version_of(moment: str | None) -> int:
    """An ISO 8601 time as epoch ms (0: none or unreadable: the edit is applied by its body alone)."""
    try:
        parsed = datetime.fromisoformat((moment or "").replace("Z", "+00:00"))
    except ValueError:
        return 0
    return int(parsed.timestamp() * 1000) if parsed.tzinfo is not None else 0


def _digest(comment: RoadmapCommentBody) -> str:
    return hashlib.sha256(f"{comment.author or ''}\n{comment.body}".encode()).hexdigest()[:32]


def _linked(integration: StoredIntegration, reference: str, services: CommentServices) -> IssueLink:
    link = services.send.links.get_many(integration.integration_id, [reference]).get(reference)
    if link is None or link.state != "linked" or not link.issue_key or link.jira.detached:
        raise Conflict(
            f"{reference} is not linked to a Jira issue.",
            hint="Send the feature first (POST /integrations/{id}/features/{reference}/send); its comments "
            "then go to its issue.",
            code="not_linked",
        )
    return link


def _claim(link: CommentLink, services: CommentServices) -> CommentLink:
    now = services.send.clock()
    claimed = services.comments.claim(link, until=now + CLAIM_SECONDS, now=now)
    if claimed is None:
        raise CommentBusy(
            f"Comment {link.comment_id} is being carried to Jira by another request.",
            hint="Try again in a minute: the comment is carried once.",
        )
    return claimed


def _answer(outcome: CommentOutcome, link: CommentLink, issue_key: str | None, reason: str) -> CommentSynced:
    record_action(
        "comment.carried",
        Outcome.SUCCEEDED if outcome in {"created", "updated", "deleted"} else Outcome.SKIPPED,
        integration_id=link.integration_id,
        reference=link.reference,
        jira_key=issue_key,
        message=f"Roadmap comment {link.comment_id}: {outcome}: {reason}",
        comment_id=link.comment_id,
        jira_comment_id=link.peer_id,
        comment_outcome=outcome,
    )
    return CommentSynced(
        outcome=outcome,
        reference=link.reference,
        comment_id=link.comment_id,
        jira=JiraCommentRef(key=issue_key, comment_id=link.peer_id),
        reason=reason,
    )


def carry_comment(
    integration_id: str,
    reference: str,
    comment: RoadmapCommentBody,
    services: CommentServices,
    *,
    deadline: float | None = None,
) -> CommentSynced:
    """Create or edit the Jira copy of the roadmap comment."""
    integration = load_integration(integration_id, services.send.integrations)
    snapshot = ready_snapshot(integration, services.send)
    issue = _linked(integration, reference, services)
    claimed = _claim(
        CommentLink(integration_id, reference, "roadmap", comment.id, origin="roadmap"), services
    )
    final: CommentLink | None = claimed
    try:
        if claimed.origin != "roadmap":
            return _answer("echo", claimed, issue.issue_key, "the integration's own copy of a Jira comment")
        if claimed.deleted:
            return _answer("stale", claimed, issue.issue_key, "the comment was deleted before")
        version, digest = version_of(comment.updated_at or comment.created_at), _digest(comment)
        if claimed.peer_id is not None and version and version < claimed.version:
            return _answer("stale", claimed, issue.issue_key, "a newer edit of the comment was carried")
        if claimed.peer_id is not None and claimed.digest == digest:
            return _answer("unchanged", claimed, issue.issue_key, "Jira has this comment as it is")
        client = _client(integration, snapshot.api_version, services, deadline)
        fmt = RichTextFormat.ADF if snapshot.api_version >= 3 else RichTextFormat.WIKI
        body = render(attributed_html(comment, reference), fmt)
        final, outcome = _write(client, issue, claimed, body, services)
        final = final.changed(version=max(version, claimed.version), digest=digest)
        return _answer(
            outcome, final, issue.issue_key, f"the comment was {outcome} in Jira {issue.issue_key}"
        )
    except JiraError as error:
        final = None  # the intent saved before a create stays for the next attempt
        raise _failed(error, claimed, issue.issue_key) from None
    finally:
        _settle(final, claimed, services)


def remove_comment(
    integration_id: str,
    reference: str,
    comment_id: str,
    services: CommentServices,
    *,
    deadline: float | None = None,
) -> CommentSynced:
    """Delete the Jira copy of a roadmap comment deleted in the roadmap (a tombstone: a late create or edit of
    it is not carried)."""
    integration = load_integration(integration_id, services.send.integrations)
    snapshot = ready_snapshot(integration, services.send)
    issue = _linked(integration, reference, services)
    claimed = _claim(
        CommentLink(integration_id, reference, "roadmap", comment_id, origin="roadmap"), services
    )
    final: CommentLink | None = claimed
    try:
        if claimed.origin != "roadmap":
            return _answer("echo", claimed, issue.issue_key, "the integration's own copy of a Jira comment")
        if claimed.deleted:
            return _answer("stale", claimed, issue.issue_key, "the comment was deleted before")
        final = claimed.changed(deleted=True, intent=None)
        if claimed.peer_id is None and claimed.intent is None:
            return _answer("deleted", final, issue.issue_key, "the comment never reached Jira")
        client = _client(integration, snapshot.api_version, services, deadline)
        peer = claimed.peer_id or _stamped(client, issue, claimed)
        if peer is not None:
            # Not found: deleted before (an attempt whose answer was lost), or by someone in Jira.
            with suppress(JiraNotFound):
                client.delete_comment(issue.issue_key or "", peer)
        final = final.changed(peer_id=peer)
        return _answer(
            "deleted", final, issue.issue_key, f"the comment was deleted in Jira {issue.issue_key}"
        )
    except JiraError as error:
        final = None  # not deleted yet: the next attempt deletes it
        raise _failed(error, claimed, issue.issue_key) from None
    finally:
        _settle(final, claimed, services)


def _failed(error: JiraError, link: CommentLink, issue_key: str | None) -> JiraCommentFailed:
    failed = JiraCommentFailed(error)
    record_action(
        "comment.carried",
        Outcome.FAILED,
        integration_id=link.integration_id,
        reference=link.reference,
        jira_key=issue_key,
        message=f"Roadmap comment {link.comment_id}: {failed.message}",
        hint=failed.hint,
        error_code=failed.code,
        jira_status=error.status,
        comment_id=link.comment_id,
    )
    return failed


def _settle(final: CommentLink | None, claimed: CommentLink, services: CommentServices) -> None:
    """Keep what was done and give the claim back; after a failure, give it back only."""
    if final is None:
        services.comments.release(claimed)
    else:
        services.comments.save(final.changed(claim_until=0.0))


def attributed_html(comment: RoadmapCommentBody, reference: str) -> str:
    author = escape(comment.author) if comment.author else "A roadmap user"
    return f"<p><b>{author}</b> (Aha! {escape(reference)}):</p>{comment.body}"


def _client(
    integration: StoredIntegration, api_version: int, services: CommentServices, deadline: float | None
) -> JiraClient:
    # The Jira client (requests, signers) is imported with the first comment, not with the handler.
    from aha_jira.connection.jira_access import jira_client_for  # noqa: PLC0415

    send = services.send
    return jira_client_for(
        integration,
        send.secret_store,
        installations=send.installations,
        api_version=api_version,
        deadline=deadline,
        budgets=send.rate_budgets,
        sites=send.integrations,
    )


def _stamp(link: CommentLink) -> dict[str, Any]:
    return {"integration_id": link.integration_id, "reference": link.reference, "comment_id": link.comment_id}


def _stamped(client: JiraClient, issue: IssueLink, link: CommentLink) -> str | None:
    """The issue's comment carrying this roadmap comment's stamp (written by an answer-less attempt)."""
    stamp = _stamp(link)
    for found in client.comments(issue.issue_key or ""):
        if found.property(COMMENT_PROPERTY) == stamp:
            return found.id
    return None


def _write(
    client: JiraClient,
    issue: IssueLink,
    claimed: CommentLink,
    body: dict[str, Any] | str,
    services: CommentServices,
) -> tuple[CommentLink, CommentOutcome]:
    key = issue.issue_key or ""
    link = claimed
    if link.peer_id is None and link.intent is not None:
        link = link.changed(peer_id=_stamped(client, issue, link), intent=None)
    if link.peer_id is not None:
        try:
            client.update_comment(key, link.peer_id, body)
        except JiraNotFound:
            link = link.changed(peer_id=None)  # deleted in Jira meanwhile: the edit writes it again
        else:
            return link, "updated"
    # The create may be done while its answer is lost: the next attempt looks for the stamp first.
    services.comments.save(link.changed(intent="create"))
    created = client.add_comment(key, body, {COMMENT_PROPERTY: _stamp(link)})
    return link.changed(peer_id=created.id, intent=None), "created"
