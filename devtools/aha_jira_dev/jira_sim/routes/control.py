"""The control API under ``/_sim/`` (no authentication; for tests, benchmarks and the local demo).

| method & path | what it does |
|---|---|
| ``GET /_sim/info`` | mode, base URL, seeded credentials and accounts, OpenAPI load time |
| ``POST /_sim/reset`` | back to the seed: issues, versions, faults, call log, webhook config, deliveries |
| ``GET/PUT/DELETE /_sim/webhook`` | webhook target ``{"url", "secret", "events", "retry_delays", "timeout"}`` |
| ``GET/DELETE /_sim/webhook/deliveries`` | delivery records; ``?wait=N&timeout=S`` waits for N finished |
| ``POST /_sim/webhook/deliveries/{identifier}/redeliver`` | send a past delivery again, retry count + 1 |
| ``GET/POST/DELETE /_sim/faults`` | fault rules (see ``faults``) |
| ``GET/DELETE /_sim/calls`` | the call log (``?since=<seq>``) |
| ``POST /_sim/connect/installations`` | register ``{"clientKey", "sharedSecret", "baseUrl"?, "webhookPath"?}``; with the
  app's ``baseUrl`` every event is also sent to it as a JWT-signed Connect webhook |
| ``DELETE /_sim/connect/installations/{clientKey}`` | forget an installation |
| ``POST /_sim/connect/install`` | ``{"descriptorUrl", "clientKey"?, "sharedSecret"?}``: install a Connect app the way
  Jira does (signed ``installed`` callback, see ``connect_app``); answers ``{"status", "clientKey", "sharedSecret"}`` |
| ``POST /_sim/connect/installations/{clientKey}/uninstall`` | the signed ``uninstalled`` callback, then forget it |
| ``GET /_sim/connect/install-keys/{kid}`` | the public key lifecycle callbacks are signed with (PEM), like
  ``connect-install-keys.atlassian.com/<kid>`` |
| ``GET /_sim/issues`` · ``GET /_sim/issues/{key}`` | issues with all fields and properties (``?project=``) |
| ``PUT /_sim/search-lag`` | ``{"seconds": s}``: search/jql hides issues changed in the last s seconds |
| ``GET/PUT /_sim/site-settings`` | the site's options (``GET configuration``): ``{"sub_tasks_enabled",
  "issue_linking_enabled", "time_tracking_enabled", "attachments_enabled", "voting_enabled", "watching_enabled",
  "unassigned_issues_allowed"}``; PUT changes the keys given |
| ``GET/PUT/DELETE /_sim/permissions`` | revoked project permissions; PUT ``{"account", "project", "revoked": [...]}``
  (account id, e-mail or username; project key or id, null for every project) replaces that account's revoked
  set in that project; DELETE gives every permission back (see ``permissions``) |
| ``POST /_sim/engineer/issues`` | create an issue as the engineer (body as ``POST issue``) |
| ``POST /_sim/engineer/issues/{key}/transition`` | ``{"status": "Done"}`` or ``{"transition_id": "31"}``, with
  ``"fields"`` for a transition screen |
| ``POST /_sim/engineer/issues/{key}/edit`` | ``{"fields": {...}, "update": {...}}`` |
| ``POST /_sim/engineer/issues/{key}/worklog`` | ``{"timeSpentSeconds"|"timeSpent", "comment"?, "started"?}`` |
| ``DELETE /_sim/engineer/issues/{key}`` | delete the issue (and its sub-tasks) |

Engineer actions act as the engineer account unless the body names another ``"user"`` (e-mail, account id or
username); ``"api_version": 2`` makes rich-text values wiki strings instead of ADF on Cloud.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from ..connect_app import install_app, uninstall_app
from ..permissions import EVERY_PROJECT, PROJECT_KEYS
from ..render import parse_duration
from ..routing import JiraError, Request, Response, Router
from ..state import BOT_ACCOUNT_ID, ENGINEER_ACCOUNT_ID, ConnectInstallation, SiteSettings, User
from ..validation import MetaValidator
from ..webhooks import WebhookConfig
from .issues import perform_transition, require_delete, require_edit

if TYPE_CHECKING:
    from ..core import Core


def _body(req: Request) -> dict[str, Any]:
    data = req.json() if req.body else {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise JiraError(400, "The control API takes a JSON object.")
    return data


def info(core: Core, req: Request) -> Response:
    spec = core.spec
    return Response(
        200,
        {
            "mode": core.mode,
            "base_url": core.base_url,
            "api_version": 3 if core.mode == "cloud" else 2,
            "credentials": core.credentials,
            "bot_account_id": BOT_ACCOUNT_ID,
            "engineer_account_id": ENGINEER_ACCOUNT_ID,
            "projects": {
                "simple": "MOB",
                "required_fields": "REQ",
                "call_budget": "BIG",
                "linear_workflow": "FLOW",
            },
            "openapi_loaded": spec is not None,
            "openapi_load_seconds": round(spec.load_seconds, 3) if spec else None,
        },
    )


def reset(core: Core, req: Request) -> Response:
    core.reset()
    return Response(204)


def webhook_get(core: Core, req: Request) -> Response:
    config = core.webhooks.config
    if config is None:
        return Response(200, {"configured": False})
    return Response(
        200,
        {
            "configured": True,
            "url": config.url,
            "secret_set": bool(config.secret),
            "events": sorted(config.events) if config.events else None,
            "retry_delays": list(config.retry_delays),
            "timeout": config.timeout,
        },
    )


def webhook_put(core: Core, req: Request) -> Response:
    body = _body(req)
    url = body.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise JiraError(400, "url must be an http(s) URL")
    events = body.get("events")
    config = WebhookConfig(
        url=url,
        secret=body.get("secret") or None,
        events=frozenset(events) if events else None,
        retry_delays=tuple(float(x) for x in body.get("retry_delays", WebhookConfig.retry_delays)),
        timeout=float(body.get("timeout", WebhookConfig.timeout)),
    )
    core.webhooks.configure(config)
    return Response(204)


def webhook_delete(core: Core, req: Request) -> Response:
    core.webhooks.configure(None)
    return Response(204)


def deliveries(core: Core, req: Request) -> Response:
    wait = req.q_int("wait", 0)
    timeout = float(req.q("timeout", "5") or 5)
    if wait:
        done = core.webhooks.wait_done(wait, min(timeout, 60.0))
        if not done:
            return Response(
                408,
                {
                    "error": f"fewer than {wait} deliveries finished within {timeout}s",
                    "deliveries": core.webhooks.deliveries(),
                },
            )
    return Response(200, {"deliveries": core.webhooks.deliveries()})


def deliveries_clear(core: Core, req: Request) -> Response:
    core.webhooks.clear_deliveries()
    return Response(204)


def redeliver(core: Core, req: Request) -> Response:
    delivery = core.webhooks.redeliver(req.params["identifier"])
    if delivery is None:
        return Response(404, {"error": "no delivery with that identifier"})
    return Response(202, delivery.as_json(include_payload=False))


def faults_get(core: Core, req: Request) -> Response:
    return Response(200, {"rules": core.faults.rules()})


def faults_add(core: Core, req: Request) -> Response:
    rule = core.faults.add(_body(req))
    return Response(201, rule.as_json())


def faults_clear(core: Core, req: Request) -> Response:
    core.faults.clear()
    return Response(204)


def calls_get(core: Core, req: Request) -> Response:
    return Response(200, {"calls": core.calls.snapshot(req.q_int("since", 0))})


def calls_clear(core: Core, req: Request) -> Response:
    core.calls.clear()
    return Response(204)


def register_installation(
    core: Core,
    client_key: str,
    shared_secret: str,
    *,
    base_url: str | None = None,
    name: str | None = None,
    webhook_path: str | None = None,
    app_key: str | None = None,
    webhook_urls: dict[str, str] | None = None,
    descriptor: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``base_url`` is the app's base URL: when given, Connect webhooks are sent to it."""
    with core.store.lock:
        account_id = "557058:" + client_key.replace(":", "-")[-36:]
        core.store.users[account_id] = User(
            account_id,
            f"addon_{client_key}",
            f"addon_{client_key}",
            f"{client_key}@connect.atlassian.com",
            name or "Aha! Connect app",
            account_type="app",
        )
        installation = ConnectInstallation(
            client_key,
            shared_secret,
            account_id,
            base_url,
            app_key=app_key,
            webhook_urls=webhook_urls,
            descriptor=descriptor,
        )
        if webhook_path:
            installation.webhook_path = webhook_path
        core.store.installations[client_key] = installation
    return {"clientKey": client_key, "accountId": account_id, "baseUrl": core.base_url}


