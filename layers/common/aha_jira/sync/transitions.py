"""Status to Jira: a roadmap status change on a linked record moves its issue to the Jira status the map pairs
with it (DESIGN.md "Two-way content"), through several transitions when the workflow has no direct one.

- A change: the record's `workflow_status.name` differs from the one the last send carried (`sent_status`;
  for a link made before sends recorded it, the status the record has from Jira) and from the one the
  record has from Jira now (so the roadmap catching up with Jira moves nothing).
- The target: `mapping.statuses` maps Jira → roadmap; reversed, a roadmap status may have several Jira
  statuses. The issue stays when it is in any of them; otherwise it goes to the nearest one (fewest
  transitions), the mapping's order breaking ties.
- The way: Jira shows only the transitions the issue offers from its current status. What each status
  offers is learned as the issue moves and kept (the lookup cache, per issue type and status, a day), so a
  known workflow is planned breadth-first and walked without asking again; an unknown one is explored a step
  at a time toward the target's status category. Bounded: `MAX_STEPS` transitions and `MAX_CALLS` calls a
  change. No way: 422 `no_transition` naming the transitions the issue offers (the issue is moved back where
  it started when exploring led nowhere).
- Transition screens: their required fields take `mapping.transition_fields`; one Jira still finds empty is
  a 422 naming the field, as a create's.
- Echo: each transition's target is noted on the link before it is made (with the latest pushes', whose
  webhooks may still be on their way), so its webhook is known as the integration's own
  (`webhooks/echo.py`), not a roadmap change.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any, NoReturn

from aha_jira.integration_log import Outcome, Timer, record_action
from aha_jira.jira.errors import JiraError, JiraRejected
from aha_jira.jira.rich_text import RichTextFormat
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_payloads import IssueStatus, StatusRef, TransitionRef
from aha_jira.sync.failures import ensure_time_for_a_write, transient_or_refused
from aha_jira.sync.field_values import ConversionContext, ValueNotAccepted, convert
from aha_jira.sync.refusals import JiraRefused, refusal_from_errors
from aha_jira.sync.send_attempt import SendAttempt
from aha_jira.sync.warnings import warn

__all__ = ["MAX_CALLS", "MAX_STEPS", "push_status", "status_changed"]

MAX_STEPS = 6  # transitions one status change may make
MAX_CALLS = 16  # Jira calls one status change may make
# Targets of the latest transitions kept on the link: a push's webhooks may still be on their way when the
# next push starts, and must still be known as ours.
PUSHED_KEPT = 12
GRAPH_TTL_SECONDS = 24 * 3600
_CATEGORY_ORDER = {"new": 0, "indeterminate": 1, "done": 2}


@dataclass(frozen=True)
class Edge:
    transition_id: str
    name: str
    to_id: str
    to_name: str
    to_category: str | None
    screen: bool


def status_changed(link: IssueLink, roadmap_status: str | None) -> bool:
    """Whether the roadmap moved the record since the last send (and Jira is not already there)."""
    if not roadmap_status:
        return False
    baseline = link.sent_status or link.jira.roadmap_status
    if baseline is None:
        return False
    wanted = roadmap_status.strip().casefold()
    return (
        wanted != baseline.strip().casefold()
        and wanted != (link.jira.roadmap_status or "").strip().casefold()
    )


def push_status(send: SendAttempt, link: IssueLink, roadmap_status: str) -> None:
    """Move the linked issue to a Jira status `roadmap_status` is mapped from, and record what was sent."""
    links = send.services.links
    targets = _targets(send, roadmap_status)
    if not targets:
        warn(
            send,
            "status_unmapped",
            f"The roadmap status '{roadmap_status}' of {link.reference} has no Jira status in the mapping: its issue stays where it is.",
            "Map a Jira status to it in mapping.statuses (Jira status → roadmap status) so the issue follows the roadmap.",
            reference=link.reference,
        )
        links.save_status_sent(link, sent_status=roadmap_status)
        return
    walk = _Walk(send, link, targets, roadmap_status)
    walk.run()
    links.save_status_sent(
        link,
        sent_status=roadmap_status,
        jira_status=walk.current.name,
        jira_status_id=walk.current.id,
        roadmap_status=roadmap_status,
    )


def _targets(send: SendAttempt, roadmap_status: str) -> list[str]:
    """The Jira statuses (names or ids, folded) mapped to the roadmap status, in the mapping's order."""
    wanted = roadmap_status.strip().casefold()
    return [
        jira.strip().casefold()
        for jira, roadmap in send.integration.mapping.statuses.items()
        if roadmap.strip().casefold() == wanted
    ]


