"""Comment writes, shared by the REST routes (as the caller) and the engineer actions (as the engineer).

Each write fires what Jira Cloud sends for it, in this order:

* ``comment_created`` / ``comment_updated`` / ``comment_deleted``: ``{"timestamp", "webhookEvent", "comment",
  "issue"}`` with the comment in the v2 representation (wiki body; ``author`` is who wrote it, ``updateAuthor``
  who last changed it) and the issue as ``{"id", "self", "key", "fields"}`` with summary, issue type, project,
  assignee, priority and status (``reference/jira-webhooks/webhook-cloud-comment-created.json``); the comment's
  entity properties ride along as ``properties`` when it has any;
* ``jira:issue_updated`` with ``issue_event_type_name`` ``issue_commented`` / ``issue_comment_edited`` /
  ``issue_comment_deleted``, the acting ``user``, the whole issue and the ``comment`` (no changelog), as Jira
  still sends next to the comment events.

A comment write also moves the issue's ``updated`` time, as in Jira (so ``updated >= ...`` finds it).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from . import richtext
from .render import Renderer
from .routing import JiraError
from .state import Comment, Issue, User, now

if TYPE_CHECKING:
    from .core import Core

MAX_BODY_CHARS = 32767
EMPTY = "Comment body can not be empty!"
TOO_LONG = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
ISSUE_FIELDS = ("summary", "issuetype", "project", "assignee", "priority", "status")


def checked_body(value: Any, version: int) -> Any:
    """A comment body as the API version takes it (ADF on v3, a wiki string on v2), or Jira's 400."""
    if value is None:
        raise JiraError(400, errors={"comment": EMPTY})
    if version == 3:
        problem = richtext.adf_problem(value)
        if problem:
            raise JiraError(400, errors={"comment": problem})
    elif not isinstance(value, str):
        raise JiraError(400, errors={"comment": richtext.NOT_STRING})
    text = richtext.plain(value)
    if not text.strip() and not richtext.media_references(value):
        raise JiraError(400, errors={"comment": EMPTY})
    if len(text) > MAX_BODY_CHARS:
        raise JiraError(400, errors={"comment": TOO_LONG})
    return value


def checked_properties(value: Any) -> dict[str, Any]:
    """``properties: [{"key", "value"}]`` of a comment create or edit."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise JiraError(400, errors={"properties": "Properties must be a list of {key, value}."})
    out: dict[str, Any] = {}
    for prop in value:
        if not isinstance(prop, dict) or not isinstance(prop.get("key"), str) or "value" not in prop:
            raise JiraError(400, errors={"properties": "Each property needs a 'key' and a 'value'."})
        if not 0 < len(prop["key"]) <= 255:
            raise JiraError(
                400, errors={"properties": "The property key must be between 1 and 255 characters long."}
            )
        out[prop["key"]] = prop["value"]
    return out


class CommentOperations:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.store = core.store

    def create(
        self,
        issue: Issue,
        actor: User,
        body: Any,
        *,
        properties: dict[str, Any] | None = None,
        visibility: dict[str, Any] | None = None,
    ) -> Comment:
        with self.store.lock:
            stamp = now()
            comment = Comment(
                id=self.store.next_id("comment"),
                issue_id=issue.id,
                author=actor.account_id,
                update_author=actor.account_id,
                body=body,
                created=stamp,
                updated=stamp,
                properties=dict(properties or {}),
                visibility=visibility,
            )
            self.store.comments[comment.id] = comment
            issue.updated = stamp
            self._emit("comment_created", "issue_commented", issue, comment, actor)
            return comment

    def update(
        self,
        issue: Issue,
        comment: Comment,
        actor: User,
        body: Any,
        *,
        properties: dict[str, Any] | None = None,
        visibility: dict[str, Any] | None = None,
    ) -> Comment:
        with self.store.lock:
            stamp = now()
            comment.body = body
            comment.update_author = actor.account_id
            comment.updated = stamp
            comment.properties.update(properties or {})
            if visibility is not None:
                comment.visibility = visibility
            issue.updated = stamp
            self._emit("comment_updated", "issue_comment_edited", issue, comment, actor)
            return comment

    def delete(self, issue: Issue, comment: Comment, actor: User) -> None:
        with self.store.lock:
            del self.store.comments[comment.id]
            issue.updated = now()
            self._emit("comment_deleted", "issue_comment_deleted", issue, comment, actor)

    def _emit(self, event: str, type_name: str, issue: Issue, comment: Comment, actor: User) -> None:
        renderer = Renderer(self.store, self.core.base_url, self.core.mode, 2)
        rendered = renderer.comment(comment)
        if comment.properties:
            rendered["properties"] = [{"key": k, "value": v} for k, v in comment.properties.items()]
        slim = renderer.issue(issue, list(ISSUE_FIELDS))
        payload: dict[str, Any] = {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": event,
            "comment": rendered,
            "issue": {"id": issue.id, "self": slim["self"], "key": issue.key, "fields": slim["fields"]},
        }
        self.core.ops.emit(payload, issue.key, actor.account_id)
        self.core.ops.emit_issue(
            "jira:issue_updated", type_name, issue, actor, None, extra={"comment": rendered}
        )
