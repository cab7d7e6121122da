"""Invoke one function on an event file, the way `sam local invoke` does, without Docker.

    python -m aha_jira_dev.local_stack.invoke <function> <event.json> [--template template.yaml]

`<function>` is a logical id (`IntegrationsFunction`) or a CodeUri folder name (`integrations`). If a local
stack's moto answers at `AWS_ENDPOINT_URL` (default `http://127.0.0.1:${MOTO_PORT:-4566}`, the one
`make run` starts), the function runs against it; otherwise an in-process moto server is started on a free
port for this invocation. Either way the template's tables and queues are provisioned (idempotently), the
function's environment is applied, and the handler's result is printed to stdout as JSON. Logs (the
handler's included) go to stderr. The exit status is 1 when the handler raised.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import traceback
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from aha_jira_dev.local_stack.environment import (
    aws_environment,
    default_endpoint,
    functions_environment,
    is_reachable,
    set_environment,
    start_moto,
)
from aha_jira_dev.local_stack.handlers import load_handler
from aha_jira_dev.local_stack.lambda_context import context_for
from aha_jira_dev.local_stack.provision import provision
from aha_jira_dev.local_stack.template import (
    FunctionDef,
    TemplateError,
    default_template_path,
    load_template,
)

logger = logging.getLogger("aha_jira_dev.local_stack.invoke")


def lambda_runtime_environment(function: FunctionDef) -> dict[str, str]:
    """Variables the Lambda runtime sets (AWS_SAM_LOCAL as `sam local` does: tracing stays off)."""
    context = context_for(function)
    return {
        "AWS_LAMBDA_FUNCTION_NAME": context.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": context.function_version,
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout_seconds),
        "AWS_LAMBDA_LOG_GROUP_NAME": context.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": context.log_stream_name,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_SAM_LOCAL": "true",
    }


@contextlib.contextmanager
def _aws_endpoint() -> Iterator[str]:
    endpoint = default_endpoint()
    if is_reachable(endpoint):
        logger.info("using the local stack's AWS endpoint %s", endpoint)
        yield endpoint
        return
    server, endpoint = start_moto()
    logger.info("no local stack at %s: started moto on %s for this invocation", default_endpoint(), endpoint)
    try:
        yield endpoint
    finally:
        server.stop()


def invoke(function_name: str, event: Any, *, template_path: Path | None = None) -> Any:
    """Provision, apply the function's environment, and call its handler with a fresh context."""
    template = load_template(template_path or default_template_path())
    function = template.function(function_name)
    with _aws_endpoint() as endpoint:
        set_environment(aws_environment(endpoint))
        resources = provision(template, endpoint)
        set_environment(
            {
                **functions_environment(template, resources, function.logical_id),
                **lambda_runtime_environment(function),
            }
        )
        handler = load_handler(function)
        return handler(event, context_for(function, str(uuid.uuid4())))


def _error_payload(error: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": "",
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aha_jira_dev.local_stack.invoke",
        description="Invoke a function of template.yaml on an event file, without Docker.",
    )
    parser.add_argument("function", help="logical id (IntegrationsFunction) or folder name (integrations)")
    parser.add_argument("event", help="event JSON file ('-' for stdin)")
    parser.add_argument("--template", type=Path, default=None, help="SAM template (default: template.yaml)")
    args = parser.parse_args(argv)

    out = stdout or sys.stdout
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        raw = sys.stdin.read() if args.event == "-" else Path(args.event).read_text(encoding="utf-8")
        event = json.loads(raw)
    except (OSError, json.JSONDecodeError) as error:
        print(f"cannot read the event {args.event}: {error}", file=sys.stderr)
        return 2

    # Everything the handler prints (Powertools logs to stdout) goes to stderr; stdout is the result.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            result = invoke(args.function, event, template_path=args.template)
        except TemplateError as error:
            print(str(error), file=sys.stderr)
            return 2
        except Exception as error:
            traceback.print_exc(file=sys.stderr)
            print(json.dumps(_error_payload(error), indent=2), file=out)
            return 1
    print(json.dumps(result, indent=2, default=str), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