def connect_register(core: Core, req: Request) -> Response:
    body = _body(req)
    client_key = body.get("clientKey")
    secret = body.get("sharedSecret")
    if not isinstance(client_key, str) or not client_key or not isinstance(secret, str) or not secret:
        raise JiraError(400, "clientKey and sharedSecret are required")
    name = body.get("name")
    return Response(
        201,
        register_installation(
            core,
            client_key,
            secret,
            base_url=body.get("baseUrl"),
            name=str(name) if name else None,
            webhook_path=body.get("webhookPath"),
        ),
    )


def connect_install_key(core: Core, req: Request) -> Response:
    keys = core.connect_keys
    if req.params["kid"] != keys.kid:
        return Response(404, raw=b"Not Found", content_type="text/plain")
    return Response(200, raw=keys.public_pem.encode(), content_type="application/x-pem-file")


def connect_install(core: Core, req: Request) -> Response:
    body = _body(req)
    url = body.get("descriptorUrl")
    if not isinstance(url, str) or not url:
        raise JiraError(400, "descriptorUrl is required")
    result = install_app(core, url, client_key=body.get("clientKey"), shared_secret=body.get("sharedSecret"))
    return Response(200, result.as_json())


def connect_uninstall(core: Core, req: Request) -> Response:
    try:
        result = uninstall_app(core, req.params["clientKey"])
    except KeyError as error:
        raise JiraError(404, str(error)) from None
    return Response(200, result.as_json())


