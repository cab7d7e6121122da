"""The simulator's request pipeline, independent of the HTTP plumbing:
route -> fault rules -> authentication -> rate limits -> OpenAPI body validation -> handler -> call log."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from .agile import AgileOperations
from .auth import authenticate
from .comments import CommentOperations
from .faults import Faults
from .operations import Operations
from .ratelimits import RateClock, RateLimits
from .render import Renderer
from .routing import JiraError, Request, Response, Router
from .state import DEFAULT_CREDENTIALS, Store
from .uploads import Upload, UploadStore
from .validation import OpenApiSpec, load_spec, validate_body_against_spec
from .webhooks import WebhookDispatcher

if TYPE_CHECKING:
    from .connect_app import ConnectKeys

LOG = logging.getLogger("aha_jira_dev.jira_sim")

MODES = ("cloud", "datacenter")
SECRET_QUERY_PARAMS = frozenset({"jwt"})


@dataclass
class Outcome:
    response: Response | None
    drop: bool = False  # close the connection without answering


class CallLog:
    """Every Jira API call (control calls excluded): never credentials, never auth headers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []
        self._seq = 0
        self.generation = 0  # bumped by clear(): a call still in flight across a reset is not recorded

    def add(self, entry: dict[str, Any], generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            self._seq += 1
            entry["seq"] = self._seq
            self._calls.append(entry)

    def snapshot(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._calls if c["seq"] > since]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self.generation += 1


class Core:
    def __init__(
        self,
        mode: str = "cloud",
        credentials: dict[str, str] | None = None,
        openapi_path: Path | None = None,
        validate_openapi: bool = True,
        rate_clock: RateClock | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.credentials = dict(DEFAULT_CREDENTIALS) | dict(credentials or {})
        self.base_url = "http://127.0.0.1"
        self.store = Store()
        self.webhooks = WebhookDispatcher()
        self.faults = Faults()
        self.calls = CallLog()
        self.limits = RateLimits(rate_clock)
        self.uploads = UploadStore()
        self.ops = Operations(self)
        self.comments = CommentOperations(self)
        self.agile = AgileOperations(self)
        self.search_lag_seconds = 0.0
        self._connect_keys: ConnectKeys | None = None
        self._keys_lock = threading.Lock()
        self.spec: OpenApiSpec | None = None
        if validate_openapi:
            self.spec = load_spec(openapi_path)
            if self.spec is None:
                LOG.warning("Jira OpenAPI description not found; request bodies are not checked against it")
        from .routes import register_api, register_control  # noqa: PLC0415

        self.router = Router()
        register_api(self.router)
        self.control = Router()
        register_control(self.control)

    @property
    def connect_keys(self) -> ConnectKeys:
        """The site's RSA key pair for Connect lifecycle callbacks (made on first use: it takes a moment)."""
        with self._keys_lock:
            if self._connect_keys is None:
                from .connect_app import ConnectKeys  # noqa: PLC0415

                self._connect_keys = ConnectKeys()
            return self._connect_keys

    def renderer(self, version: int) -> Renderer:
        return Renderer(self.store, self.base_url, self.mode, version)

    def reset(self) -> None:
        self.store.reset()
        self.faults.clear()
        self.calls.clear()
        self.webhooks.reset()
        self.limits.configure(None)
        self.uploads.clear()
        self.search_lag_seconds = 0.0

    def streams_upload(self, method: str, target: str) -> bool:
        """Whether this request's body is an attachment upload, to be streamed to disk (``uploads``)."""
        if method != "POST":
            return False
        route, _, _ = self.router.match(method, urlsplit(target).path or "/")
        return route is not None and route.template.endswith("/issue/{issueIdOrKey}/attachments")

    # pipeline --------------------------------------------------------------------------------------------
    def handle(
        self, method: str, target: str, headers: Message, body: bytes, upload: Upload | None = None
    ) -> Outcome:
        parts = urlsplit(target)
        path = parts.path or "/"
        request = Request(
            method=method,
            path=path,
            raw_query=parts.query,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
            upload=upload,
        )
        if path.startswith("/_sim/") or path == "/_sim":
            return Outcome(self._control(request))
        started = time.monotonic()
        generation = self.calls.generation
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": method,
            "path": path,
            "query": {
                k: ("***" if k in SECRET_QUERY_PARAMS else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            },
            "auth": "none",
            "user": None,
            "body": _loggable_body(request),
            "fault": None,
            "dropped": False,
        }
        try:
            outcome = self._api(request, entry)
        except Exception:  # a bug in the simulator: answer 500 like Jira would, and say so in the log
            LOG.exception("simulator error on %s %s", method, path)
            outcome = Outcome(Response(500, {"errorMessages": ["Internal server error."], "errors": {}}))
        entry["status"] = outcome.response.status if outcome.response and not outcome.drop else None
        if outcome.drop:
            entry["dropped"] = True
            entry["committed_status"] = outcome.response.status if outcome.response else None
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
        self.calls.add(entry, generation)
        if upload is not None:
            upload.discard(self.uploads)  # whatever the handler did not keep as an attachment
        return outcome

    def _api(self, request: Request, entry: dict[str, Any]) -> Outcome:  # noqa: PLR0912
        route, params, path_exists = self.router.match(request.method, request.path)
        version = params.get("v")
        if route is not None and version is not None:
            allowed = ("2", "3") if self.mode == "cloud" else ("2", "latest")
            if version not in allowed:
                route, path_exists = None, False
        if route is None:
            if path_exists:
                return Outcome(Response(405, {"errorMessages": ["Method Not Allowed"], "errors": {}}))
            return Outcome(
                JiraError(
                    404, "Null or unknown REST resource: the simulator does not serve this path."
                ).response()
            )
        request.params = params
        request.api_version = 3 if version == "3" else 2
        entry["api_version"] = request.api_version
        request.spec_path = route.spec_path

        decision = self.faults.decide(request.method, request.path)
        if decision.rule_ids:
            entry["fault"] = ",".join(decision.rule_ids)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.drop_before:
            return Outcome(None, drop=True)
        if decision.response is not None:
            return Outcome(decision.response)

        admission = None
        try:
            if route.auth:
                identity = authenticate(self.store, self.mode, self.credentials, request)
                entry["auth"] = identity.kind
                if identity.user is None and not route.anonymous_ok:
                    raise JiraError(
                        401,
                        "You are not authenticated. Authentication required to perform this operation.",
                    )
                request.user = identity.user
                request.auth_kind = identity.kind
                if identity.user is not None:
                    entry["user"] = identity.user.account_id
            admission = self.limits.admit(
                request.method, route.template, self._written_issue(request), request.auth_kind
            )
            if admission.refused is not None:
                entry["rate_limited"] = admission.refused.headers["RateLimit-Reason"]
                return Outcome(admission.refused)
            if request.body and request.method in ("POST", "PUT") and not _acceptable_media(request):
                raise JiraError(415, "Unsupported Media Type: send the body as application/json.")
            if self.spec is not None and route.spec_path and request.body:
                validate_body_against_spec(
                    self.spec, request.method, request.path, request.body, request.content_type
                )
            response = route.handler(self, request)
        except JiraError as exc:
            response = exc.response()
        if admission is not None:
            self.limits.settle(admission, response)
        return Outcome(response, drop=decision.drop_after_commit)

    def _written_issue(self, request: Request) -> str | None:
        """The issue a write goes to (its id), for the per-issue write limit."""
        ref = request.params.get("issueIdOrKey")
        if ref is None or request.method == "GET":
            return None
        with self.store.lock:
            issue = self.store.issue(ref)
        return issue.id if issue is not None else ref.upper()

    def _control(self, request: Request) -> Response:
        route, params, path_exists = self.control.match(request.method, request.path)
        if route is None:
            status = 405 if path_exists else 404
            return Response(status, {"error": "unknown control endpoint"})
        request.params = params
        try:
            return route.handler(self, request)
        except JiraError as exc:
            return exc.response()
        except (ValueError, KeyError, TypeError) as exc:
            return Response(400, {"error": str(exc)})


def _acceptable_media(request: Request) -> bool:
    content_type = request.content_type
    return "json" in content_type or "multipart/form-data" in content_type


def _loggable_body(request: Request) -> Any:
    if not request.body and request.upload is None:
        return None
    if "multipart/form-data" in request.content_type:
        size = request.upload.total_bytes if request.upload is not None else len(request.body)
        return {"multipart": True, "bytes": size}
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return {"unparsed": True, "bytes": len(request.body)}
