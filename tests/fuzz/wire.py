"""Requests as an attacker writes them, sent over real HTTP, and what is checked in every answer.

`send` uses `http.client` so that a path goes out byte for byte as written (`..%2F`, `%00`, 10 KB ids: no
client-side normalisation), headers may repeat, and a reset connection is an answer of its own (status 0).
`answer_problems` is the judgement every hostile answer gets: never a 5xx, the `{"error": {"code",
"message"}}` shape wherever JSON is answered with an error, no traceback text, no secret in any form.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

# What a stack trace looks like in text: a body carrying either leaks our internals.
TRACEBACK_MARKERS = ("Traceback", 'File "')
# The shortest run of a secret searched for on its own when the secret holds control characters (a log line
# may have cut the value at a CR or LF and shown the rest on its own).
SECRET_FRAGMENT = 16


@dataclass(frozen=True)
class HttpRequest:
    """One request. `path` is sent as written (percent-encoded by the case, query included); `expect` is
    the set of statuses the contract allows (empty: any 4xx)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    expect: frozenset[int] = field(default_factory=frozenset)

    def describe(self, limit: int = 120) -> str:
        path = self.path if len(self.path) <= limit else self.path[:limit] + f"...({len(self.path)} chars)"
        return f"{self.method} {path}"


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no HTTP answer (connection refused, reset or timed out)
    headers: dict[str, str]
    body: bytes
    error: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def excerpt(self, limit: int = 300) -> str:
        text = self.body.decode("utf-8", errors="replace")
        if self.error:
            return f"({self.error})"
        return text if len(text) <= limit else text[:limit] + "..."


def send(base_url: str, request: HttpRequest, *, timeout: float = 60.0) -> Answer:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        names = {name.lower() for name, _ in request.headers}
        connection.putrequest(
            request.method, request.path, skip_host="host" in names, skip_accept_encoding=True
        )
        for name, value in request.headers:
            connection.putheader(name, value.encode("latin-1"))
        if "content-length" not in names and (request.body or request.method in ("POST", "PUT")):
            connection.putheader("Content-Length", str(len(request.body)))
        connection.endheaders(request.body or None)
        response = connection.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, body)
    except (OSError, http.client.HTTPException) as error:
        return Answer(0, {}, b"", error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def segment(value: str) -> str:
    """A path segment carrying `value` exactly (every reserved character percent-encoded)."""
    return quote(value, safe="")


def secret_forms(secret: str) -> set[str]:
    """The forms a secret takes in text: as is, JSON-escaped, URL-encoded (both styles), Python's repr, and,
    for a value with control characters, each long run between them."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret, safe="").replace("%20", "+"),
        repr(secret)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
    }
    for separator in ("\r", "\n", "\x00", "\t"):
        for piece in secret.split(separator):
            if separator in secret and len(piece) >= SECRET_FRAGMENT:
                forms.add(piece)
    return {form for form in forms if len(form) >= SECRET_FRAGMENT}


def secrets_in(text: str, secrets: Iterable[str]) -> list[str]:
    """Which of `secrets` appear in `text` in any of their forms (named by a short, safe prefix)."""
    found = []
    for secret in secrets:
        if any(form in text for form in secret_forms(secret)):
            found.append(redacted(secret))
    return found


def redacted(secret: str) -> str:
    return f"{secret[:4]!r}... ({len(secret)} chars)"


def error_shape_problem(answer: Answer) -> str | None:
    """For an error answered in JSON: the shape `{"error": {"code": str, "message": str, ...}}`."""
    text = answer.body.decode("utf-8", errors="replace").strip()
    looks_json = "json" in answer.content_type.lower() or text.startswith(("{", "["))
    if answer.status < 400 or not looks_json:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return f"answered {answer.content_type or 'no content type'} that is not JSON: {answer.excerpt(120)}"
    error = document.get("error") if isinstance(document, dict) else None
    if not (
        isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and isinstance(error.get("message"), str)
    ):
        return f'not the {{"error": {{"code", "message"}}}} shape: {answer.excerpt(120)}'
    return None


def answer_problems(
    request: HttpRequest, answer: Answer, secrets: Sequence[str], *, tolerant: bool = False
) -> list[str]:
    """What is wrong with the answer to a hostile request; `tolerant`: a 2xx is acceptable too (input a
    careless client may send and the contract does not require refusing)."""
    where = request.describe()
    if answer.status == 0:
        return [f"{where}: no answer {answer.excerpt()}"]
    problems = []
    if answer.status >= 500:
        problems.append(f"{where}: {answer.status} {answer.excerpt()}")
    elif not 400 <= answer.status < 500 and not (tolerant and answer.status < 400):
        problems.append(f"{where}: accepted with {answer.status} {answer.excerpt()}")
    elif request.expect and 400 <= answer.status < 500 and answer.status not in request.expect:
        problems.append(f"{where}: {answer.status}, expected {sorted(request.expect)}: {answer.excerpt()}")
    shape = error_shape_problem(answer)
    if shape:
        problems.append(f"{where}: {answer.status} {shape}")
    text = answer.body.decode("utf-8", errors="replace")
    if any(marker in text for marker in TRACEBACK_MARKERS):
        problems.append(f"{where}: traceback text in the answer: {answer.excerpt()}")
    leaked = secrets_in(text + "\n" + json.dumps(answer.headers), secrets)
    if leaked:
        problems.append(f"{where}: secrets in the answer: {leaked}")
    return problems
