"""A local API gateway: routes HTTP requests to the template's handlers as API Gateway's REST API does.

It matches the template's `Type: Api` events (most specific path first), enforces the API key where the
template requires one, builds the REST API Lambda proxy integration (payload v1) event, calls the handler
in-process with a Lambda context, and writes the proxy response back. What API Gateway answers itself (an
unknown route or method, a missing or wrong API key, a body over 10 MB, a handler that failed) is answered
as the template's `GatewayResponses` shape it in AWS (`gateway_responses.py`), API Gateway's defaults
where the template is silent.

The access log shows no webhook token and no registered secret (`log_redaction.py`), and the listen
backlog is deep enough for a burst of a few hundred concurrent clients.

The API is served at the root (`/integrations`) and, like the deployed one, under its stage
(`/v1/integrations`), so URLs the handlers derive from the request work either way.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from aha_jira_dev.local_stack.gateway_responses import (
    FUNCTION_FAILED,
    INVALID_API_KEY,
    MISSING_AUTHENTICATION_TOKEN,
    REQUEST_TOO_LARGE,
    GatewayResponse,
    GatewayResponses,
    unreadable_request,
)
from aha_jira_dev.local_stack.handlers import HandlerRegistry, apply_environment
from aha_jira_dev.local_stack.lambda_context import context_for
from aha_jira_dev.local_stack.log_redaction import loggable, loggable_path
from aha_jira_dev.local_stack.template import LOCAL_ACCOUNT_ID, ApiRoute, Template

logger = logging.getLogger("aha_jira_dev.local_stack.gateway")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's REST API payload limit
LOCAL_API_ID = "local"
# Connections waiting to be accepted: socketserver's default (5) reset most of a burst of 100 clients.
LISTEN_BACKLOG = 1024


@dataclass(frozen=True)
class GatewayRequest:
    """What the gateway needs from an HTTP request to build the proxy event."""

    method: str
    path: str  # as received (percent-encoded), without the query string and the stage prefix
    headers: Sequence[tuple[str, str]]  # as received, repeated names kept, in order
    query: Sequence[tuple[str, str]]  # decoded, repeated names kept, in order
    body: bytes
    source_ip: str


def api_key_id(api_key: str) -> str:
    """A stable id for a local API key (the deployed API's key id is a generated one)."""
    return "local" + hashlib.sha256(api_key.encode()).hexdigest()[:10]


def is_binary(content_type: str | None, binary_media_types: Sequence[str]) -> bool:
    """Whether a Content-Type matches one of the API's binary media types (`*` wildcards allowed)."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    main, _, sub = media_type.partition("/")
    for candidate in binary_media_types:
        c_main, _, c_sub = candidate.strip().lower().partition("/")
        if c_main in ("*", main) and c_sub in ("*", sub):
            return True
    return False


def _grouped(pairs: Sequence[tuple[str, str]], *, case_insensitive: bool) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower() if case_insensitive else name
        first = names.setdefault(key, name)
        groups.setdefault(first, []).append(value)
    return groups


def build_proxy_event(
    request: GatewayRequest,
    route: ApiRoute,
    path_parameters: Mapping[str, str],
    *,
    stage: str,
    binary_media_types: Sequence[str],
    api_key: str | None,
    api_id: str = LOCAL_API_ID,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The REST API Lambda proxy integration event (payload format 1.0) for one request."""
    timestamp = time.time() if now is None else now
    request_id = request_id or str(uuid.uuid4())
    multi_headers = _grouped(request.headers, case_insensitive=True)
    headers = {name: values[-1] for name, values in multi_headers.items()}
    multi_query = _grouped(request.query, case_insensitive=False)
    query = {name: values[-1] for name, values in multi_query.items()}
    header = {name.lower(): value for name, value in headers.items()}
    host = header.get("host", "")

    if not request.body:
        body: str | None = None
        encoded = False
    elif is_binary(header.get("content-type"), binary_media_types):
        body = base64.b64encode(request.body).decode("ascii")
        encoded = True
    else:
        body = request.body.decode("utf-8", errors="replace")
        encoded = False

    path = unquote(request.path)
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {name: unquote(value) for name, value in path_parameters.items()} or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": hashlib.sha1(route.path.encode(), usedforsecurity=False).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": request.method,
            "extendedRequestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(timestamp)),
            "path": f"/{stage}{path}",
            "accountId": LOCAL_ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": host.split(":", 1)[0].split(".", 1)[0],
            "requestTimeEpoch": int(timestamp * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": header.get("user-agent"),
                "user": None,
                "apiKey": api_key,
                "apiKeyId": api_key_id(api_key) if api_key else None,
            },
            "domainName": host,
            "deploymentId": "local",
            "apiId": api_id,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def proxy_response(result: Any, request_id: str, responses: GatewayResponses) -> GatewayResponse:
    """Turn a handler's proxy response into HTTP, the way API Gateway does (its 502 when malformed)."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        logger.error("malformed Lambda proxy response: %s", loggable(repr(result)))
        return responses.answer(FUNCTION_FAILED, request_id)
    try:
        status = int(result["statusCode"])
        multi: dict[str, list[str]] = {
            str(k): [str(v) for v in values] for k, values in (result.get("multiValueHeaders") or {}).items()
        }
        lowered = {name.lower() for name in multi}
        for name, value in (result.get("headers") or {}).items():
            if str(name).lower() not in lowered:
                multi[str(name)] = [str(value)]
        raw = result.get("body")
        if raw is None:
            body = b""
        elif result.get("isBase64Encoded"):
            body = base64.b64decode(str(raw))
        else:
            body = str(raw).encode("utf-8")
    except (TypeError, ValueError, AttributeError) as error:
        logger.error("malformed Lambda proxy response (%s): %s", error, loggable(repr(result)))
        return responses.answer(FUNCTION_FAILED, request_id)
    headers = [(name, value) for name, values in multi.items() for value in values]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    headers.append(("x-amzn-RequestId", request_id))
    return GatewayResponse(status, headers, body)


class LocalApiGateway:
    """A threaded HTTP server on 127.0.0.1 serving the template's API events with the real handlers."""

    def __init__(
        self,
        template: Template,
        *,
        api_key: str,
        host: str = "127.0.0.1",
        port: int = 0,
        handlers: HandlerRegistry | None = None,
        environment: Mapping[str, str] | None = None,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
    ) -> None:
        self.template = template
        self.api_key = api_key
        self.handlers = handlers or HandlerRegistry(template)
        self.environment = dict(environment or {})
        self.routes = template.routes
        self.stage = template.stage_name
        self.binary_media_types = template.binary_media_types
        self.max_payload_bytes = max_payload_bytes
        self.responses = GatewayResponses.from_template(template)
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> LocalApiGateway:
        if self._server is not None:
            return self
        if self.environment:
            apply_environment(self.environment)
        server = _Server((self._host, self._port), _RequestHandler)
        server.gateway = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-api-gateway", daemon=True
        )
        self._thread.start()
        logger.info("local API gateway on %s (stage %s)", self.url, self.stage)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalApiGateway:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the gateway is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    # -- routing ----------------------------------------------------------------------------------------
    def strip_stage(self, path: str) -> str:
        prefix = f"/{self.stage}"
        if path == prefix:
            return "/"
        if path.startswith(prefix + "/"):
            stripped = path[len(prefix) :]
            # Serve /v1/x as /x unless the API itself has a route for /v1/x.
            if not any(route.pattern.fullmatch(path) for route in self.routes):
                return stripped
        return path

    def find_route(self, method: str, path: str) -> tuple[ApiRoute, dict[str, str]] | None:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def handle(self, request: GatewayRequest) -> GatewayResponse:
        request_id = str(uuid.uuid4())
        found = self.find_route(request.method, request.path)
        if found is None:
            response = self.responses.answer(MISSING_AUTHENTICATION_TOKEN, request_id)
            self._log(request, response, "no route")
            return response
        route, params = found
        presented = _header(request.headers, "x-api-key")
        if route.api_key_required and presented != self.api_key:
            response = self.responses.answer(INVALID_API_KEY, request_id)
            self._log(request, response, "API key", route, params)
            return response

        event = build_proxy_event(
            request,
            route,
            params,
            stage=self.stage,
            binary_media_types=self.binary_media_types,
            api_key=presented if route.api_key_required else None,
            request_id=request_id,
        )
        function = self.handlers.function(route.function)
        started = time.monotonic()
        try:
            handler = self.handlers.handler(route.function)
            result = handler(event, context_for(function, request_id))
        except Exception:
            logger.error(
                "%s failed on %s %s:\n%s",
                route.function,
                request.method,
                loggable_path(request.path, route, params),
                loggable(traceback.format_exc()),
            )
            return self.responses.answer(FUNCTION_FAILED, request_id)
        response = proxy_response(result, request_id, self.responses)
        self._log(
            request, response, f"{function.name}, {(time.monotonic() - started) * 1000:.0f} ms", route, params
        )
        return response

    def _log(
        self,
        request: GatewayRequest,
        response: GatewayResponse,
        note: str,
        route: ApiRoute | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        logger.info(
            "%s %s -> %s (%s)",
            request.method,
            loggable_path(request.path, route, params),
            response.status,
            note,
        )


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    value = None
    for key, candidate in headers:
        if key.lower() == name:
            value = candidate
    return value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = LISTEN_BACKLOG
    gateway: LocalApiGateway


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "aha-jira-local-gateway"

    def log_message(self, format: str, *args: Any) -> None:
        # http.server's own line carries the request line, webhook token included.
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s", loggable(format % args))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request the server cannot read (request line, headers, Content-Length): answered in the
        API's error shape too, not as http.server's HTML page."""
        del explain
        self.close_connection = True
        kind = unreadable_request(code, message or HTTPStatus(code).phrase)
        self._write(self.server.gateway.responses.answer(kind, str(uuid.uuid4())))

    def _dispatch(self) -> None:
        gateway = self.server.gateway
        split = urlsplit(self.path)
        path = gateway.strip_stage(split.path or "/")
        headers = list(self.headers.items())
        length = self.headers.get("Content-Length")
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        try:
            if chunked:
                body = self._read_chunked(gateway.max_payload_bytes)
            else:
                size = int(length or 0)
                if size > gateway.max_payload_bytes:
                    self._discard(size)
                    raise _TooLargeError
                body = self.rfile.read(size) if size else b""
        except _TooLargeError:
            self.close_connection = True
            self._write(gateway.responses.answer(REQUEST_TOO_LARGE, str(uuid.uuid4())))
            return
        except ValueError:
            self.send_error(HTTPStatus.BAD_REQUEST, "bad Content-Length or chunked body")
            return
        # API Gateway adds these for the integration.
        proxy_headers = [
            ("X-Forwarded-For", self.client_address[0]),
            ("X-Forwarded-Port", str(gateway.port)),
            ("X-Forwarded-Proto", "http"),
            ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"),
        ]
        replaced = {name.lower() for name, _ in proxy_headers}
        headers = [(k, v) for k, v in headers if k.lower() not in replaced] + proxy_headers
        if not any(k.lower() == "host" for k, _ in headers):
            headers.append(("Host", f"{gateway.host}:{gateway.port}"))
        request = GatewayRequest(
            method=self.command,
            path=path,
            headers=headers,
            query=parse_qsl(split.query, keep_blank_values=True),
            body=body,
            source_ip=self.client_address[0],
        )
        self._write(gateway.handle(request))

    def _discard(self, size: int) -> None:
        while size > 0:
            chunk = self.rfile.read(min(size, 1 << 16))
            if not chunk:
                return
            size -= len(chunk)

    def _read_chunked(self, limit: int) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(65537)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            if len(body) + size > limit:
                raise _TooLargeError
            body += self.rfile.read(size)
            self.rfile.readline(3)

    def _write(self, response: GatewayResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch  # noqa: N815


class _TooLargeError(Exception):
    pass
