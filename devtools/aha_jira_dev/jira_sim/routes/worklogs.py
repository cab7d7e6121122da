"""Worklogs and attachments."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import richtext
from ..permissions import can_browse, has_permission
from ..render import parse_duration
from ..routing import JiraError, Request, Response, Router
from ..state import Attachment, Worklog, now
from .issues import _actor, get_issue_or_404

if TYPE_CHECKING:
    from ..core import Core
    from ..state import Issue

STARTED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:?\d{2})$")


def _seconds(body: dict[str, Any], required: bool) -> int | None:
    if body.get("timeSpentSeconds") is not None:
        value = body["timeSpentSeconds"]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise JiraError(400, errors={"timeLogged": "Time Spent must be greater than 0."})
        return int(value)
    if body.get("timeSpent") is not None:
        seconds = parse_duration(str(body["timeSpent"]))
        if seconds is None or seconds <= 0:
            raise JiraError(400, errors={"timeLogged": "Invalid time duration entered."})
        return seconds
    if required:
        raise JiraError(400, errors={"timeLogged": "You must indicate the time spent working."})
    return None


def _comment(req: Request, body: dict[str, Any]) -> Any:
    comment = body.get("comment")
    if comment is None:
        return None
    if req.api_version == 3:
        problem = richtext.adf_problem(comment)
        if problem:
            raise JiraError(400, errors={"comment": problem})
    elif not isinstance(comment, str):
        raise JiraError(400, errors={"comment": richtext.NOT_STRING})
    return comment


def _started(body: dict[str, Any]) -> str | None:
    started = body.get("started")
    if started is None:
        return None
    if not isinstance(started, str) or not STARTED.match(started):
        raise JiraError(400, errors={"started": "Invalid date format. Use yyyy-MM-dd'T'HH:mm:ss.SSSZ."})
    return started


def _estimate(req: Request, name: str) -> int | None:
    raw = req.q(name)
    if raw is None:
        return None
    seconds = parse_duration(raw)
    if seconds is None:
        raise JiraError(400, f"The value '{raw}' of '{name}' is not a valid duration.")
    return seconds


def _adjust(req: Request) -> str:
    adjust = req.q("adjustEstimate", "auto") or "auto"
    if adjust not in ("auto", "leave", "new", "manual"):
        raise JiraError(400, "adjustEstimate must be one of auto, leave, new, manual.")
    if adjust == "new" and req.q("newEstimate") is None:
        raise JiraError(400, "newEstimate is required when adjustEstimate is 'new'.")
    return adjust


def _worklog_or_404(core: Core, issue: Issue, worklog_id: str) -> Worklog:
    worklog = core.store.worklogs.get(worklog_id)
    if worklog is None or worklog.issue_id != issue.id:
        raise JiraError(404, f"Cannot find worklog with id: '{worklog_id}'.")
    return worklog


def list_worklogs(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        logs = core.store.issue_worklogs(issue.id)
        start_at = max(req.q_int("startAt", 0), 0)
        max_results = max(req.q_int("maxResults", 5000), 0)
        renderer = core.renderer(req.api_version)
        page = logs[start_at : start_at + max_results]
        return Response(
            200,
            {
                "startAt": start_at,
                "maxResults": max_results,
                "total": len(logs),
                "worklogs": [renderer.worklog(w) for w in page],
            },
        )


def get_worklog(core: Core, req: Request) -> Response:
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        worklog = _worklog_or_404(core, issue, req.params["worklogId"])
        return Response(200, core.renderer(req.api_version).worklog(worklog))


def add_worklog(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    seconds = _seconds(body, required=True)
    assert seconds is not None
    comment = _comment(req, body)
    started = _started(body)
    adjust = _adjust(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        if not has_permission(core.store, actor, core.store.projects[issue.project_id], "WORK_ON_ISSUES"):
            raise JiraError(400, "You do not have the permission to associate a worklog to this issue.")
        worklog = core.ops.add_worklog(
            issue,
            actor,
            seconds,
            started=started,
            comment=comment,
            adjust=adjust,
            new_estimate=_estimate(req, "newEstimate"),
            reduce_by=_estimate(req, "reduceBy"),
        )
        return Response(201, core.renderer(req.api_version).worklog(worklog))


def update_worklog(core: Core, req: Request) -> Response:
    body = req.json_object()
    actor = _actor(req)
    seconds = _seconds(body, required=False)
    comment = _comment(req, body)
    started = _started(body)
    adjust = _adjust(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        worklog = _worklog_or_404(core, issue, req.params["worklogId"])
        core.ops.update_worklog(
            issue,
            worklog,
            actor,
            seconds=seconds,
            started=started,
            comment=comment,
            comment_given="comment" in body,
            adjust=adjust,
            new_estimate=_estimate(req, "newEstimate"),
        )
        return Response(200, core.renderer(req.api_version).worklog(worklog))


def delete_worklog(core: Core, req: Request) -> Response:
    actor = _actor(req)
    adjust = _adjust(req)
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        worklog = _worklog_or_404(core, issue, req.params["worklogId"])
        core.ops.delete_worklog(
            issue,
            worklog,
            actor,
            adjust=adjust,
            new_estimate=_estimate(req, "newEstimate"),
            increase_by=_estimate(req, "increaseBy"),
        )
    return Response(204)


def add_attachments(core: Core, req: Request) -> Response:
    """``POST issue/{key}/attachments``: the parts named ``file``, streamed to disk before this runs (see
    ``uploads``); a file over the site's upload limit is a 413 and nothing is attached."""
    actor = _actor(req)
    if (req.headers.get("X-Atlassian-Token") or "").lower() != "no-check":
        raise JiraError(403, "XSRF check failed")
    if "multipart/form-data" not in req.content_type:
        raise JiraError(415, "Attachments must be sent as multipart/form-data.")
    upload = req.upload
    if upload is None or upload.malformed:
        raise JiraError(
            400, f"The multipart body could not be read: {upload.malformed if upload else 'empty'}."
        )
    if upload.too_large is not None:
        raise JiraError(
            413,
            f"The file '{upload.too_large.filename}' is larger than the maximum attachment size of "
            f"{core.uploads.limit} bytes.",
        )
    files = [p for p in upload.parts if p.name == "file" and p.filename is not None and p.path]
    if not files:
        raise JiraError(400, "No attachment was found in the request: send the file in a part named 'file'.")
    with core.store.lock:
        issue = get_issue_or_404(core, req.params["issueIdOrKey"], req.user)
        if not core.store.site.attachments_enabled:
            raise JiraError(403, "Attachments are disabled in this Jira site.")
        if not has_permission(core.store, actor, core.store.projects[issue.project_id], "CREATE_ATTACHMENTS"):
            raise JiraError(403, "You do not have permission to create attachments for this issue.")
        created = []
        for part in files:
            assert part.path is not None and part.filename is not None
            attachment = Attachment(
                core.store.next_id("attachment"),
                issue.id,
                part.filename,
                part.content_type,
                part.size,
                actor.account_id,
                now(),
                part.path,
                sha256=part.sha256,
                media_id=str(uuid.uuid4()),
            )
            part.path = None  # the attachment keeps the file
            core.store.attachments[attachment.id] = attachment
            created.append(core.renderer(req.api_version).attachment(attachment.id))
        issue.updated = now()
    return Response(200, created)


