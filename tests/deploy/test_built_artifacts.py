"""`sam build` without Docker, and the built artefacts run the way Lambda lays them out.

- The template as it deploys (arm64) builds; every function's folder holds its handler and the layer
  holds `python/aha_jira` with its dependencies, native ones built for the functions' architecture.
- A build of the same template for this machine's architecture (`sam_build.template_for_architecture`)
  runs: each function in a fresh interpreter (`python -I -S`: no site-packages, no PYTHONPATH), its code
  folder as the working directory and first on `sys.path` (`/var/task`), the layer's `python/` folder next
  (`/opt/python`), then boto3 and its dependencies alone (what the Lambda runtime provides) — nothing from
  the development environment. Each handler gets sample events from `events/` against moto (provisioned
  from the template) and the Jira simulator: configure, test the connection, send a feature, receive a
  webhook, run a retry job.

Marked `deploy` (about 20-40 s: two builds; pip downloads the layer's dependencies from PyPI the first
time). `make test` runs it; `pytest -m "not deploy"` leaves it out.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aha_jira_dev.integration_bodies import integration_body
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.environment import aws_environment, functions_environment, start_moto
from aha_jira_dev.local_stack.provision import LocalResources, provision
from aha_jira_dev.local_stack.template import Template, load_template
from tests.deploy.sam_build import (
    REPO_ROOT,
    SAM,
    TEMPLATE,
    build,
    host_architecture,
    python313,
    template_for_architecture,
)

pytestmark = pytest.mark.deploy

EVENTS = REPO_ROOT / "events"
# What the Lambda python3.13 runtime provides besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
FUNCTIONS = {
    "IntegrationsFunction": "integrations",
    "TestConnectionFunction": "test_connection",
    "SendFeatureFunction": "send_feature",
    "RetryWorkerFunction": "retry_worker",
    "JiraWebhookFunction": "jira_webhook",
    "AdminConsoleFunction": "admin_console",
    "AhaWebhookFunction": "aha_webhook",
    "ReleaseSendFunction": "release_send",
    "ReleaseWorkerFunction": "release_worker",
}

# Runs in the fresh interpreter: argv = [task root, layer's python/ folder, runtime folder, events file].
_BOOTSTRAP = r"""
import importlib, json, os, sys, time, uuid
task_root, layer, runtime, events_file = sys.argv[1:5]
sys.path[:0] = [task_root, layer, runtime]  # /var/task, /opt/python, the runtime's boto3


class Context:
    function_name = "aha-jira-deploy-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:aha-jira-deploy-test"
    log_group_name = "/aws/lambda/aha-jira-deploy-test"
    log_stream_name = "2026/11/28/[$LATEST]deploytest"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + int(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])

    def get_remaining_time_in_millis(self):
        return int((self._deadline - time.monotonic()) * 1000)


# As Lambda's runtime does: the handler's module from _HANDLER ("app.lambda_handler", "api_docs.app.lambda_handler").
module = importlib.import_module(os.environ["_HANDLER"].rsplit(".", 1)[0].replace("/", "."))
with open(events_file, encoding="utf-8") as source:
    events = json.load(source)
results = [module.lambda_handler(event, Context()) for event in events]
origins = {
    name: getattr(sys.modules.get(name), "__file__", None)
    for name in ("aha_jira", "pydantic_core", "requests", "aws_lambda_powertools", "boto3")
}
origins["app"] = module.__file__
layer_modules = [m for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(layer)]
compiled = [m.__name__ for m in layer_modules if m.__file__.endswith(".py") and not os.path.isfile(m.__cached__ or "")]
print("\n" + json.dumps({"results": results, "origins": origins, "not_compiled": compiled}))
"""


@pytest.fixture(scope="module")
def sam_ready() -> None:
    if not SAM.exists():
        pytest.skip("needs the SAM CLI (make sam-venv)")
    if python313() is None:
        pytest.skip("needs a python3.13 interpreter for sam build")


@pytest.fixture(scope="module")
def deployed_build(sam_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build` of template.yaml as it deploys (arm64)."""
    root = tmp_path_factory.mktemp("sam-arm64")
    return build(TEMPLATE, root / "build", root / "cache").parent