def connect_delete(core: Core, req: Request) -> Response:
    with core.store.lock:
        core.store.installations.pop(req.params["clientKey"], None)
    return Response(204)


def issues_list(core: Core, req: Request) -> Response:
    project = req.q("project")
    renderer = core.renderer(3 if core.mode == "cloud" else 2)
    with core.store.lock:
        issues = sorted(core.store.issues.values(), key=lambda i: int(i.id))
        if project:
            p = core.store.project(project)
            issues = [i for i in issues if p is not None and i.project_id == p.id]
        return Response(200, {"issues": [renderer.issue(i, None, ["*all"], ["changelog"]) for i in issues]})


def issue_get(core: Core, req: Request) -> Response:
    renderer = core.renderer(3 if core.mode == "cloud" else 2)
    with core.store.lock:
        issue = core.store.issue(req.params["key"])
        if issue is None:
            raise JiraError(404, "Issue does not exist or you do not have permission to see it.")
        return Response(200, renderer.issue(issue, None, ["*all"], ["changelog"]))


def search_lag(core: Core, req: Request) -> Response:
    core.search_lag_seconds = float(_body(req).get("seconds", 0))
    return Response(204)


SITE_SETTING_NAMES = frozenset(f.name for f in fields(SiteSettings))


def update_site_settings(core: Core, values: dict[str, Any]) -> dict[str, bool]:
    """Change the named site options (the rest keep their value); answers all of them."""
    unknown = sorted(set(values) - SITE_SETTING_NAMES)
    if unknown:
        raise ValueError(f"unknown site settings {unknown}; known: {sorted(SITE_SETTING_NAMES)}")
    for name, value in values.items():
        if not isinstance(value, bool):
            raise ValueError(f"site setting {name} must be true or false")
    with core.store.lock:
        for name, value in values.items():
            setattr(core.store.site, name, value)
        return asdict(core.store.site)


