"""Writes to issues, shared by the REST routes (as the authenticated user) and the control API's engineer
actions (as the engineer). Every write records a changelog entry and emits the webhook Jira would send."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import richtext
from .agile import RANK_FIELD, new_rank
from .permissions import available_transitions
from .render import Renderer, format_duration
from .routing import JiraError
from .state import (
    FIELDS_BY_ID,
    PRIORITIES,
    RESOLUTION_DONE,
    ChangeItem,
    History,
    Issue,
    IssueLink,
    Transition,
    User,
    Worklog,
    jira_time,
    now,
)
from .validation import MetaValidator, WritePlan
from .webhooks import ConnectTarget

if TYPE_CHECKING:
    from .core import Core

TRACKED = (
    "summary",
    "description",
    "environment",
    "labels",
    "fixVersions",
    "versions",
    "assignee",
    "reporter",
    "priority",
    "duedate",
    "parent",
    "customfield_10004",
    "customfield_10005",
    "customfield_10008",
    "customfield_10009",
    "customfield_10024",
    "customfield_10300",
    "customfield_10301",
    "customfield_10302",
    "customfield_10303",
)
CHANGELOG_NAMES = {"fixVersions": "Fix Version", "versions": "Version", "parent": "IssueParentAssociation"}


class Operations:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.store = core.store

    # representation helpers --------------------------------------------------------------------------------
    def _repr(self, issue: Issue, fid: str) -> tuple[str | None, str | None]:  # noqa: PLR0911
        v = issue.values.get(fid)
        store = self.store
        if v in (None, [], ""):
            return None, None
        if fid in ("assignee", "reporter"):
            user = store.users.get(v)
            if user is None:
                return None, None
            return (user.account_id if self.core.mode == "cloud" else user.name), user.display_name
        if fid == "priority":
            return v, dict(PRIORITIES).get(v)
        if fid == "labels":
            return None, " ".join(v)
        if fid in ("parent", "customfield_10008"):
            other = store.issues.get(v)
            return v, other.key if other else None
        f = FIELDS_BY_ID[fid]
        if f.kind == "richtext":
            return None, richtext.plain(v)
        if f.kind == "select":
            return v, dict(f.options).get(v)
        if f.kind == "number":
            return None, f"{v:g}" if isinstance(v, float) else str(v)
        return None, str(v)

    def _diff(self, before: dict[str, tuple[str | None, str | None]], issue: Issue) -> list[ChangeItem]:
        items: list[ChangeItem] = []
        for fid in TRACKED:
            f = FIELDS_BY_ID[fid]
            if fid in ("fixVersions", "versions"):
                old_ids = before.get(fid + "#ids", (None, None))[0] or ""
                new_ids = ",".join(issue.values.get(fid, []))
                old_set, new_set = [x for x in old_ids.split(",") if x], [x for x in new_ids.split(",") if x]
                for vid in old_set:
                    if vid not in new_set:
                        items.append(self._version_item(fid, vid, removed=True))
                for vid in new_set:
                    if vid not in old_set:
                        items.append(self._version_item(fid, vid, removed=False))
                continue
            after = self._repr(issue, fid)
            if before.get(fid, (None, None)) != after:
                old = before.get(fid, (None, None))
                items.append(
                    ChangeItem(
                        CHANGELOG_NAMES.get(fid, f.name if f.custom else fid),
                        fid,
                        "custom" if f.custom else "jira",
                        old[0],
                        old[1],
                        after[0],
                        after[1],
                    )
                )
        return items

    def _version_item(self, fid: str, vid: str, removed: bool) -> ChangeItem:
        version = self.store.versions.get(vid)
        name = version.name if version else vid
        if removed:
            return ChangeItem(CHANGELOG_NAMES[fid], fid, "jira", vid, name, None, None)
        return ChangeItem(CHANGELOG_NAMES[fid], fid, "jira", None, None, vid, name)

    def _snapshot(self, issue: Issue) -> dict[str, tuple[str | None, str | None]]:
        snap = {fid: self._repr(issue, fid) for fid in TRACKED}
        for fid in ("fixVersions", "versions"):
            snap[fid + "#ids"] = (",".join(issue.values.get(fid, [])), None)
        snap["#estimate"] = (str(issue.original_estimate), str(issue.remaining_estimate))
        return snap

    def _estimate_items(
        self, before: dict[str, tuple[str | None, str | None]], issue: Issue
    ) -> list[ChangeItem]:
        old_orig, old_rem = before["#estimate"]
        items = []
        for fid, old, new in (
            ("timeoriginalestimate", old_orig, issue.original_estimate),
            ("timeestimate", old_rem, issue.remaining_estimate),
        ):
            old_v = None if old in (None, "None") else old
            new_v = None if new is None else str(new)
            if old_v != new_v:
                items.append(ChangeItem(fid, fid, "jira", old_v, old_v, new_v, new_v))
        return items

    def _record(self, issue: Issue, actor: User, items: list[ChangeItem], when: datetime) -> History | None:
        if not items:
            return None
        history = History(self.store.next_id("history"), actor.account_id, when, items)
        issue.histories.append(history)
        return history

    def emit_issue(
        self,
        event: str,
        type_name: str | None,
        issue: Issue,
        actor: User,
        history: History | None,
        *,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Fire a ``jira:issue_*`` webhook; ``extra`` adds top-level keys (the ``comment`` of comment events)."""
        renderer = Renderer(self.store, self.core.base_url, self.core.mode, 2)
        payload: dict[str, Any] = {"timestamp": int(time.time() * 1000), "webhookEvent": event}
        if type_name:
            payload["issue_event_type_name"] = type_name
        payload["user"] = renderer.user(actor)
        payload["issue"] = renderer.issue(issue)
        if history is not None:
            payload["changelog"] = {"id": history.id, "items": [i.as_json() for i in history.items]}
        payload.update(extra or {})
        self.emit(payload, issue.key, actor.account_id)

    def emit(self, payload: dict[str, Any], issue_key: str | None, account_id: str | None) -> None:
        """Send any event payload to the admin webhook and the Connect apps that subscribe to it."""
        self.core.webhooks.emit(payload, issue_key, account_id, self._connect_targets(payload))

    def _emit_worklog(self, event: str, worklog: Worklog, actor: User) -> None:
        renderer = Renderer(self.store, self.core.base_url, self.core.mode, 2)
        payload = {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": event,
            "worklog": renderer.worklog(worklog),
        }
        issue = self.store.issues.get(worklog.issue_id)
        self.core.webhooks.emit(
            payload, issue.key if issue else None, actor.account_id, self._connect_targets(payload)
        )

    def _connect_targets(self, payload: dict[str, Any]) -> list[ConnectTarget]:
        event = str(payload["webhookEvent"])
        targets = []
        for i in self.store.installations.values():
            if not i.app_base_url:
                continue
            if i.webhook_urls is not None:
                # Installed from a descriptor: only the events it subscribes to, at its URLs.
                if event in i.webhook_urls:
                    targets.append(
                        ConnectTarget(i.client_key, i.shared_secret, i.app_base_url, i.webhook_urls[event])
                    )
                continue
            targets.append(
                ConnectTarget(
                    i.client_key, i.shared_secret, i.app_base_url, i.webhook_path.replace("{event}", event)
                )
            )
        return targets

    # plan application ---------------------------------------------------------------------------------------
    def _apply_plan(self, issue: Issue, plan: WritePlan) -> None:  # noqa: PLR0912
        for fid, value in plan.values.items():
            issue.values[fid] = value
        labels = list(issue.values.get("labels", []))
        for verb, label in plan.label_ops:
            if verb == "add" and label not in labels:
                labels.append(label)
            elif verb == "remove" and label in labels:
                labels.remove(label)
        if plan.label_ops:
            issue.values["labels"] = labels
        for fid, ops in plan.version_ops.items():
            current = list(issue.values.get(fid, []))
            for verb, vid in ops:
                if verb == "add" and vid not in current:
                    current.append(vid)
                elif verb == "remove" and vid in current:
                    current.remove(vid)
            issue.values[fid] = current
        if plan.estimate_given:
            if plan.original_estimate is not None:
                issue.original_estimate = plan.original_estimate
                if plan.remaining_estimate is None and issue.remaining_estimate is None:
                    issue.remaining_estimate = max(
                        plan.original_estimate - self.store.time_spent(issue.id), 0
                    )
            if plan.remaining_estimate is not None:
                issue.remaining_estimate = plan.remaining_estimate
        for key, value in plan.properties.items():
            issue.properties[key] = value
        for link in plan.links:
            inward, outward = (
                (issue.id, link.other_issue_id) if link.this_is_inward else (link.other_issue_id, issue.id)
            )
            link_id = self.store.next_id("link")
            self.store.links[link_id] = IssueLink(link_id, link.type_id, inward, outward)

    # issues -----------------------------------------------------------------------------------------------
    def create_issue(self, plan: WritePlan, actor: User) -> Issue:
        store = self.store
        with store.lock:
            project = plan.project
            number = store.project_counters.get(project.id, 0) + 1
            store.project_counters[project.id] = number
            issue_id = store.next_id("issue")
            created = now()
            issue = Issue(
                id=issue_id,
                key=f"{project.key}-{number}",
                project_id=project.id,
                issue_type_id=plan.issue_type.id,
                status_id=project.workflow_for(plan.issue_type.id).statuses[0],
                reporter=actor.account_id,
                creator=actor.account_id,
                created=created,
                updated=created,
                status_category_changed=created,
            )
            empty = self._snapshot(issue)
            self._apply_plan(issue, plan)
            if issue.values.get("reporter"):
                issue.reporter = issue.values["reporter"]
            issue.values.setdefault("labels", [])
            issue.values[RANK_FIELD] = new_rank(store)
            store.issues[issue_id] = issue
            store.keys[issue.key] = issue_id
            items = self._diff(empty, issue) + self._estimate_items(empty, issue)
            history = History(store.next_id("history"), actor.account_id, created, items)
            self.emit_issue("jira:issue_created", "issue_created", issue, actor, history)
            return issue

    def edit_issue(self, issue: Issue, plan: WritePlan, actor: User) -> None:
        with self.store.lock:
            before = self._snapshot(issue)
            links_before = len(self.store.links)
            self._apply_plan(issue, plan)
            items = self._diff(before, issue) + self._estimate_items(before, issue)
            if not items:
                if len(self.store.links) != links_before:
                    issue.updated = now()
                return
            issue.updated = now()
            history = self._record(issue, actor, items, issue.updated)
            changed = {i.field_id for i in items}
            type_name = "issue_assigned" if changed == {"assignee"} else "issue_updated"
            self.emit_issue("jira:issue_updated", type_name, issue, actor, history)

    def transition(
        self, issue: Issue, transition: Transition, actor: User, plan: WritePlan | None = None
    ) -> None:
        with self.store.lock:
            before = self._snapshot(issue)
            old_status = self.store.statuses[issue.status_id]
            new_status = self.store.statuses[transition.to_status]
            if plan is not None:
                self._apply_plan(issue, plan)
            items = self._diff(before, issue) + self._estimate_items(before, issue)
            when = now()
            if new_status.category == "done" and issue.resolution is None:
                issue.resolution = RESOLUTION_DONE[0]
                issue.resolution_date = when
                items.append(ChangeItem("resolution", "resolution", "jira", None, None, *RESOLUTION_DONE))
            elif new_status.category != "done" and issue.resolution is not None:
                items.append(ChangeItem("resolution", "resolution", "jira", *RESOLUTION_DONE, None, None))
                issue.resolution = None
                issue.resolution_date = None
            items.append(
                ChangeItem(
                    "status", "status", "jira", old_status.id, old_status.name, new_status.id, new_status.name
                )
            )
            if old_status.category != new_status.category:
                issue.status_category_changed = when
            issue.status_id = new_status.id
            issue.updated = when
            history = self._record(issue, actor, items, when)
            self.emit_issue("jira:issue_updated", "issue_generic", issue, actor, history)

    def transition_to_status(
        self,
        issue: Issue,
        status_name: str,
        actor: User,
        *,
        fields: dict[str, Any] | None = None,
        version: int = 3,
    ) -> None:
        for t in available_transitions(self.store, actor, issue):
            if self.store.statuses[t.to_status].name.lower() == status_name.lower():
                validator = MetaValidator(self.store, self.core.mode, version, actor)
                plan = validator.transition_fields(issue, {"fields": fields or {}}, t)
                self.transition(issue, t, actor, plan)
                return
        current = self.store.statuses[issue.status_id].name
        raise JiraError(400, f"No transition leads from '{current}' to '{status_name}' for {issue.key}.")

    def delete_issue(self, issue: Issue, actor: User, delete_subtasks: bool) -> None:
        store = self.store
        with store.lock:
            subtasks = store.subtasks(issue.id)
            if subtasks and not delete_subtasks:
                raise JiraError(
                    400,
                    "The issue has subtasks. Set the 'deleteSubtasks' parameter to true to delete them too.",
                )
            for sub in subtasks:
                self.delete_issue(sub, actor, False)
            for child in store.children(issue.id):
                child.values["parent"] = None
            self.emit_issue("jira:issue_deleted", "issue_deleted", issue, actor, None)
            for link_id in [lk.id for lk in store.issue_links(issue.id)]:
                del store.links[link_id]
            for wl_id in [w.id for w in store.issue_worklogs(issue.id)]:
                del store.worklogs[wl_id]
            for att_id in [a.id for a in store.attachments.values() if a.issue_id == issue.id]:
                self.core.uploads.discard(store.attachments.pop(att_id).path)
            for comment in store.issue_comments(issue.id):
                del store.comments[comment.id]
            del store.issues[issue.id]
            store.keys.pop(issue.key, None)

    def add_link(self, type_id: str, inward: Issue, outward: Issue) -> IssueLink:
        with self.store.lock:
            for lk in self.store.links.values():
                if (lk.type_id, lk.inward_issue_id, lk.outward_issue_id) == (type_id, inward.id, outward.id):
                    return lk
            link_id = self.store.next_id("link")
            link = IssueLink(link_id, type_id, inward.id, outward.id)
            self.store.links[link_id] = link
            stamp = now()
            inward.updated = stamp
            outward.updated = stamp
            return link

    # worklogs ---------------------------------------------------------------------------------------------
    def _adjust(
        self, issue: Issue, delta_spent: int, adjust: str, new_estimate: int | None, reduce_by: int | None
    ) -> None:
        if adjust == "leave":
            return
        if adjust == "new" and new_estimate is not None:
            issue.remaining_estimate = new_estimate
        elif adjust == "manual" and reduce_by is not None:
            issue.remaining_estimate = max((issue.remaining_estimate or 0) - reduce_by, 0)
        elif adjust == "auto" and issue.remaining_estimate is not None:
            issue.remaining_estimate = max(issue.remaining_estimate - delta_spent, 0)

    def add_worklog(
        self,
        issue: Issue,
        actor: User,
        seconds: int,
        *,
        started: str | None,
        comment: Any,
        adjust: str = "auto",
        new_estimate: int | None = None,
        reduce_by: int | None = None,
    ) -> Worklog:
        with self.store.lock:
            stamp = now()
            worklog = Worklog(
                id=self.store.next_id("worklog"),
                issue_id=issue.id,
                author=actor.account_id,
                update_author=actor.account_id,
                comment=comment,
                started=started or jira_time(stamp),
                time_spent_seconds=seconds,
                created=stamp,
                updated=stamp,
            )
            self.store.worklogs[worklog.id] = worklog
            self._adjust(issue, seconds, adjust, new_estimate, reduce_by)
            issue.updated = stamp
            self._emit_worklog("worklog_created", worklog, actor)
            return worklog

    def update_worklog(
        self,
        issue: Issue,
        worklog: Worklog,
        actor: User,
        *,
        seconds: int | None,
        started: str | None,
        comment: Any,
        comment_given: bool,
        adjust: str = "auto",
        new_estimate: int | None = None,
    ) -> Worklog:
        with self.store.lock:
            stamp = now()
            if seconds is not None:
                delta = seconds - worklog.time_spent_seconds
                worklog.time_spent_seconds = seconds
                self._adjust(issue, delta, adjust, new_estimate, None)
            if started is not None:
                worklog.started = started
            if comment_given:
                worklog.comment = comment
            worklog.update_author = actor.account_id
            worklog.updated = stamp
            issue.updated = stamp
            self._emit_worklog("worklog_updated", worklog, actor)
            return worklog

    def delete_worklog(
        self,
        issue: Issue,
        worklog: Worklog,
        actor: User,
        *,
        adjust: str = "auto",
        new_estimate: int | None = None,
        increase_by: int | None = None,
    ) -> None:
        with self.store.lock:
            del self.store.worklogs[worklog.id]
            if adjust == "auto" and issue.remaining_estimate is not None:
                issue.remaining_estimate += worklog.time_spent_seconds
            elif adjust == "new" and new_estimate is not None:
                issue.remaining_estimate = new_estimate
            elif adjust == "manual" and increase_by is not None:
                issue.remaining_estimate = (issue.remaining_estimate or 0) + increase_by
            issue.updated = now()
            self._emit_worklog("worklog_deleted", worklog, actor)


def describe_duration(seconds: int) -> str:
    return format_duration(seconds)