@pytest.fixture(scope="module")
def host_build(sam_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build` of the template for this machine's architecture, so that the layer's native code loads."""
    root = tmp_path_factory.mktemp("sam-host")
    architecture = host_architecture()
    template = template_for_architecture(architecture, root / "source")
    return build(template, root / "build", root / "cache", architecture=architecture).parent


def test_the_deployed_template_builds_with_the_lambda_layout(deployed_build: Path) -> None:
    built = load_template(deployed_build / "template.yaml")
    layer = deployed_build / "CommonLayer" / "python"
    assert (layer / "aha_jira" / "wiring.py").is_file()
    for package in ("pydantic", "pydantic_core", "aws_lambda_powertools", "requests"):
        assert (layer / package).is_dir(), package
    assert not (layer / "aha_jira_dev").exists(), "development tools must not ship"
    # The Logs Insights evaluator and the captured-log reader are the local stack's (aha_jira_dev).
    assert not (layer / "aha_jira" / "integration_log" / "insights.py").exists(), (
        "development tools must not ship"
    )
    assert (layer / "aha_jira" / "integration_log" / "reader.py").is_file()
    assert not (layer / "boto3").exists(), "boto3 comes with the Lambda runtime"
    native = sorted(path.name for path in layer.rglob("*.so"))
    assert native and all("aarch64" in name for name in native), native
    # Bytecode for every module (/opt is read-only on Lambda: nothing compiled there would be kept).
    sources = sorted(layer.rglob("*.py"))
    missing = [
        str(path.relative_to(layer))
        for path in sources
        if not (path.parent / "__pycache__" / f"{path.stem}.cpython-313.pyc").is_file()
    ]
    assert sources and not missing, missing[:10]
    for logical_id, folder in FUNCTIONS.items():
        code = deployed_build / logical_id
        assert (code / "app.py").is_file(), logical_id
        assert not list(code.rglob("*.py"))[1:], f"{logical_id} ships more than its handler"
        assert built.functions[logical_id].code_dir == code.resolve()
        assert (code / "app.py").read_bytes() == (REPO_ROOT / "functions" / folder / "app.py").read_bytes()
    # The admin console's page and assets ship beside its handler.
    static = REPO_ROOT / "functions" / "admin_console" / "static"
    shipped = deployed_build / "AdminConsoleFunction" / "static"
    assert sorted(path.name for path in shipped.iterdir()) == sorted(path.name for path in static.iterdir())
    layer_resource = built.resources["CommonLayer"]["Properties"]
    assert layer_resource["ContentUri"] == "CommonLayer"


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """boto3 and its dependencies only, as the Lambda runtime has them (symlinks into this environment)."""
    folder = tmp_path_factory.mktemp("lambda-runtime")
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (folder / source.name).symlink_to(source)
    return folder


@pytest.fixture(scope="module")
def stack(host_build: Path) -> Iterator[tuple[Template, LocalResources, str, JiraSimulator]]:
    template = load_template(host_build / "template.yaml")
    server, moto_url = start_moto()
    sim = JiraSimulator(mode="cloud").start()
    try:
        yield template, provision(template, moto_url), moto_url, sim
    finally:
        sim.stop()
        server.stop()


def _event(name: str, **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    event = copy.deepcopy(event)
    event.update(changes)
    return event


def _for_integration(event: dict[str, Any], integration_id: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["path"] = event["path"].replace("/mobile-app", f"/{integration_id}", 1)
    event["pathParameters"] = {**event["pathParameters"], "integration_id": integration_id}
    return event


def _invoke(
    stack: tuple[Template, LocalResources, str, JiraSimulator],
    runtime_dir: Path,
    logical_id: str,
    events: list[dict[str, Any]],
    tmp_path: Path,
    *,
    models: bool = True,
) -> dict[str, Any]:
    """The function's handler on `events`, in one fresh interpreter laid out as Lambda lays it out
    (`models`: the handler loads pydantic's compiled core from the layer; the admin console does not)."""
    template, resources, moto_url, _ = stack
    function = template.functions[logical_id]
    events_file = tmp_path / f"{logical_id}-events.json"
    events_file.write_text(json.dumps(events), encoding="utf-8")
    layer = function.code_dir.parent / "CommonLayer" / "python"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "en_US.UTF-8",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": f"aha-jira-{logical_id}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout_seconds),
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "_HANDLER": f"{function.handler_module}.{function.handler_function}",
        **aws_environment(moto_url),
        **functions_environment(template, resources, logical_id),
    }
    interpreter = python313()
    assert interpreter is not None
    completed = subprocess.run(
        [
            str(interpreter),
            "-I",
            "-S",
            "-B",  # writes no bytecode: the layer's own .pyc files must serve (/opt is read-only)
            "-c",
            _BOOTSTRAP,
            str(function.code_dir),
            str(layer),
            str(runtime_dir),
            str(events_file),
        ],
        cwd=function.code_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, (
        f"{logical_id} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
    )
    answer: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    origins = answer["origins"]
    assert origins["app"].startswith(str(function.code_dir)), origins
    for name in ("aha_jira", "pydantic_core", "aws_lambda_powertools"):
        assert origins[name] is None or origins[name].startswith(str(layer)), (name, origins)
    if origins["requests"] is not None:
        assert origins["requests"].startswith(str(layer)), origins
    assert origins["aha_jira"] is not None and (origins["pydantic_core"] is not None) is models
    assert answer["not_compiled"] == [], answer["not_compiled"][:10]  # every layer module from its .pyc
    return answer


def _body(result: dict[str, Any]) -> Any:
    return json.loads(result["body"]) if result.get("body") else None


def test_the_built_functions_run_on_sample_events(
    stack: tuple[Template, LocalResources, str, JiraSimulator], runtime_dir: Path, tmp_path: Path
) -> None:
    sim = stack[3]
    sim_body = integration_body(sim, name="Deploy test")
    put_sim = _for_integration(_event("put_integration.json"), "sim-app")
    put_sim["body"] = json.dumps(sim_body)

    # The configuration API: the sample PUT as it is, then an integration on the simulator.
    configured = _invoke(
        stack,
        runtime_dir,
        "IntegrationsFunction",
        [
            _event("put_integration.json"),
            put_sim,
            _for_integration(_event("get_integration.json"), "sim-app"),
            _event("list_integrations.json"),
        ],
        tmp_path,
    )["results"]
    assert [r["statusCode"] for r in configured] == [201, 201, 200, 200], configured
    assert "api_token" not in configured[0]["body"] and "ATATT3x" not in configured[0]["body"]
    webhook_url = _body(configured[2])["webhook_url"]
    assert {item["id"] for item in _body(configured[3])["integrations"]} >= {"mobile-app", "sim-app"}

    # Test connection and send: the Jira client (requests, signers) from the layer, against the simulator.
    tested = _invoke(
        stack,
        runtime_dir,
        "TestConnectionFunction",
        [_for_integration(_event("test_connection.json"), "sim-app")],
        tmp_path,
    )["results"]
    assert tested[0]["statusCode"] == 200 and _body(tested[0])["ok"] is True, tested
    sent = _invoke(
        stack,
        runtime_dir,
        "SendFeatureFunction",
        [_for_integration(_event("send_feature.json"), "sim-app")],
        tmp_path,
    )
    result = sent["results"][0]
    assert result["statusCode"] == 200, result
    assert _body(result)["status"] == "synced" and _body(result)["jira"]["key"].startswith("MOB-")
    assert sent["origins"]["requests"] is not None

    # The Jira webhook on the site's URL (the sample delivery names an issue we do not know: ignored).
    token = webhook_url.rstrip("/").rsplit("/", 1)[1]
    delivery = _event("jira_webhook.json")
    delivery["path"] = f"/webhooks/jira/{token}"
    delivery["pathParameters"] = {"webhook_token": token}
    received = _invoke(stack, runtime_dir, "JiraWebhookFunction", [delivery], tmp_path)["results"]
    assert received[0]["statusCode"] == 200, received

    # Aha!'s webhook on the sample delivery (a token of no integration here: 404 unknown_webhook).
    aha = _invoke(stack, runtime_dir, "AhaWebhookFunction", [_event("aha_webhook.json")], tmp_path)["results"]
    assert aha[0]["statusCode"] == 404 and _body(aha[0])["error"]["code"] == "unknown_webhook", aha

    # The admin console from its built folder: the page and an asset, with the console's headers.
    page = _event("get_admin_console.json")
    asset = _event("get_admin_console.json", resource="/admin/{asset}", path="/admin/app.js")
    asset["pathParameters"] = {"asset": "app.js"}
    served = _invoke(stack, runtime_dir, "AdminConsoleFunction", [page, asset], tmp_path, models=False)[
        "results"
    ]
    assert [result["statusCode"] for result in served] == [200, 200], served
    assert '<script type="module" src="admin/app.js"></script>' in served[0]["body"]
    assert served[1]["multiValueHeaders"]["Content-Type"] == ["text/javascript; charset=utf-8"]
    assert "frame-ancestors 'none'" in served[0]["multiValueHeaders"]["Content-Security-Policy"][0]

    # The retry worker on the sample SQS event (a job with nothing pending: done, no batch item failure).
    retried = _invoke(stack, runtime_dir, "RetryWorkerFunction", [_event("retry_job.json")], tmp_path)[
        "results"
    ]
    assert retried == [{"batchItemFailures": []}], retried

    # The scheduled reconcile on its sample event: the simulator's site swept through the layer's client.
    swept = _invoke(stack, runtime_dir, "ReconcileFunction", [_event("reconcile_schedule.json")], tmp_path)[
        "results"
    ]
    [site] = [item for item in swept[0]["sites"] if item["site_url"] == sim.base_url]
    assert site["outcome"] == "swept" and site["linked_changed"] >= 1 and site["jira_calls"] >= 2, swept
    # A release send's progress (an unknown one: 404 in the error shape), and the release worker on the sample
    # SQS event (a feature of a release send that is not stored: done, no batch item failure).
    progress = _for_integration(_event("get_release_send.json"), "sim-app")
    read = _invoke(stack, runtime_dir, "ReleaseSendFunction", [progress], tmp_path)["results"]
    assert read[0]["statusCode"] == 404 and _body(read[0])["error"]["code"] == "release_send_not_found", read
    released = _invoke(
        stack, runtime_dir, "ReleaseWorkerFunction", [_event("release_feature_job.json")], tmp_path
    )["results"]
    assert released == [{"batchItemFailures": []}], released


def test_the_api_description_function_ships_every_handler_and_no_layer_code(deployed_build: Path) -> None:
    """Its code is every function's folder (CodeUri functions/): the description is generated from them."""
    code = deployed_build / "ApiDocsFunction"
    repo = load_template(TEMPLATE)
    assert (code / "api_docs" / "app.py").is_file()
    for function in repo.functions.values():
        shipped = code / function.handler_file.relative_to(REPO_ROOT / "functions")
        assert shipped.read_bytes() == function.handler_file.read_bytes(), function.logical_id
    assert not list(code.rglob("aha_jira")), "the shared package comes from the layer"


def test_the_built_api_description_serves_every_route(
    stack: tuple[Template, LocalResources, str, JiraSimulator], runtime_dir: Path, tmp_path: Path
) -> None:
    template = stack[0]
    document_event = _event("get_openapi.json")
    swagger_event = _event("get_openapi.json", path="/swagger", resource="/swagger")
    answers = _invoke(stack, runtime_dir, "ApiDocsFunction", [document_event, swagger_event], tmp_path)
    document_answer, swagger_answer = answers["results"]
    assert document_answer["statusCode"] == 200, document_answer
    document = _body(document_answer)
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert documented == {(route.method, route.path) for route in template.routes}
    assert swagger_answer["statusCode"] == 200
    assert "swagger/swagger-ui-bundle.js" in swagger_answer["body"]
