"""The subset of JQL the simulator understands. Anything else is answered 400 like Jira's parse errors.

Supported::

    query    := [expr] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    expr     := term {OR term}
    term     := factor {AND factor}
    factor   := NOT factor | "(" expr ")" | clause
    clause   := field op value | field [NOT] IN "(" value {, value} ")" | field IS [NOT] EMPTY|NULL

Fields: ``project``, ``key`` / ``issuekey``, ``id``, ``issuetype`` / ``type``, ``status``,
``statusCategory``, ``labels``, ``parent``, ``assignee``, ``reporter``, ``fixVersion``, ``summary`` (``~``: words, or a quoted phrase),
``created``, ``updated``, ``sprint`` (id or name; ``openSprints()``, ``closedSprints()``, ``futureSprints()``) and
``issue.property[key].path``. Operators: ``= != > >= < <= ~ IN``, ``NOT IN``,
``IS [NOT] EMPTY``. Dates: relative (``"-5m"``, ``-1h``, ``-2d``, ``-1w``), ``"yyyy-MM-dd"``,
``"yyyy-MM-dd HH:mm"`` (also with ``/``), and ``now()`` / ``startOfDay()``. ORDER BY: ``created``,
``updated``, ``key``, ``id``, ``rank`` (the Rank field's order); without ORDER BY the order is ``created DESC``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .agile import RANK_FIELD, SPRINT_FIELD, rank_body
from .richtext import plain
from .state import STATUS_CATEGORIES, Issue, Store, now


class JqlError(Exception):
    pass


TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~|\(|\)|,)
      | (?P<word>issue\.property\[[^\]]+\](?:\.[A-Za-z0-9_.-]+)?|[A-Za-z0-9_\-.:/*+@\[\]]+(?:\(\))?)
    )""",
    re.VERBOSE,
)

KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC"}


@dataclass
class Tok:
    kind: str  # str | op | word
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def tokenize(text: str) -> list[Tok]:
    tokens: list[Tok] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise JqlError(
                f"Error in the JQL Query: the character '{text[pos:].strip()[:1]}' is a reserved JQL "
                f"character (at position {pos})."
            )
        kind = m.lastgroup or "word"
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(Tok(kind, value))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


Predicate = Callable[[Issue], bool]


@dataclass
class Query:
    predicate: Predicate
    order: list[tuple[str, bool]]  # (field, descending)
    bounded: bool


FIELD_ALIASES = {"issuekey": "key", "type": "issuetype"}
ORDER_FIELDS = {"created", "updated", "key", "id", "rank", "issuekey"}


