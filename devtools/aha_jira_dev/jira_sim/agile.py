"""Jira Software on issues: the Sprint field (``customfield_10020``) and the Rank field (``customfield_10019``).

Every issue gets a LexoRank-style rank when it is created (``0|<base-36 body>:``; new issues go to the bottom,
as Jira ranks them last), and the engineer actions move an issue to a sprint or rank it before/after another.
Both write a changelog entry and fire ``jira:issue_updated`` with the item Jira Cloud sends:

* ``{"field": "Sprint", "fieldtype": "custom", "fieldId": "customfield_10020", "from": "1, 2",
  "fromString": "MOB Sprint 1, MOB Sprint 2", "to": "1, 3", "toString": "MOB Sprint 1, MOB Sprint 3"}``: sprint
  ids joined with ", " (closed sprints stay on the issue; moving replaces its open sprint);
* ``{"field": "Rank", "fieldtype": "custom", "fieldId": "customfield_10019", "from": "", "fromString": "",
  "to": "", "toString": "Ranked higher"}`` (or ``"Ranked lower"``): Jira names only the direction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .routing import JiraError
from .state import ChangeItem, History, Issue, Sprint, Store, User, now

if TYPE_CHECKING:
    from .core import Core

RANK_FIELD = "customfield_10019"
SPRINT_FIELD = "customfield_10020"
ISSUE_WIDE_FIELDS = (RANK_FIELD, SPRINT_FIELD)  # Jira Software's fields are on every issue of the site

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
WIDTH = 6
FIRST = int("i00000", 36)
STEP = 36**2  # room for a few halvings between two issues created one after the other


def _encode(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, digit = divmod(number, 36)
        out.append(DIGITS[digit])
    return "".join(reversed(out))


def _value(body: str, width: int) -> int:
    return int(body.ljust(width, "0"), 36)


def rank_body(rank: str | None) -> str:
    """The sortable middle of a rank string (``0|i00100:`` -> ``i00100``)."""
    if not rank:
        return ""
    return rank.split("|", 1)[-1].rstrip(":")


def between(low: str | None, high: str | None) -> str:
    """A rank body strictly between two bodies (None: the open end), widening when they are adjacent."""
    width = max(len(low or ""), len(high or ""), WIDTH)
    while True:
        lo = _value(low, width) if low else 0
        hi = _value(high, width) if high else 36**width
        if hi - lo > 1:
            return _encode((lo + hi) // 2, width)
        width += 1


def new_rank(store: Store) -> str:
    """The bottom rank for a new issue."""
    position = int(store.next_id("rank"))
    return f"0|{_encode(FIRST + position * STEP, WIDTH)}:"


def sprint_json(sprint: Sprint) -> dict[str, Any]:
    """One element of the Sprint field, as Jira Cloud's REST API and webhooks show it."""
    out: dict[str, Any] = {
        "id": sprint.id,
        "name": sprint.name,
        "state": sprint.state,
        "boardId": sprint.board_id,
        "goal": sprint.goal,
    }
    if sprint.start_date:
        out["startDate"] = sprint.start_date
    if sprint.end_date:
        out["endDate"] = sprint.end_date
    if sprint.complete_date:
        out["completeDate"] = sprint.complete_date
    return out


def find_sprint(store: Store, ref: Any) -> Sprint:
    """A sprint by id (number or digits) or name; 400 otherwise."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        sprint = store.sprints.get(int(ref))
        if sprint is not None:
            return sprint
    if isinstance(ref, str):
        for sprint in store.sprints.values():
            if sprint.name.lower() == ref.lower():
                return sprint
    raise JiraError(400, f"Sprint with id or name '{ref}' does not exist.")


class AgileOperations:
    """Engineer actions on the Sprint and Rank fields (Jira Software's board actions)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.store = core.store

    def _sprints_text(self, ids: list[int]) -> tuple[str, str]:
        names = [self.store.sprints[i].name for i in ids if i in self.store.sprints]
        return ", ".join(str(i) for i in ids), ", ".join(names)

    def move_to_sprint(self, issue: Issue, sprint_ref: Any, actor: User) -> list[int]:
        """Put the issue in a sprint (None: take it out of its open sprint, back to the backlog)."""
        with self.store.lock:
            before = [int(i) for i in issue.values.get(SPRINT_FIELD) or []]
            kept = [i for i in before if self.store.sprints[i].state == "closed"]
            after = list(kept)
            if sprint_ref is not None:
                sprint = find_sprint(self.store, sprint_ref)
                if sprint.state == "closed":
                    raise JiraError(400, f"Sprint '{sprint.name}' is closed: issues cannot be moved into it.")
                after.append(sprint.id)
            if after == before:
                return after
            issue.values[SPRINT_FIELD] = after
            old_ids, old_names = self._sprints_text(before)
            new_ids, new_names = self._sprints_text(after)
            item = ChangeItem("Sprint", SPRINT_FIELD, "custom", old_ids, old_names, new_ids, new_names)
            self._record(issue, actor, item)
            return after

    def rank(self, issue: Issue, actor: User, *, before: Issue | None, after: Issue | None) -> str:
        """Rank the issue just before ``before`` or just after ``after`` (the site-wide rank order)."""
        if (before is None) == (after is None):
            raise JiraError(400, "Give exactly one of 'before' or 'after' (an issue key).")
        anchor = before or after
        assert anchor is not None
        if anchor.id == issue.id:
            raise JiraError(400, "An issue cannot be ranked relative to itself.")
        with self.store.lock:
            ordered = sorted(
                (i for i in self.store.issues.values() if i.id != issue.id),
                key=lambda i: rank_body(i.values.get(RANK_FIELD)),
            )
            index = next(n for n, other in enumerate(ordered) if other.id == anchor.id)
            low: str | None
            high: str | None
            if before is not None:
                low = rank_body(ordered[index - 1].values.get(RANK_FIELD)) if index > 0 else None
                high = rank_body(anchor.values.get(RANK_FIELD))
            else:
                low = rank_body(anchor.values.get(RANK_FIELD))
                following = ordered[index + 1] if index + 1 < len(ordered) else None
                high = rank_body(following.values.get(RANK_FIELD)) if following else None
            old = rank_body(issue.values.get(RANK_FIELD))
            body = between(low, high)
            issue.values[RANK_FIELD] = f"0|{body}:"
            direction = "Ranked higher" if body < old else "Ranked lower"
            self._record(issue, actor, ChangeItem("Rank", RANK_FIELD, "custom", "", "", "", direction))
            return str(issue.values[RANK_FIELD])

    def _record(self, issue: Issue, actor: User, item: ChangeItem) -> None:
        issue.updated = now()
        history = History(self.store.next_id("history"), actor.account_id, issue.updated, [item])
        issue.histories.append(history)
        self.core.ops.emit_issue("jira:issue_updated", "issue_updated", issue, actor, history)