def set_revoked(core: Core, account: str, project: str | None, revoked: list[str]) -> dict[str, Any]:
    """Replace the project permissions ``account`` lacks in ``project`` (None or "*": every project)."""
    bad = sorted(set(revoked) - PROJECT_KEYS)
    if bad:
        raise ValueError(f"not project permission keys: {bad}")
    with core.store.lock:
        user = core.store.user_by_ref(account)
        if user is None:
            raise ValueError(f"no account {account!r}")
        project_id = EVERY_PROJECT
        if project not in (None, "", EVERY_PROJECT):
            found = core.store.project(str(project))
            if found is None:
                raise ValueError(f"no project {project!r}")
            project_id = found.id
        key = (user.account_id, project_id)
        if revoked:
            core.store.revoked[key] = frozenset(revoked)
        else:
            core.store.revoked.pop(key, None)
    return _revocation(core, key, frozenset(revoked))


def _revocation(core: Core, key: tuple[str, str], revoked: frozenset[str]) -> dict[str, Any]:
    account_id, project_id = key
    project = core.store.projects.get(project_id)
    return {
        "account_id": account_id,
        "project": project.key if project else None,
        "revoked": sorted(revoked),
    }


def revocations(core: Core) -> list[dict[str, Any]]:
    with core.store.lock:
        return [_revocation(core, key, value) for key, value in sorted(core.store.revoked.items())]


def site_settings_get(core: Core, req: Request) -> Response:
    with core.store.lock:
        return Response(200, asdict(core.store.site))


def site_settings_put(core: Core, req: Request) -> Response:
    return Response(200, update_site_settings(core, _body(req)))


def permissions_get(core: Core, req: Request) -> Response:
    return Response(200, {"revoked": revocations(core)})


def permissions_put(core: Core, req: Request) -> Response:
    body = _body(req)
    account = body.get("account")
    revoked = body.get("revoked", [])
    if not isinstance(account, str) or not account:
        raise ValueError("account (account id, e-mail or username) is required")
    if not isinstance(revoked, list) or not all(isinstance(k, str) for k in revoked):
        raise ValueError("revoked must be a list of permission keys")
    project = body.get("project")
    return Response(200, set_revoked(core, account, str(project) if project else None, revoked))


def permissions_delete(core: Core, req: Request) -> Response:
    with core.store.lock:
        core.store.revoked.clear()
    return Response(204)


def _engineer(core: Core, body: dict[str, Any]) -> User:
    ref = body.get("user")
    if not ref:
        return core.store.users[ENGINEER_ACCOUNT_ID]
    ref = str(ref)
    user = core.store.users.get(ref) or core.store.user_by_email(ref) or core.store.user_by_name(ref)
    if user is None:
        raise JiraError(400, f"No user '{ref}'.")
    return user


def _version(core: Core, body: dict[str, Any]) -> int:
    return int(body.get("api_version") or (3 if core.mode == "cloud" else 2))


def _issue(core: Core, key: str) -> Any:
    issue = core.store.issue(key)
    if issue is None:
        raise JiraError(404, "Issue does not exist or you do not have permission to see it.")
    return issue


