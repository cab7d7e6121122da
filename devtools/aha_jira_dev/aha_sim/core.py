"""The simulator's request pipeline, independent of the HTTP plumbing.

``/api/v1/...``: route (404) -> fault rules -> rate limit (429) -> API key (401) -> media type (415) ->
request body against the OpenAPI description (400) -> handler (404/422 for what Aha! refuses) -> answer with
the ``X-Ratelimit-*`` headers -> call log. ``/attachments/...``: the download URLs (faults apply, no key
needed: the token in the URL is the credential). ``/_sim/...``: the control API.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from aha_jira_dev.jira_sim.core import CallLog, Outcome

from .faults import Faults
from .operations import Actor, Operations
from .payloads import Payloads
from .ratelimit import DEFAULT_LIMIT, DEFAULT_WINDOW, RateLimiter
from .render import Renderer
from .routing import JSON_CONTENT_TYPE, AhaError, Request, Response, Router, error_response
from .spec import AhaOpenApi, load_spec
from .state import Store
from .webhooks import WebhookDispatcher

LOG = logging.getLogger("aha_jira_dev.aha_sim")

API_PREFIX = "/api/v1"
ATTACHMENT_PATH = re.compile(r"^/attachments/(?P<id>[^/]+)/token/(?P<token>[^/.]+)\.download$")


class Core:
    def __init__(
        self,
        *,
        api_keys: dict[str, str] | None = None,
        openapi_path: Path | None = None,
        validate_openapi: bool = True,
        check_responses: bool = False,
        seed: int | None = 0,
        rate_limit: int | None = DEFAULT_LIMIT,
        rate_window: float = DEFAULT_WINDOW,
    ) -> None:
        self.store = Store(api_keys)
        self.base_url = "http://127.0.0.1"
        self.webhooks = WebhookDispatcher()
        self.seed = seed
        self.faults = Faults(seed)
        self.limiter = RateLimiter(rate_limit, rate_window)
        self.calls = CallLog()
        self.ops = Operations(self)
        self.check_responses = check_responses
        self.spec: AhaOpenApi | None = None
        if validate_openapi or check_responses:
            self.spec = load_spec(openapi_path)
            if self.spec is None:
                LOG.warning("Aha! OpenAPI description not found: request bodies are not checked against it")
        from .routes import register_api, register_control  # noqa: PLC0415

        self.api = Router()
        register_api(self.api)
        self.control = Router()
        register_control(self.control)

    def renderer(self) -> Renderer:
        return Renderer(self.store, self.base_url)

    def payloads(self) -> Payloads:
        return Payloads(self.store, self.base_url)

    def reset(self) -> None:
        self.store.reset()
        self.faults.reset(self.seed)
        self.limiter.reset()
        self.calls.clear()
        self.webhooks.reset()

    def pm_actor(self, email: str | None = None) -> Actor:
        """The product manager (or the user with ``email``) acting in Aha!'s UI."""
        from .state import PM_USER_ID  # noqa: PLC0415

        if email:
            user = self.store.user_by_email(email)
            if user is None:
                raise AhaError(400, f"no user with e-mail {email!r}")
            return Actor(user.id, "pm")
        return Actor(PM_USER_ID, "pm")

    # pipeline ------------------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: Message, body: bytes, client: str = "") -> Outcome:
        parts = urlsplit(target)
        path = parts.path or "/"
        request = Request(method, path, parse_qs(parts.query, keep_blank_values=True), headers, body, client)
        if path == "/_sim" or path.startswith("/_sim/"):
            return Outcome(self._control(request))
        started = time.monotonic()
        generation = self.calls.generation
        attachment = ATTACHMENT_PATH.match(path)
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": method,
            "path": f"/attachments/{attachment['id']}/token/***.download" if attachment else path,
            "query": dict(parse_qsl(parts.query, keep_blank_values=True)),
            "key": None,
            "user": None,
            "body": _loggable(request),
            "fault": None,
            "dropped": False,
            "rate_limited": False,
            "ignored": [],
            "schema_errors": [],
        }
        try:
            if attachment:
                outcome = self._download(request, attachment["id"], attachment["token"], entry)
            elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                outcome = self._api(request, entry)
            else:
                outcome = Outcome(error_response(404, "Not found"))
        except Exception:  # a bug in the simulator: answer 500 like a server would, and say so in the log
            LOG.exception("simulator error on %s %s", method, path)
            outcome = Outcome(error_response(500, "Internal server error"))
        response = outcome.response
        entry["status"] = None if outcome.drop or response is None else response.status
        if outcome.drop:
            entry["dropped"] = True
            entry["committed_status"] = response.status if response is not None else None
        entry["ignored"] = list(request.ignored)
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
        self.calls.add(entry, generation)
        return outcome

    def _faults(self, request: Request, entry: dict[str, Any]) -> tuple[Outcome | None, Any]:
        decision = self.faults.decide(request.method, request.path)
        if decision.rule_ids:
            entry["fault"] = ",".join(decision.rule_ids)
        if decision.delay:
            generation = self.calls.generation
            time.sleep(decision.delay)
            if generation != self.calls.generation:
                # The simulator was reset while this request waited (its client gave up long ago):
                # it must not touch the fresh state.
                return Outcome(None, drop=True), decision
        if decision.drop_before:
            return Outcome(None, drop=True), decision
        if decision.response is not None:
            return Outcome(decision.response), decision
        return None, decision

    def _api(self, request: Request, entry: dict[str, Any]) -> Outcome:
        api_path = request.path[len(API_PREFIX) :] or "/"
        route, params, _ = self.api.match(request.method, api_path)
        if route is None:
            # Rails answers an unrouted method like an unknown path.
            return Outcome(error_response(404, f"No route matches [{request.method}] {request.path}"))
        request.params, request.spec_path = params, route.template
        faulted, decision = self._faults(request, entry)
        if faulted is not None:
            return faulted
        token = _bearer(request.headers)
        verdict = self.limiter.check(
            "key:" + hashlib.sha256(token.encode()).hexdigest() if token else "client:" + request.client
        )
        if not verdict.allowed:
            entry["rate_limited"] = True
            return Outcome(error_response(429, "Rate limit exceeded", verdict.headers))
        try:
            key = self.store.api_key(token) if token else None
            if key is None:
                entry["key"] = "…" if token else None
                raise AhaError(
                    401,
                    "Authentication required: send a valid API key as Authorization: Bearer <key>",
                    {"WWW-Authenticate": 'Bearer realm="Aha!"'},
                )
            request.api_key, request.user = key, self.store.users[key.user_id]
            entry["key"], entry["user"] = key.masked, request.user.email
            self._check_body(request, route.template)
            with self.store.lock:
                response = route.handler(self, request)
        except AhaError as exc:
            response = exc.response()
        response.headers.update(verdict.headers)
        if self.check_responses and self.spec is not None and 200 <= response.status < 300:
            entry["schema_errors"] = self.spec.response_errors(
                route.template, request.method, response.status, json.loads(response.payload() or b"null")
            )
        if decision.drop_after_commit:
            if decision.status_after_commit:
                return Outcome(error_response(decision.status_after_commit, "Bad gateway"))
            return Outcome(response, drop=True)
        return Outcome(response)

    def _check_body(self, request: Request, spec_path: str) -> None:
        if request.method not in ("POST", "PUT"):
            return
        if request.body and "json" not in request.content_type:
            raise AhaError(415, "Send the request body as application/json")
        spec = self.spec
        if not request.body:
            if spec is not None and spec.body_required(spec_path, request.method):
                raise AhaError(400, "A JSON request body is required")
            return
        body = request.json()
        if spec is not None:
            problems = spec.request_body_errors(spec_path, request.method, body)
            if problems:
                raise AhaError(400, "Invalid request body: " + "; ".join(problems))

    def _download(self, request: Request, attachment_id: str, token: str, entry: dict[str, Any]) -> Outcome:
        faulted, _ = self._faults(request, entry)
        if faulted is not None:
            return faulted
        if request.method != "GET":
            return Outcome(error_response(404, "Not found"))
        with self.store.lock:
            attachment = self.store.attachments.get(attachment_id)
        if attachment is None or attachment.token != token:
            return Outcome(error_response(404, "Not found"))
        disposition = f'attachment; filename="{attachment.file_name}"'
        return Outcome(
            Response(
                200,
                raw=attachment.content,
                content_type=attachment.content_type,
                headers={"Content-Disposition": disposition},
            )
        )

    def control_call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A control call in process (``/_sim`` + ``path``): its JSON answer, or ``SimulatorError``."""
        from .pm import SimulatorError  # noqa: PLC0415

        headers = Message()
        headers["Content-Type"] = "application/json"
        raw = json.dumps(body).encode() if body is not None else b""
        response = self._control(Request(method, "/_sim" + path, {}, headers, raw))
        payload = response.payload()
        data = json.loads(payload) if payload else None
        if response.status >= 400:
            raise SimulatorError(response.status, str((data or {}).get("error", data)))
        return data

    def _control(self, request: Request) -> Response:
        route, params, path_exists = self.control.match(request.method, request.path)
        if route is None:
            return error_response(405 if path_exists else 404, "unknown control endpoint")
        request.params = params
        try:
            if not route.locked:
                return route.handler(self, request)
            with self.store.lock:
                return route.handler(self, request)
        except AhaError as exc:
            return exc.response()
        except (ValueError, KeyError, TypeError) as exc:
            return error_response(400, str(exc))


def ok(body: Any, status: int = 200) -> Response:
    return Response(status, body, content_type=JSON_CONTENT_TYPE)


def _bearer(headers: Message) -> str | None:
    value = (headers.get("Authorization") or "").strip()
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _loggable(request: Request) -> Any:
    if not request.body:
        return None
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return {"unparsed": True, "bytes": len(request.body)}
