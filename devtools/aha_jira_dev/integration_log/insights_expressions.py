"""The tokens and `filter` expressions of the Logs Insights subset `insights.py` evaluates: `and`, `or`, `not`,
parentheses, comparisons, `like`, `=~`, `in`, `ispresent`, `isblank`, `toMillis`; a missing field compares
false with everything, as in SQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]


class QuerySyntaxError(ValueError):
    """The query uses something outside the supported subset (or is malformed)."""


# --- tokens -----------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<regex>/(?:[^/\\\n]|\\.)+/[a-z]*)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|=~|[=<>(),\[\]|*])
  | (?P<name>[@A-Za-z_][\w.@-]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise QuerySyntaxError(f"unexpected character {text[position]!r} at {position}")
        kind = match.lastgroup or ""
        value = match.group()
        position = match.end()
        if kind == "ws":
            continue
        if (
            kind == "regex" and out and not (out[-1].text.lower() == "like" or out[-1].text == "=~")
        ):  # a '/' elsewhere is division, which the subset does not have
            raise QuerySyntaxError(f"a regular expression is only supported after like or =~: {value}")
        out.append(Token(kind, value))
    return out


def strip_comments(query: str) -> str:
    lines = []
    for line in query.splitlines():
        if line.lstrip().startswith("#"):
            continue
        lines.append(line)
    return "\n".join(lines)


# --- expressions ------------------------------------------------------------------------------------

Expr = Callable[[Row], Any]
_MISSING = object()


def _value(row: Row, name: str) -> Any:
    return row.get(name, _MISSING)


def _literal(token: Token) -> Any:
    if token.kind == "string":
        if token.text.startswith('"'):
            return json.loads(token.text)
        return token.text[1:-1].replace("\\'", "'")
    if token.kind == "number":
        return float(token.text) if "." in token.text else int(token.text)
    raise QuerySyntaxError(f"expected a literal, got {token.text!r}")


def _regex(token: Token) -> re.Pattern[str]:
    body, _, flags = token.text[1:].rpartition("/")
    return re.compile(body, re.IGNORECASE if "i" in flags else 0)


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    if left is _MISSING or right is _MISSING or left is None or right is None:
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        return str(left).lower(), str(right).lower()
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left, right
    if isinstance(left, int | float) or isinstance(right, int | float):
        try:
            return float(left), float(right)
        except (TypeError, ValueError):
            return str(left), str(right)
    return str(left), str(right)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("unexpected end of expression")
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.text.lower() == text:
            self.position += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            found = self.peek()
            raise QuerySyntaxError(f"expected {text!r}, got {found.text if found else 'the end'!r}")

    def done(self) -> bool:
        return self.position >= len(self.tokens)

    # expr := or ; or := and ('or' and)* ; and := not ('and' not)* ; not := 'not' not | predicate
    def expression(self) -> Expr:
        return self.disjunction()

    def disjunction(self) -> Expr:
        parts = [self.conjunction()]
        while self.accept("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda row: any(part(row) for part in parts))

    def conjunction(self) -> Expr:
        parts = [self.negation()]
        while self.accept("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda row: all(part(row) for part in parts))

    def negation(self) -> Expr:
        if self.accept("not"):
            inner = self.negation()
            return lambda row: not inner(row)
        return self.predicate()

    def predicate(self) -> Expr:
        token = self.peek()
        if token is not None and token.text == "(":
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        left = self.operand()
        token = self.peek()
        if token is None or token.text.lower() in {"and", "or", ")"}:
            return lambda row: _truthy(left(row))
        negated = False
        if token.text.lower() == "not":
            self.take()
            negated = True
            token = self.peek()
            if token is None:
                raise QuerySyntaxError("dangling 'not'")
        operator = self.take().text.lower()
        test: Expr
        if operator in {"like", "=~"}:
            pattern_token = self.take()
            if pattern_token.kind == "regex":
                pattern = _regex(pattern_token)
                test = _like_regex(left, pattern)
            else:
                needle = str(_literal(pattern_token))
                test = _like_text(left, needle)
        elif operator == "in":
            self.expect("[")
            options: list[Any] = []
            while not self.accept("]"):
                options.append(_literal(self.take()))
                self.accept(",")
            test = _in(left, options)
        elif operator in _COMPARE and not negated:
            right = self.operand()
            compare = _COMPARE[operator]

            def test(row: Row, left: Expr = left, right: Expr = right) -> bool:
                pair = _comparable(left(row), right(row))
                return pair is not None and compare(*pair)

        else:
            raise QuerySyntaxError(f"unsupported operator {operator!r}")
        if negated:  # a missing field is not "not like" anything either (SQL's NULL)
            positive = test
            return lambda row: left(row) not in (_MISSING, None) and not positive(row)
        return test

    def operand(self) -> Expr:
        token = self.take()
        if token.kind in {"string", "number"}:
            value = _literal(token)
            return lambda row: value
        if token.kind != "name":
            raise QuerySyntaxError(f"unexpected {token.text!r}")
        following = self.peek()
        if following is not None and following.text == "(":
            return self.function(token.text)
        name = token.text
        return lambda row: _value(row, name)

    def function(self, name: str) -> Expr:
        self.expect("(")
        argument = self.take().text
        self.expect(")")
        lowered = name.lower()
        if lowered == "ispresent":
            return lambda row: _value(row, argument) not in (_MISSING, None)
        if lowered == "isblank":
            return lambda row: _value(row, argument) in (_MISSING, None, "")
        if lowered == "tomillis":
            return lambda row: _value(row, argument)
        raise QuerySyntaxError(f"unsupported function {name}()")


def _truthy(value: Any) -> bool:
    return value is not _MISSING and bool(value)


def _like_regex(left: Expr, pattern: re.Pattern[str]) -> Expr:
    def test(row: Row) -> bool:
        value = left(row)
        return value not in (_MISSING, None) and pattern.search(str(value)) is not None

    return test


def _like_text(left: Expr, needle: str) -> Expr:
    def test(row: Row) -> bool:
        value = left(row)
        return value not in (_MISSING, None) and needle in str(value)

    return test


def _in(left: Expr, options: list[Any]) -> Expr:
    def test(row: Row) -> bool:
        value = left(row)
        if value in (_MISSING, None):
            return False
        return any(
            (pair := _comparable(value, option)) is not None and pair[0] == pair[1] for option in options
        )

    return test


def parse_filter(tokens: list[Token]) -> Expr:
    """The predicate of a `filter` command's tokens."""
    parser = _Parser(tokens)
    predicate = parser.expression()
    if not parser.done():
        raise QuerySyntaxError(f"unexpected {parser.peek()!r} in filter")
    return predicate