def engineer_create(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    with core.store.lock:
        plan = MetaValidator(core.store, core.mode, _version(core, body), actor).create(body)
        issue = core.ops.create_issue(plan, actor)
        return Response(201, {"id": issue.id, "key": issue.key})


def engineer_transition(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        fields = body.get("fields") or {}  # a transition screen's fields
        if body.get("transition_id"):
            request = {"transition": {"id": str(body["transition_id"])}, "fields": fields}
            perform_transition(core, issue, actor, request, _version(core, body))
        elif body.get("status"):
            core.ops.transition_to_status(
                issue, str(body["status"]), actor, fields=fields, version=_version(core, body)
            )
        else:
            raise JiraError(400, "Give 'status' (a status name) or 'transition_id'.")
        return Response(200, {"key": issue.key, "status": core.store.statuses[issue.status_id].name})


def engineer_edit(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        require_edit(core, actor, issue)
        plan = MetaValidator(core.store, core.mode, _version(core, body), actor).edit(issue, body)
        core.ops.edit_issue(issue, plan, actor)
    return Response(204)


def engineer_worklog(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    seconds = body.get("timeSpentSeconds")
    if seconds is None and body.get("timeSpent"):
        seconds = parse_duration(str(body["timeSpent"]))
    if not isinstance(seconds, int) or seconds <= 0:
        raise JiraError(400, "timeSpentSeconds (or timeSpent) must be a positive duration")
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        worklog = core.ops.add_worklog(
            issue,
            actor,
            seconds,
            started=body.get("started"),
            comment=body.get("comment"),
            adjust=str(body.get("adjustEstimate", "auto")),
        )
        return Response(201, {"id": worklog.id, "issueId": issue.id})


def engineer_delete(core: Core, req: Request) -> Response:
    body = _body(req)
    actor = _engineer(core, body)
    with core.store.lock:
        issue = _issue(core, req.params["key"])
        require_delete(core, actor, issue)
        core.ops.delete_issue(issue, actor, True)
    return Response(204)


def register(router: Router) -> None:
    router.add("GET", "/_sim/info", info, auth=False)
    router.add("POST", "/_sim/reset", reset, auth=False)
    router.add("GET", "/_sim/webhook", webhook_get, auth=False)
    router.add("PUT", "/_sim/webhook", webhook_put, auth=False)
    router.add("DELETE", "/_sim/webhook", webhook_delete, auth=False)
    router.add("GET", "/_sim/webhook/deliveries", deliveries, auth=False)
    router.add("DELETE", "/_sim/webhook/deliveries", deliveries_clear, auth=False)
    router.add("POST", "/_sim/webhook/deliveries/{identifier}/redeliver", redeliver, auth=False)
    router.add("GET", "/_sim/faults", faults_get, auth=False)
    router.add("POST", "/_sim/faults", faults_add, auth=False)
    router.add("DELETE", "/_sim/faults", faults_clear, auth=False)
    router.add("GET", "/_sim/calls", calls_get, auth=False)
    router.add("DELETE", "/_sim/calls", calls_clear, auth=False)
    router.add("POST", "/_sim/connect/installations", connect_register, auth=False)
    router.add("DELETE", "/_sim/connect/installations/{clientKey}", connect_delete, auth=False)
    router.add("GET", "/_sim/connect/install-keys/{kid}", connect_install_key, auth=False)
    router.add("POST", "/_sim/connect/install", connect_install, auth=False)
    router.add("POST", "/_sim/connect/installations/{clientKey}/uninstall", connect_uninstall, auth=False)
    router.add("GET", "/_sim/issues", issues_list, auth=False)
    router.add("GET", "/_sim/issues/{key}", issue_get, auth=False)
    router.add("PUT", "/_sim/search-lag", search_lag, auth=False)
    router.add("GET", "/_sim/site-settings", site_settings_get, auth=False)
    router.add("PUT", "/_sim/site-settings", site_settings_put, auth=False)
    router.add("GET", "/_sim/permissions", permissions_get, auth=False)
    router.add("PUT", "/_sim/permissions", permissions_put, auth=False)
    router.add("DELETE", "/_sim/permissions", permissions_delete, auth=False)
    router.add("POST", "/_sim/engineer/issues", engineer_create, auth=False)
    router.add("POST", "/_sim/engineer/issues/{key}/transition", engineer_transition, auth=False)
    router.add("POST", "/_sim/engineer/issues/{key}/edit", engineer_edit, auth=False)
    router.add("POST", "/_sim/engineer/issues/{key}/worklog", engineer_worklog, auth=False)
    router.add("DELETE", "/_sim/engineer/issues/{key}", engineer_delete, auth=False)