class Parser:
    def __init__(self, store: Store, text: str) -> None:
        self.store = store
        self.tokens = tokenize(text)
        self.pos = 0
        self.fields_used: set[str] = set()

    def peek(self) -> Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise JqlError("Error in the JQL Query: Expecting more input at the end of the query.")
        self.pos += 1
        return tok

    def expect_word(self, word: str) -> None:
        tok = self.next()
        if tok.upper != word:
            raise JqlError(f"Error in the JQL Query: Expecting '{word}' but got '{tok.text}'.")

    def parse(self) -> Query:
        predicate: Predicate = lambda issue: True  # noqa: E731
        if self.peek() is not None and self.peek_upper() != "ORDER":
            predicate = self.expr()
        order: list[tuple[str, bool]] = []
        if self.peek() is not None:
            self.expect_word("ORDER")
            self.expect_word("BY")
            while True:
                tok = self.next()
                name = tok.text.lower()
                if name not in ORDER_FIELDS:
                    raise JqlError(f"Not able to sort using field '{tok.text}'.")
                desc = False
                if self.peek_upper() in ("ASC", "DESC"):
                    desc = self.next().upper == "DESC"
                order.append(({"issuekey": "key"}.get(name, name), desc))
                if self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                    self.next()
                    continue
                break
        if self.peek() is not None:
            raise JqlError(f"Error in the JQL Query: unexpected '{self.peek().text}'.")  # type: ignore[union-attr]
        if not order:
            order = [("created", True)]
        bounded = bool(self.fields_used)
        return Query(predicate, order, bounded)

    def peek_upper(self) -> str | None:
        tok = self.peek()
        return tok.upper if tok else None

    def expr(self) -> Predicate:
        terms = [self.term()]
        while self.peek_upper() == "OR":
            self.next()
            terms.append(self.term())
        if len(terms) == 1:
            return terms[0]
        return lambda issue: any(t(issue) for t in terms)

    def term(self) -> Predicate:
        factors = [self.factor()]
        while self.peek_upper() == "AND":
            self.next()
            factors.append(self.factor())
        if len(factors) == 1:
            return factors[0]
        return lambda issue: all(f(issue) for f in factors)

    def factor(self) -> Predicate:
        tok = self.peek()
        if tok is None:
            raise JqlError("Error in the JQL Query: Expecting a field name.")
        if tok.upper == "NOT":
            self.next()
            inner = self.factor()
            return lambda issue: not inner(issue)
        if tok.text == "(":
            self.next()
            inner = self.expr()
            if self.next().text != ")":
                raise JqlError("Error in the JQL Query: Expecting ')'.")
            return inner
        return self.clause()

    def values(self) -> list[str]:
        if self.peek() is not None and self.peek().text == "(":  # type: ignore[union-attr]
            self.next()
            out = []
            while True:
                tok = self.next()
                if tok.kind == "op":
                    raise JqlError(f"Error in the JQL Query: unexpected '{tok.text}' in a list.")
                out.append(tok.text)
                sep = self.next()
                if sep.text == ")":
                    return out
                if sep.text != ",":
                    raise JqlError("Error in the JQL Query: Expecting ',' or ')'.")
        tok = self.next()
        if tok.kind == "op":
            raise JqlError(f"Error in the JQL Query: Expecting a value but got '{tok.text}'.")
        return [tok.text]

    def clause(self) -> Predicate:
        field_tok = self.next()
        if field_tok.kind != "word" or field_tok.upper in KEYWORDS:
            raise JqlError(f"Error in the JQL Query: Expecting a field name but got '{field_tok.text}'.")
        name = field_tok.text
        op_tok = self.next()
        op = op_tok.upper
        if op == "NOT":
            self.expect_word("IN")
            op = "NOT IN"
        elif op == "IS":
            negate = False
            if self.peek_upper() == "NOT":
                self.next()
                negate = True
            empty = self.next().upper
            if empty not in ("EMPTY", "NULL"):
                raise JqlError("Error in the JQL Query: Expecting EMPTY or NULL after IS.")
            getter = self.getter(name)
            self.fields_used.add(name)
            return lambda issue: (getter(issue) in (None, "", [])) != negate
        if op not in ("=", "!=", ">", ">=", "<", "<=", "~", "IN"):
            raise JqlError(f"Error in the JQL Query: the operator '{op_tok.text}' is not supported.")
        values = self.values()
        self.fields_used.add(name)
        return self.compare(name, op, values)

    # field access -------------------------------------------------------------------------------------
    def getter(self, name: str) -> Callable[[Issue], Any]:  # noqa: PLR0911, PLR0912
        store = self.store
        lower = FIELD_ALIASES.get(
            name.lower(), name.lower() if not name.startswith("issue.property") else name
        )
        if lower.startswith("issue.property["):
            m = re.match(r"issue\.property\[([^\]]+)\](?:\.(.+))?$", lower)
            if not m:
                raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")
            key, path = m.group(1).strip("'\""), m.group(2)

            def prop(issue: Issue) -> Any:
                value: Any = issue.properties.get(key)
                for part in path.split(".") if path else []:
                    value = value.get(part) if isinstance(value, dict) else None
                return value

            return prop
        if lower == "project":
            return lambda i: (
                store.projects[i.project_id].key,
                store.projects[i.project_id].id,
                store.projects[i.project_id].name,
            )
        if lower == "key":
            return lambda i: i.key
        if lower == "id":
            return lambda i: i.id
        if lower == "issuetype":
            return lambda i: (store.issue_types[i.issue_type_id].name, i.issue_type_id)
        if lower == "status":
            return lambda i: (store.statuses[i.status_id].name, i.status_id)
        if lower == "statuscategory":
            return lambda i: (
                store.statuses[i.status_id].category,
                STATUS_CATEGORIES[store.statuses[i.status_id].category].name,
                str(STATUS_CATEGORIES[store.statuses[i.status_id].category].id),
            )
        if lower == "labels":
            return lambda i: list(i.values.get("labels", []))
        if lower == "parent":
            return lambda i: (
                (store.issues[i.values["parent"]].key, i.values["parent"])
                if i.values.get("parent") in store.issues
                else None
            )
        if lower in ("assignee", "reporter"):
            return lambda i: self._user_ids(i.values.get(lower) if lower == "assignee" else i.reporter)
        if lower == "fixversion":
            return lambda i: [
                (store.versions[v].name, v) for v in i.values.get("fixVersions", []) if v in store.versions
            ]
        if lower == "summary":
            return lambda i: i.values.get("summary", "")
        if lower in ("text", "description"):
            return lambda i: i.values.get("summary", "") + " " + plain(i.values.get("description"))
        if lower == "sprint":

            def sprints(i: Issue) -> list[tuple[str, ...]]:
                out = []
                for sprint_id in i.values.get(SPRINT_FIELD) or []:
                    sprint = store.sprints.get(sprint_id)
                    if sprint is not None:
                        functions = {
                            "closed": ("closedsprints()",),
                            "active": ("opensprints()",),
                            "future": ("opensprints()", "futuresprints()"),
                        }[sprint.state]
                        out.append((str(sprint.id), sprint.name, *functions))
                return out

            return sprints
        if lower == "created":
            return lambda i: i.created
        if lower == "updated":
            return lambda i: i.updated
        raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")

    def _user_ids(self, account_id: str | None) -> tuple[str, ...] | None:
        user = self.store.users.get(account_id or "")
        if user is None:
            return None
        return (user.account_id, user.name, user.key, user.email)

    def compare(self, name: str, op: str, values: list[str]) -> Predicate:
        getter = self.getter(name)
        lower = name.lower()
        if lower in ("created", "updated"):
            if len(values) != 1 or op not in ("=", "!=", ">", ">=", "<", "<="):
                raise JqlError(f"Error in the JQL Query: '{op}' is not supported for dates.")
            when = parse_date(values[0])
            ops: dict[str, Callable[[datetime, datetime], bool]] = {
                "=": lambda a, b: a == b,
                "!=": lambda a, b: a != b,
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
            }
            fn = ops[op]
            return lambda issue: fn(getter(issue), when)
        if lower == "id" and op in (">", ">=", "<", "<="):
            num = int(values[0]) if values[0].isdigit() else 0
            cmp: dict[str, Callable[[int, int], bool]] = {
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
            }
            fn2 = cmp[op]
            return lambda issue: fn2(int(issue.id), num)
        if op in (">", ">=", "<", "<="):
            raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")
        if op == "~":
            return text_match(values[0], getter)
        wanted = [v.lower() for v in values]

        def matches(issue: Issue) -> bool:
            actual = getter(issue)
            if actual is None:
                return False
            candidates: list[str] = []
            items = actual if isinstance(actual, list) else [actual]
            for item in items:
                if isinstance(item, tuple):
                    candidates.extend(str(x).lower() for x in item)
                elif isinstance(item, bool):
                    candidates.append(str(item).lower())
                else:
                    candidates.append(str(item).lower())
            return any(w in candidates for w in wanted)

        if lower == "project":
            for v in values:
                if self.store.project(v) is None and not any(
                    p.name.lower() == v.lower() for p in self.store.projects.values()
                ):
                    raise JqlError(f"The value '{v}' does not exist for the field 'project'.")
        if op in ("=", "IN"):
            return matches
        return lambda issue: not matches(issue)