def _attachment_or_404(core: Core, req: Request) -> Attachment:
    attachment = core.store.attachments.get(req.params["attachmentId"])
    issue = core.store.issues.get(attachment.issue_id) if attachment else None
    if (
        attachment is None
        or issue is None
        or not can_browse(core.store, req.user, core.store.projects[issue.project_id])
    ):
        raise JiraError(404, "The attachment does not exist.")
    return attachment


def attachment_content(core: Core, req: Request) -> Response:
    with core.store.lock:
        attachment = _attachment_or_404(core, req)
        path = Path(attachment.path)
        if not path.exists():
            raise JiraError(404, "The attachment does not exist.")
        return Response(200, file=path, content_type=attachment.mime_type)


def attachment_get(core: Core, req: Request) -> Response:
    """``GET attachment/{id}``: the metadata, where Jira gives the id as a number (unlike in issue fields)."""
    with core.store.lock:
        attachment = _attachment_or_404(core, req)
        body = core.renderer(req.api_version).attachment(attachment.id)
        body["id"] = int(attachment.id)
        body["properties"] = {}
        return Response(200, body)


def attachment_meta(core: Core, req: Request) -> Response:
    """``GET attachment/meta``: whether attachments are on and the upload limit in bytes."""
    return Response(200, {"enabled": core.store.site.attachments_enabled, "uploadLimit": core.uploads.limit})


def register(router: Router) -> None:
    base = "/rest/api/{v}"
    router.add("GET", base + "/issue/{issueIdOrKey}/worklog", list_worklogs)
    router.add("POST", base + "/issue/{issueIdOrKey}/worklog", add_worklog)
    router.add("GET", base + "/issue/{issueIdOrKey}/worklog/{worklogId}", get_worklog)
    router.add("PUT", base + "/issue/{issueIdOrKey}/worklog/{worklogId}", update_worklog)
    router.add("DELETE", base + "/issue/{issueIdOrKey}/worklog/{worklogId}", delete_worklog)
    router.add("POST", base + "/issue/{issueIdOrKey}/attachments", add_attachments)
    router.add("GET", base + "/attachment/meta", attachment_meta)
    router.add("GET", base + "/attachment/content/{attachmentId}", attachment_content)
    router.add("GET", base + "/attachment/{attachmentId}", attachment_get)