class _Walk:
    """One status change: where the issue is, what is known of the workflow, and the moves made."""

    def __init__(self, send: SendAttempt, link: IssueLink, targets: list[str], roadmap_status: str) -> None:
        assert link.issue_key is not None
        self.send = send
        self.link = link
        self.key = link.issue_key
        self.targets = targets
        self.roadmap_status = roadmap_status
        self.graph: dict[str, list[Edge]] = {}
        self.issue_type_id = ""
        self.calls_before = len(send.client.transport.calls)
        self.moves: list[Edge] = []
        self.pushed = list(link.pushed_statuses)
        self.current = StatusRef(id="", name="")
        self.start = self.current

    # --- the walk ----------------------------------------------------------------------------------

    def run(self) -> None:
        timer = Timer()
        self.current = self.start = self._look()
        if not self._is_target(self.current) and not self._in_workflow():
            self._give_up()  # no status of the issue's workflow is mapped there: nothing to explore
        visited = {self.current.id}
        while not self._is_target(self.current):
            path = self._plan(self.current.id, self._is_target)
            if path is None:
                step = self._explore(visited)
                if step is None:
                    self._give_up()
                path = [step]
            for edge in path:
                if not self._move(edge):
                    break  # the workflow was not as known: looked again, plan again
                visited.add(self.current.id)
                if self._is_target(self.current):
                    break
                if not self._known(self.current.id):
                    # Somewhere new: learn what it offers (and where the issue really is), then plan again.
                    self.current = self._look()
                    visited.add(self.current.id)
                    break
        if self.moves:
            names = " → ".join([self.start.name, *(edge.to_name for edge in self.moves)])
            record_action(
                "issue.transitioned",
                Outcome.SUCCEEDED,
                integration_id=self.send.integration_id,
                reference=self.link.reference,
                jira_key=self.key,
                jira_status=204,
                duration_ms=timer.ms(),
                message=f"Moved {self.key} {names} for roadmap status '{self.roadmap_status}' ({len(self.moves)} transition(s), {self._calls()} Jira calls)",
                roadmap_status=self.roadmap_status,
                jira_calls=self._calls(),
                feature_reference=self.send.feature.reference_num,
            )

    def _calls(self) -> int:
        return len(self.send.client.transport.calls) - self.calls_before

    def _budget_left(self, calls: int = 1) -> bool:
        return len(self.moves) < MAX_STEPS and self._calls() + calls <= MAX_CALLS

    def _in_workflow(self) -> bool:
        """Whether a target is among the statuses of the issue's type (as test connection read them);
        True when they are not known."""
        issue_type = self.send.snapshot.issue_type(self.issue_type_id)
        if issue_type is None or not issue_type.statuses:
            return True
        return any(self._is_target(status) for status in issue_type.statuses)

    def _is_target(self, status: StatusRef) -> bool:
        return status.id.casefold() in self.targets or status.name.strip().casefold() in self.targets

    def _look(self) -> StatusRef:
        """Where the issue is now, and what it offers from there (learned)."""
        if not self._budget_left():
            self._give_up()
        try:
            state = self.send.client.issue_status(self.key)
        except JiraError as error:
            raise transient_or_refused(self.send, error, self.link.reference) from None
        self.issue_type_id = state.issue_type_id or self.issue_type_id
        self._learn(state)
        return state.status

    def _learn(self, state: IssueStatus) -> None:
        edges = [_edge(item) for item in state.transitions if item.to.id != state.status.id]
        self.graph[state.status.id] = edges
        self.send.services.lookup_cache.put(
            self.send.integration_id,
            "transitions",
            f"{self.issue_type_id}:{state.status.id}",
            json.dumps([edge.__dict__ for edge in edges]),
            GRAPH_TTL_SECONDS,
        )

    def _known(self, status_id: str) -> bool:
        """Whether what `status_id` offers is known (this walk, or the cache of earlier ones)."""
        if status_id in self.graph:
            return True
        cached = self.send.services.lookup_cache.get(
            self.send.integration_id, "transitions", f"{self.issue_type_id}:{status_id}"
        )
        if not cached:
            return False
        try:
            self.graph[status_id] = [Edge(**item) for item in json.loads(cached)]
        except (TypeError, ValueError):
            return False
        return True

    def _plan(self, start: str, done: Any) -> list[Edge] | None:
        """The fewest transitions from `start` to a status `done` accepts, over what is known (transitions
        without a screen tried first, so an equally short way without one wins)."""
        queue: deque[str] = deque([start])
        came: dict[str, tuple[str, Edge] | None] = {start: None}
        while queue:
            status = queue.popleft()
            if not self._known(status):
                continue
            for edge in sorted(self.graph[status], key=lambda e: e.screen):
                if edge.to_id in came:
                    continue
                came[edge.to_id] = (status, edge)
                if done(StatusRef(id=edge.to_id, name=edge.to_name)):
                    path: list[Edge] = []
                    at: str = edge.to_id
                    while came[at] is not None:
                        previous, step = came[at]  # type: ignore[misc]
                        path.append(step)
                        at = previous
                    return list(reversed(path))
                queue.append(edge.to_id)
        return None

    def _explore(self, visited: set[str]) -> Edge | None:
        """A step into the unknown part of the workflow: toward the target's status category, to a status
        not seen yet, without a screen when possible."""
        target_categories = {
            edge.to_category
            for edges in self.graph.values()
            for edge in edges
            if self._is_target(StatusRef(id=edge.to_id, name=edge.to_name))
        }
        wanted = min((_CATEGORY_ORDER.get(c or "", 1) for c in target_categories), default=2)
        options = [edge for edge in self.graph.get(self.current.id, []) if edge.to_id not in visited]
        if not options:
            return None
        return min(
            options,
            key=lambda edge: (abs(_CATEGORY_ORDER.get(edge.to_category or "", 1) - wanted), edge.screen),
        )

    def _move(self, edge: Edge) -> bool:
        """Make one transition; False when Jira says the issue no longer offers it (then looked at again)."""
        if not self._budget_left(2 if edge.screen else 1):
            self._give_up()
        ensure_time_for_a_write(self.send)
        fields = self._screen_fields(edge) if edge.screen else {}
        self._note(edge)
        try:
            self.send.client.transition_issue(self.key, edge.transition_id, fields)
        except JiraRejected as error:
            if error.field_errors:
                raise self._screen_refusal(edge, error) from None
            self.graph.pop(self.current.id, None)
            self.current = self._look()
            return False
        except JiraError as error:
            raise transient_or_refused(self.send, error, self.link.reference) from None
        self.moves.append(edge)
        self.current = StatusRef(id=edge.to_id, name=edge.to_name)
        return True

    def _note(self, edge: Edge) -> None:
        """Before the transition: its target among the statuses whose webhooks are the integration's own."""
        kept = [value for value in self.pushed if value != edge.to_id][-(PUSHED_KEPT - 1) :]
        self.pushed = [*kept, edge.to_id]
        self.send.services.links.note_status_push(self.link, self.pushed)

    def _screen_fields(self, edge: Edge) -> dict[str, Any]:
        """Values for the transition screen's fields that `mapping.transition_fields` gives."""
        mapped = self.send.integration.mapping.transition_fields
        if not mapped:
            return {}
        try:
            screen = self.send.client.transition_screen(self.key, edge.transition_id)
        except JiraError as error:
            raise transient_or_refused(self.send, error, self.link.reference) from None
        fields: dict[str, Any] = {}
        context = ConversionContext(
            rich_text=RichTextFormat(self.send.snapshot.rich_text),
            cloud=self.send.snapshot.deployment == "cloud",
            find_user=lambda _email: None,
        )
        for field_id, meta in (screen.fields if screen else {}).items():
            if field_id not in mapped:
                continue
            try:
                fields[field_id] = convert(mapped[field_id].value, meta, context)
            except ValueNotAccepted as refused:
                raise JiraRefused(
                    f"mapping.transition_fields.{field_id} cannot fill '{meta.name}' ({field_id}) on the '{edge.name}' transition of {self.key}: {refused.reason}.",
                    hint=f"Change mapping.transition_fields.{field_id} to a value the field takes.",
                    code="transition_field_refused",
                    details=[
                        {"reference": self.link.reference, "field_id": field_id, "field_name": meta.name}
                    ],
                ) from None
        return fields

    def _screen_refusal(self, edge: Edge, error: JiraRejected) -> JiraRefused:
        refused = refusal_from_errors(
            {self.link.reference: (error.field_errors, error.error_messages)}, self.send.snapshot
        )
        field_id = next(iter(sorted(error.field_errors)))
        name = next(
            (item["field_name"] for item in refused.details or [] if item.get("field_id") == field_id),
            field_id,
        )
        return JiraRefused(
            f"Jira's '{edge.name}' transition of {self.key} (toward '{self.roadmap_status}') requires field '{name}' ({field_id}): {error.field_errors[field_id]}",
            hint=f'Add it to mapping.transition_fields, e.g. "{field_id}": {{"value": ...}}, then send again.',
            code="transition_field_required",
            details=refused.details,
        )

    def _give_up(self) -> NoReturn:
        if self.moves and self.current.id != self.start.id:
            self._return_to_start()
        offered = self.graph.get(self.start.id, [])
        available = ", ".join(f"'{edge.name}' (to {edge.to_name})" for edge in offered) or "none"
        tried = f" (explored {len(self.moves)} transition(s))" if self.moves else ""
        left = f"; it stays in '{self.current.name}'" if self.current.id != self.start.id else ""
        raise JiraRefused(
            f"Jira offers no way to move {self.key} from '{self.start.name}' to a status mapped to roadmap status '{self.roadmap_status}'{tried}{left}. The transitions it offers there: {available}.",
            hint="Map the roadmap status to a Jira status the workflow can reach (mapping.statuses), or add the transition to the workflow in Jira, then send again.",
            code="no_transition",
            details=[
                {
                    "reference": self.link.reference,
                    "transition_id": edge.transition_id,
                    "transition": edge.name,
                    "to": edge.to_name,
                }
                for edge in offered
            ],
        )

    def _return_to_start(self) -> None:
        """After exploring led nowhere: back to where the issue was, over known transitions (best effort)."""
        start = self.start.id
        path = self._plan(self.current.id, lambda status: status.id == start) or []
        for edge in path[:MAX_STEPS]:
            if edge.screen:
                return
            self._note(edge)
            try:
                self.send.client.transition_issue(self.key, edge.transition_id, {})
            except JiraError:
                return
            self.current = StatusRef(id=edge.to_id, name=edge.to_name)


def _edge(item: TransitionRef) -> Edge:
    category = item.to.status_category.key if item.to.status_category else None
    return Edge(item.id, item.name, item.to.id, item.to.name, category, item.has_screen)