WORD = re.compile(r"\w+")


def text_match(query: str, getter: Callable[[Issue], Any]) -> Callable[[Issue], bool]:
    """Jira's text search (``~``): it matches words, not characters. A quoted phrase (``"\\"a b\\""``) matches
    its words in a row; otherwise every word must appear, in any order; a trailing ``*`` matches the last
    word's prefix. (No stemming or stop words here: both sides are split the same way.)"""
    phrase = len(query) >= 2 and query.startswith('"') and query.endswith('"')
    prefix = query.strip('"').endswith("*")
    wanted = WORD.findall(query.lower())

    def matches(issue: Issue) -> bool:
        words = WORD.findall(str(getter(issue) or "").lower())
        if not wanted:
            return False
        if phrase:
            size = len(wanted)
            return any(words[start : start + size] == wanted for start in range(len(words) - size + 1))
        *head, last = wanted
        found_last = any(word.startswith(last) for word in words) if prefix else last in words
        return found_last and all(word in words for word in head)

    return matches


RELATIVE = re.compile(r"^([+-]?)(\d+)\s*([wdhm])$")


def parse_date(text: str) -> datetime:
    text = text.strip()
    lowered = text.lower()
    current = now()
    if lowered in ("now()",):
        return current
    if lowered == "startofday()":
        return current.replace(hour=0, minute=0, second=0, microsecond=0)
    m = RELATIVE.match(lowered)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        amount = int(m.group(2))
        unit = {
            "w": timedelta(weeks=1),
            "d": timedelta(days=1),
            "h": timedelta(hours=1),
            "m": timedelta(minutes=1),
        }
        return current + sign * amount * unit[m.group(3)]
    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise JqlError(
        f"Date value '{text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


def parse(store: Store, text: str) -> Query:
    return Parser(store, text).parse()


def run(store: Store, query: Query, visible_before: datetime | None = None) -> list[Issue]:
    issues = [i for i in store.issues.values() if query.predicate(i)]
    if visible_before is not None:
        issues = [i for i in issues if i.updated <= visible_before]
    for field_name, desc in reversed(query.order):

        def key(i: Issue, f: str = field_name) -> Any:
            if f == "key":
                return (store.projects[i.project_id].key, i.number)
            if f == "id":
                return int(i.id)
            if f == "rank":
                return (rank_body(i.values.get(RANK_FIELD)), int(i.id))
            return (getattr(i, f), int(i.id))

        issues.sort(key=key, reverse=desc)
    return issues
